""" "Try the bot": staff chat with the same Rasa stack in a chosen language, without Telegram.

Starting a chat makes a new conversation (`try-<random>`), makes the language explicit with
the same payload as the bot's language buttons, then greets, so the answers come in that
language whatever the staff member types. The page keeps the conversation id and sends it
with every message (only `try-` conversations can be reached from here).
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from admin.web import render
from bot.commands import language_payload
from bot.inbound import clean_text
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rendering import to_plain
from leads.trackers import erase_tracker
from passerelle_settings import LANGUAGES

router = APIRouter(include_in_schema=False)

GREETING = "/greet"
MAX_CHARS = 1500
UNAVAILABLE = (
    "The bot is not answering right now (Rasa or the action server is down or still "
    "starting). Try again in a minute."
)


class StartChat(BaseModel):
    language: Literal["nl", "fr", "en"]


class ChatMessage(BaseModel):
    sender: str = Field(..., pattern=r"^try-[0-9a-f]{12}$")
    language: Literal["nl", "fr", "en"]
    text: str = Field(..., min_length=1, max_length=MAX_CHARS)
    button: bool = Field(False, description="a pressed button: `text` is its payload")


@router.get("/try", response_class=HTMLResponse)
def try_page(request: Request) -> Response:
    return render(request, "try.html", {"languages": LANGUAGES, "language": "nl"})


@router.post("/try/start")
async def start_chat(request: Request, body: StartChat) -> Response:
    sender = f"try-{secrets.token_hex(6)}"
    # The language choice answers "OK, in French then": only the greeting after it is shown.
    for text in (language_payload(body.language), GREETING):
        replies = await _send(request, sender, text, body.language)
        if replies is None:
            return _unavailable()
    return JSONResponse({"sender": sender, "messages": replies})


@router.post("/try/message")
async def send_message(request: Request, body: ChatMessage) -> Response:
    # Typed text never passes for an intent payload (as on Telegram); a button's payload does.
    text = body.text.strip() if body.button else clean_text(body.text)
    if not text:
        return JSONResponse({"sender": body.sender, "messages": []})
    replies = await _send(request, body.sender, text, body.language)
    if replies is None:
        return _unavailable()
    return JSONResponse({"sender": body.sender, "messages": replies})


async def _send(request: Request, sender: str, text: str, language: str) -> list[dict] | None:
    client: RasaClient = request.app.state.rasa_client
    metadata = {"language_code": language, "channel": "try"}
    try:
        replies = await client.send(sender, text, metadata)
    except RasaUnavailable:
        return None
    if any(_asks_to_erase(reply) for reply in replies):  # /forget, as the Telegram bot does
        await run_in_threadpool(erase_tracker, sender)
    return [shown for reply in replies if (shown := _shown(reply))]


def _asks_to_erase(reply: dict[str, Any]) -> bool:
    custom = reply.get("custom")
    return isinstance(custom, dict) and custom.get("passerelle") == "erase_tracker"


def _shown(reply: dict[str, Any]) -> dict[str, Any] | None:
    """What the chat page shows of one Rasa message: plain text and buttons (no HTML)."""
    text = to_plain(str(reply.get("text") or "")) if reply.get("text") else ""
    buttons = [
        {"title": str(b.get("title"))[:64], "payload": str(b.get("payload") or b.get("title"))}
        for b in reply.get("buttons") or []
        if isinstance(b, dict) and b.get("title")
    ]
    image = reply.get("image") if isinstance(reply.get("image"), str) else None
    if not (text or buttons or image):
        return None
    return {"text": text, "buttons": buttons, "image": image}


def _unavailable() -> Response:
    return JSONResponse({"error": UNAVAILABLE}, status_code=503)
