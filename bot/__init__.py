"""The Telegram front end of Passerelle: Telegram updates → Rasa REST channel → Telegram.

`python -m bot` runs it (long polling, or webhook mode when TELEGRAM_WEBHOOK_URL is set);
`python -m bot.terminal_chat` is the same conversation in a terminal. `bot.rasa_client`
is shared with the dashboard's "try the bot" page.
"""
