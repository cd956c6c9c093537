"""`python -m bot`: run the Telegram bot (long polling, or webhook mode behind a proxy)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from bot.app import ALLOWED_UPDATES, PasserelleBot, running
from bot.settings import Settings
from leads.log_privacy import quiet_libraries
from passerelle_settings import environment, load_env_files
from passerelle_settings.environment import ENV_FILE

OFF_MESSAGE = """The Telegram bot is off: TELEGRAM_BOT_TOKEN is not set.
To turn it on: create a bot with @BotFather in Telegram (/newbot), put the token it gives
you in .env as TELEGRAM_BOT_TOKEN=123456:ABC..., and start again. See docs/telegram.md.
Everything else (Rasa, actions, dashboard, `make chat`) runs without it."""


def main() -> int:
    load_env_files(ENV_FILE)
    logging.basicConfig(
        level=environment().bot_log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # python-telegram-bot's DEBUG lines carry every update; httpx's INFO the bot token.
    quiet_libraries()
    settings = Settings.from_env()
    if not settings.telegram_token:
        print(OFF_MESSAGE, file=sys.stderr)
        return 2
    if settings.webhook_url:
        logging.getLogger(__name__).info(
            "webhook mode: listening on %s:%d/%s for %s",
            settings.webhook_listen,
            settings.webhook_port,
            settings.webhook_path,
            settings.webhook_url,
        )
        asyncio.run(serve_webhook(settings))
    else:
        application = PasserelleBot(settings).application
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    return 0


async def serve_webhook(settings: Settings) -> None:
    """Webhook mode until SIGINT or SIGTERM (our own receiver: see bot/webhook.py)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running(settings):
        await stop.wait()


if __name__ == "__main__":
    sys.exit(main())
