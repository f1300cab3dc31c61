"""The buttons of ``/channel`` and ``/unlink``, declared once: built here, parsed by the router."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Final, Self

from bot.payloads import Payload

_CHANNEL: Final = re.compile(r"[a-z][a-z0-9_]{0,15}", re.ASCII)


class ChannelName(str):
    """A channel's name as the bot stores it (``telegram``, ``zalo_oa``)."""

    @classmethod
    def from_text(cls, raw: str) -> Self | None:
        """The name, if it is shaped like one; whether the person has it is checked later."""
        return cls(raw) if _CHANNEL.fullmatch(raw) else None


@dataclass(frozen=True, slots=True)
class ChooseChannel(Payload):
    """Send the person's reminders to this channel first."""

    prefix: ClassVar[str] = "channel:set"
    channel: ChannelName


@dataclass(frozen=True, slots=True)
class UnlinkAccount(Payload):
    """Remove this channel account (one of the presser's own) from their account."""

    prefix: ClassVar[str] = "channel:unlink"
    account: int
