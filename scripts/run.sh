#!/usr/bin/env bash
# Install what the bot needs and start it. With no TELEGRAM_BOT_TOKEN it opens the console
# chat on the embedded SQLite database (./data/bot.sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m bot run "$@"
