"""`make chat`: talk to the bot in this terminal, through Rasa, as a Telegram chat would.

    python -m bot.terminal_chat [--lang fr] [--campaign CODE] [--url http://127.0.0.1:5005]

--lang plays the Telegram app's language (a prior, like Telegram's language_code); buttons
are shown as a numbered list: type the number to press one. /quit (or Ctrl-D) ends.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from collections.abc import Callable
from typing import Any

from bot.commands import COMMAND_PAYLOADS, campaign_from_start, language_payload
from bot.inbound import clean_text
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.relay import erase_tracker_in_leads
from bot.rendering import to_plain
from bot.settings import Settings
from bot.texts import LANGUAGE_NAMES, LANGUAGE_PROMPT
from passerelle_settings import LANGUAGES, load_env_files
from passerelle_settings.environment import ENV_FILE

QUIT = {"/quit", "/exit", "/q"}

Output = Callable[[str], None]
Ask = Callable[[str], str]


class TerminalChat:
    def __init__(
        self,
        client: RasaClient,
        language: str | None,
        campaign: str | None,
        output: Output = print,
        erase: Callable[[str], int] | None = None,
    ) -> None:
        self.client, self.output = client, output
        self.sender_id = f"cli-{secrets.token_hex(4)}"
        self.language, self.campaign = language, campaign
        self.erase = erase or erase_tracker_in_leads
        self.buttons: list[tuple[str, str]] = []
        self._message_id = 0

    def metadata(self, first: bool = False) -> dict[str, Any]:
        self._message_id += 1
        metadata: dict[str, Any] = {"channel": "cli", "message_id": self._message_id}
        if self.language:
            metadata["language_code"] = self.language
        if first and self.campaign:
            metadata["campaign"] = self.campaign
        return metadata

    def to_rasa(self, line: str) -> str | None:
        """What a typed line means: a button number, a command, or text (None: nothing)."""
        line = line.strip()
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            return self.buttons[int(line) - 1][1]
        if line.startswith("/"):
            command = line[1:].split()[0].lower() if line[1:].split() else ""
            if command == "language":
                self.show_buttons(
                    [(LANGUAGE_NAMES[c], language_payload(c)) for c in LANGUAGES], LANGUAGE_PROMPT
                )
                return None
            return COMMAND_PAYLOADS.get(command, COMMAND_PAYLOADS["help"])
        return clean_text(line) or None

    async def say(self, text: str, first: bool = False) -> bool:
        try:
            replies = await self.client.send(self.sender_id, text, self.metadata(first))
        except RasaUnavailable as error:
            self.output(unreachable_message(self.client.urls, error))
            return False
        self.show(replies)
        return True

    def show(self, replies: list[dict]) -> None:
        self.buttons = []
        for reply in replies:
            if reply.get("text") or reply.get("buttons"):
                buttons = [
                    (str(b.get("title")), str(b.get("payload") or b.get("title")))
                    for b in reply.get("buttons") or []
                    if isinstance(b, dict)
                ]
                self.show_buttons(buttons, to_plain(str(reply.get("text") or "")))
            if reply.get("image"):
                self.output(f"bot> [image: {reply['image']}]")
            custom = reply.get("custom")
            if isinstance(custom, dict):
                self.carry_out(custom)
        if not replies:
            self.output("bot> (no answer)")

    def show_buttons(self, buttons: list[tuple[str, str]], text: str) -> None:
        if text:
            self.output("bot> " + text.replace("\n", "\n     "))
        start = len(self.buttons)
        for number, (title, _) in enumerate(buttons, start=start + 1):
            self.output(f"     [{number}] {title}")
        self.buttons.extend(buttons)

    def carry_out(self, custom: dict) -> None:
        kind = custom.get("passerelle")
        if kind == "erase_tracker":
            try:
                self.erase(self.sender_id)
                self.output("     (conversation erased)")
            except Exception as error:  # leads/ unavailable here: say so, keep chatting
                self.output(f"     (could not erase the conversation: {error})")
        elif kind == "notify_staff":
            self.output(
                f"     (the staff chat would hear about lead {custom.get('lead_id')}, "
                f"{custom.get('kind')})"
            )
        elif kind == "send_document":
            self.output(f"     (on Telegram, the file {custom.get('filename')} comes here)")


def unreachable_message(urls: list[str], error: object = "") -> str:
    return (
        f"Rasa is not reachable at {', '.join(urls)} ({error}).\n"
        "Start the bot's engine first with `make run` (in another terminal; Rasa needs "
        "about 20 s to load its model), then try again."
    )


async def run_chat(args: argparse.Namespace, ask: Ask = input, output: Output = print) -> int:
    urls = args.url or Settings.from_env().rasa_urls
    async with RasaClient(urls, timeout=30) as client:
        if not await client.is_available():
            output(unreachable_message(client.urls, "no answer"))
            return 1
        campaign = campaign_from_start([args.campaign]) if args.campaign else None
        chat = TerminalChat(client, args.lang, campaign, output)
        output(
            f"Chatting as {chat.sender_id}"
            f"{' (Telegram language ' + args.lang + ')' if args.lang else ''}. "
            "Type a number to press a button, /language, /quit to stop."
        )
        await chat.say(COMMAND_PAYLOADS["start"], first=True)
        while True:
            try:
                line = await asyncio.to_thread(ask, "you> ")
            except (EOFError, KeyboardInterrupt):
                output("")
                return 0
            if line.strip().lower() in QUIT:
                return 0
            text = chat.to_rasa(line)
            if text is not None:
                await chat.say(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Chat with the Passerelle bot in a terminal.")
    parser.add_argument("--lang", help="the Telegram app's language code (nl, fr, en, ...)")
    parser.add_argument("--campaign", help="a deep-link campaign code, as in /start CODE")
    parser.add_argument("--url", help="Rasa URL (default: RASA_URL or http://127.0.0.1:5005)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    load_env_files(ENV_FILE)
    logging.basicConfig(level=logging.ERROR)
    return asyncio.run(run_chat(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
