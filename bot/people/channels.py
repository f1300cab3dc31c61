"""Channels as people call them."""

from __future__ import annotations

from typing import Final

from bot.i18n import Translator

_NAMES: Final = {
    "telegram": "Telegram",
    "zalo_oa": "Zalo OA",
    "zalo_bot": "Zalo Bot",
}


def channel_name(channel: str, t: Translator) -> str:
    """A channel as people call it."""
    if channel == "console":
        return t._("this computer's console")
    return _NAMES.get(channel, channel)
