"""Rasa's reply messages → Telegram messages: safe HTML, split under the size limit, keyboards.

Rasa texts may use a little Markdown (**bold**, *bold*, _italic_, [text](https://link)); it
becomes Telegram HTML with everything else escaped, so nothing a person or a content writer
types can break a message. `plain` is the same text without markup, sent if Telegram still
refuses the HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import ButtonPayloads
from bot.texts import BUTTONS_ONLY_TEXT

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
# Room for the entities Telegram re-counts and for a safety margin.
SPLIT_AT = 4000

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_URL = re.compile(r"https?://\S+")
_BOLD2 = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BOLD1 = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w/])_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")
_SLOT = "\x00{}\x00"
_SLOT_BACK = re.compile("\x00(\\d+)\x00")


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message to send: a text (HTML + plain fallback) or a photo."""

    html: str = ""
    plain: str = ""
    photo: str | None = None
    keyboard: InlineKeyboardMarkup | None = None


@dataclass
class RenderedReply:
    messages: list[Outgoing] = field(default_factory=list)
    directives: list[dict] = field(default_factory=list)  # {"passerelle": ...} payloads

    @property
    def texts(self) -> list[str]:
        return [message.plain for message in self.messages if message.plain]


def render_reply(replies: list[dict], payloads: ButtonPayloads) -> RenderedReply:
    rendered = RenderedReply()
    for reply in replies:
        rendered.messages.extend(render_message(reply, payloads))
        custom = reply.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("passerelle"), str):
            rendered.directives.append(custom)
    return rendered


def render_message(reply: dict, payloads: ButtonPayloads) -> list[Outgoing]:
    text = reply["text"] if isinstance(reply.get("text"), str) else ""
    buttons = [b for b in reply.get("buttons") or [] if isinstance(b, dict) and b.get("title")]
    messages: list[Outgoing] = []
    if text.strip() or buttons:
        chunks = split_text(text.strip()) or [BUTTONS_ONLY_TEXT]
        keyboard = keyboard_for(buttons, payloads) if buttons else None
        for number, chunk in enumerate(chunks, start=1):
            last = number == len(chunks)
            messages.append(
                Outgoing(
                    html=to_html(chunk),
                    plain=to_plain(chunk),
                    keyboard=keyboard if last else None,
                )
            )
    image = reply.get("image")
    if isinstance(image, str) and image.startswith(("http://", "https://")):
        messages.append(Outgoing(photo=image, plain=image))
    return messages


def keyboard_for(buttons: list[dict], payloads: ButtonPayloads) -> InlineKeyboardMarkup:
    """One button per row, or up to three short ones side by side (thumb-sized on a phone)."""
    keys = [
        InlineKeyboardButton(
            text=str(button["title"])[:64],
            callback_data=payloads.encode(str(button.get("payload") or button["title"])),
        )
        for button in buttons
    ]
    short = all(len(key.text) <= 12 for key in keys)
    width = 3 if short and len(keys) <= 6 else 1
    rows = [keys[start : start + width] for start in range(0, len(keys), width)]
    return InlineKeyboardMarkup(rows)


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = SPLIT_AT) -> list[str]:
    """Cut at a paragraph, else a line, else a sentence, else a space, else anywhere."""
    chunks: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        fits = _longest_prefix(rest, limit)
        cut = _best_cut(rest[:fits])
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _longest_prefix(text: str, limit: int) -> int:
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _best_cut(prefix: str) -> int:
    floor = len(prefix) // 2
    for separator in ("\n\n", "\n", ". ", "! ", "? ", " "):
        at = prefix.rfind(separator)
        if at >= floor:
            return at + len(separator)
    return len(prefix)


def to_html(text: str) -> str:
    protected: list[str] = []

    def protect(markup: str) -> str:
        protected.append(markup)
        return _SLOT.format(len(protected) - 1)

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        return protect(f'<a href="{html.escape(url)}">{html.escape(label, quote=False)}</a>')

    text = _LINK.sub(link, text.replace("\x00", ""))
    text = _URL.sub(lambda match: protect(html.escape(match.group(0), quote=False)), text)
    text = html.escape(text, quote=False)
    text = _BOLD2.sub(r"<b>\1</b>", text)
    text = _BOLD1.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    return _SLOT_BACK.sub(lambda match: protected[int(match.group(1))], text)


def to_plain(text: str) -> str:
    urls: list[str] = []

    def keep_url(match: re.Match[str]) -> str:
        urls.append(match.group(0))
        return _SLOT.format(len(urls) - 1)

    text = _LINK.sub(r"\1 (\2)", text.replace("\x00", ""))
    text = _URL.sub(keep_url, text)
    for pattern in (_BOLD2, _BOLD1, _ITALIC):
        text = pattern.sub(r"\1", text)
    return _SLOT_BACK.sub(lambda match: urls[int(match.group(1))], text)
