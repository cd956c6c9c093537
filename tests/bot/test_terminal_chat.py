"""`make chat`: the terminal chat against a fake Rasa (and without one)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.rasa_client import RasaClient
from bot.terminal_chat import TerminalChat, parse_args, run_chat
from tests.bot.conftest import FakeRasa, free_port

pytestmark = pytest.mark.timeout(30)
ROOT = Path(__file__).resolve().parents[2]


def scripted(lines: list[str]):
    pending = list(lines)

    def ask(prompt: str) -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    return ask


async def test_chat_greets_shows_numbered_buttons_and_presses_them(fake_rasa: FakeRasa) -> None:
    def reply(sender: str, text: str, metadata: dict) -> list[dict]:
        if text == "/greet":
            return [
                {
                    "text": "**Hoi!** Waarmee kan ik helpen?",
                    "buttons": [
                        {"title": "Wat kost het?", "payload": '/choose_topic{"topic":"faq/cost"}'},
                        {"title": "Start de check", "payload": "/start_check"},
                    ],
                }
            ]
        return [{"text": f"je zei {text}"}, {"image": "https://example.org/x.png"}]

    fake_rasa.reply = reply
    printed: list[str] = []
    code = await run_chat(
        parse_args(["--lang", "fr", "--campaign", "gent-lan-7f3k", "--url", fake_rasa.url]),
        ask=scripted(["2", "hoeveel uur per dag?", "/privacy", "/quit"]),
        output=printed.append,
    )
    assert code == 0
    output = "\n".join(printed)
    assert "bot> Hoi! Waarmee kan ik helpen?" in output
    assert "[1] Wat kost het?" in output and "[2] Start de check" in output
    assert "[image: https://example.org/x.png]" in output
    texts = [r.text for r in fake_rasa.received]
    assert texts == ["/greet", "/start_check", "hoeveel uur per dag?", "/privacy"]
    first = fake_rasa.received[0].metadata
    assert first["channel"] == "cli" and first["language_code"] == "fr"
    assert first["campaign"] == "gent-lan-7f3k"
    assert "campaign" not in fake_rasa.received[1].metadata
    assert all(r.sender.startswith("cli-") for r in fake_rasa.received)
    assert len({r.sender for r in fake_rasa.received}) == 1


async def test_language_command_lists_three_languages(fake_rasa: FakeRasa) -> None:
    printed: list[str] = []
    await run_chat(
        parse_args(["--url", fake_rasa.url]),
        ask=scripted(["/language", "3"]),
        output=printed.append,
    )
    assert "[3] English" in "\n".join(printed)
    assert fake_rasa.received[-1].text == '/change_language{"language":"en"}'


async def test_forget_erases_the_conversation(fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = lambda s, t, m: [
        {"text": "Gewist."},
        {"custom": {"passerelle": "erase_tracker"}},
    ]
    printed: list[str] = []
    erased: list[str] = []
    async with RasaClient(fake_rasa.url) as client:
        chat = TerminalChat(
            client, "nl", None, printed.append, erase=lambda sender: erased.append(sender) or 1
        )
        text = chat.to_rasa("/forget")
        assert text == "/forget_me"
        await chat.say(text)
    assert erased == [chat.sender_id]
    assert printed == ["bot> Gewist.", "     (conversation erased)"]


async def test_without_rasa_it_says_how_to_start_it() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.terminal_chat",
        "--url",
        url,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 1
    assert "Rasa is not reachable" in stdout.decode() and "make run" in stdout.decode()
