"""Why linking channels or choosing one was refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.i18n import Translator


class LinkError(BotError):
    """Two channel accounts could not be linked; nothing was changed."""


class LinkCodeWrong(LinkError):
    """No live code matches what was sent (or it was not a code at all)."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "This link code is not valid. Check it, or send /link on your other channel "
            "for a new one."
        )


class LinkCodeMalformed(LinkError):
    """What was sent does not even look like a link code (not counted as a guess)."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "A link code has 8 letters and digits, like ABCD-EFGH. Send it again (or /cancel)."
        )


class LinkCodeExpired(LinkError):
    """The code's ten minutes are over."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This link code has expired. Send /link on your other channel for a new one.")


class LinkCodeUsed(LinkError):
    """The code was already used (each code links once)."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "This link code has already been used. Send /link on your other channel for a new one."
        )


class LinkToSelf(LinkError):
    """The code belongs to the person who sent it (the same account, or one linked already)."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "This code is already yours: the account that asked for it and this one are "
            "already linked. Send it from a channel that is not linked yet."
        )


class LinkTooManyAttempts(LinkError):
    """Too many wrong codes from one person in a short time."""

    def __init__(self, retry_minutes: int) -> None:
        super().__init__(retry_minutes)
        self.retry_minutes = retry_minutes

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t.ngettext(
            "Too many wrong link codes. Try again in {n} minute.",
            "Too many wrong link codes. Try again in {n} minutes.",
            self.retry_minutes,
        )


class LinkStaffConflict(LinkError):
    """Both accounts hold staff roles, in different organizations."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "Both accounts hold staff roles in different organizations, so they cannot be "
            "linked here. Ask an administrator."
        )


class LinkForgotten(LinkError):
    """One of the two asked for their data to be erased."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("One of these accounts asked for its data to be erased, so it cannot be linked.")


class NoSuchChannel(BotError):
    """The person has no account on the chosen channel."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("You have no account on that channel. Nothing was changed.")


class LastChannel(BotError):
    """The account to remove is the person's only one."""

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._("This is your only channel, so it cannot be removed. Nothing was changed.")
