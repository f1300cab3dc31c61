"""What every channel offers the outbox: send one reply to one chat, or say why not."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.errors import BotError
from bot.messages import Reply


class DeliveryError(BotError):
    """A message could not be delivered."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unreachable(DeliveryError):
    """The person cannot be reached on this channel (blocked the bot, chat gone).

    ``code`` is a short reason admins read in the unreachable list ("zalo-230",
    "telegram-blocked"): never the channel's full message, which may quote the person.
    """

    def __init__(self, detail: str, code: str = "unreachable") -> None:
        super().__init__(detail)
        self.code = code


class TemporaryFailure(DeliveryError):
    """The channel failed for now (network, server error, flood); try again later."""


class Deferred(TemporaryFailure):
    """The channel may not carry the message before ``until`` (a quiet time); not a failure."""

    def __init__(self, detail: str, until: datetime) -> None:
        super().__init__(detail)
        self.until = until


class Sender(Protocol):
    """Delivers replies on one channel, within the channel's limits."""

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver ``reply``; raise ``Unreachable`` or ``TemporaryFailure`` on failure."""
        ...
