"""`make run`: start every process of the Procfile with honcho (one Ctrl-C stops all).

The Telegram bot only starts when TELEGRAM_BOT_TOKEN is set; without it everything else runs
and this says how to turn it on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from passerelle_settings import environment  # noqa: E402 (needs the path above)


def main() -> int:
    model = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "model.py"), "path"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    env = {**os.environ, "RASA_MODEL": model, "PYTHONUNBUFFERED": "1"}
    processes = ["rasa", "actions", "admin"]
    dashboard = environment().dashboard_url
    print("\nPasserelle is starting (Rasa takes ~20 s to load its model):")
    print(f"  dashboard + 'try the bot':  {dashboard}  (create a login: "
          ".venv/bin/python -m admin create-user --email you@example.org --role admin)")
    print("  terminal chat:              make chat   (in a second terminal; LANG=fr for French)")
    print("  Rasa HTTP API:              http://127.0.0.1:5005   action server: :5055")
    if environment().telegram_bot_token:
        processes.append("bot")
        print("  Telegram bot:               on")
    else:
        print("  Telegram bot:               OFF — no TELEGRAM_BOT_TOKEN. Create a bot with "
              "@BotFather, put TELEGRAM_BOT_TOKEN=... in .env and run `make run` again "
              "(docs/telegram.md).")
    print("Stop everything with Ctrl-C.\n", flush=True)
    honcho = ROOT / ".venv" / "bin" / "honcho"
    os.chdir(ROOT)
    os.execve(str(honcho), [str(honcho), "start", "-f", "Procfile", *processes], env)  # noqa: S606


if __name__ == "__main__":
    sys.exit(main())
