"""The Zalo Bot Platform channel, for staff: a Telegram-like bot API with a static token.

Every detail of the platform the code relies on, none of them tried on the real service yet,
lives in ``bot.channels.zalo_bot.platform``; the README lists them.
"""

from __future__ import annotations

from typing import Final

CHANNEL: Final = "zalo_bot"
