"""Invite codes: how they look, how they are hashed, and why a redemption fails."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator

# No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 16
MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=10)


def new_code() -> str:
    """Return a fresh random code (about 79 bits), safe in a ``t.me`` deep link."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    """Fold case and drop the spaces and dashes people type inside codes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """The stored form of a code."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    """A link that opens the bot and redeems ``code``."""
    return f"https://t.me/{bot_username}?start={code}"


class InviteError(BotError):
    """An invite code could not be redeemed."""


class InviteNotFound(InviteError):
    """No invite has this code."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This invite code is not valid. Check it and try again.")


class InviteExpired(InviteError):
    """The invite's time ran out."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This invite code has expired. Ask the office for a new one.")


class InviteUsed(InviteError):
    """Someone already redeemed the invite."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This invite code has already been used. Ask the office for a new one.")


class TooManyAttempts(InviteError):
    """Too many wrong codes from one person in a short time."""

    def __init__(self, retry_minutes: int) -> None:
        super().__init__(retry_minutes)
        self.retry_minutes = retry_minutes

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t.ngettext(
            "Too many wrong codes. Try again in {n} minute.",
            "Too many wrong codes. Try again in {n} minutes.",
            self.retry_minutes,
        )
