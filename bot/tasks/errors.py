"""Why a step on a task, a due date or a request for more time is refused."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.errors import AlreadyDone, BotError, NotAllowed

if TYPE_CHECKING:
    from bot.i18n import Translator


class Settled(AlreadyDone):
    """The due date was already done (or cancelled) when the step began."""

    def __init__(self, code: str, due: date, by: str | None) -> None:
        super().__init__(by)
        self.code = code
        self.due = due

    def message(self, t: Translator) -> str:
        """Say the due date needs nothing more."""
        return t._(
            "Task [{code}] is already settled for {date}.", code=self.code, date=t.date(self.due)
        )


class Decided(AlreadyDone):
    """The request for more time was already decided when the step began."""

    def message(self, t: Translator) -> str:
        """Say a decision stands."""
        return t._("This request was already decided.")


class Moot(BotError):
    """The request is about a due date that is already settled."""

    def __init__(self, code: str, due: date) -> None:
        super().__init__(code, due)
        self.code = code
        self.due = due

    def message(self, t: Translator) -> str:
        """Say there is nothing left to decide."""
        return t._(
            "Task [{code}] is already settled for {date}, so the request is moot. "
            "Nothing was changed.",
            code=self.code,
            date=t.date(self.due),
        )


class OwnRequest(NotAllowed):
    """Nobody decides their own request for more time."""

    def message(self, t: Translator) -> str:
        """Say someone else decides."""
        return t._("Another leader decides your own request. Nothing was changed.")


class NotAfterDue(BotError):
    """A proposed date is not after the current due date."""

    def __init__(self, due: date) -> None:
        super().__init__(due)
        self.due = due

    def message(self, t: Translator) -> str:
        """Say which date it must follow."""
        return t._("The new date must be after {date}.", date=t.date(self.due))


class TooFar(BotError):
    """A proposed date is more than a year after the current due date."""

    def message(self, t: Translator) -> str:
        """Ask for a nearer date."""
        return t._("That is more than a year away; please propose a nearer date.")


class InTheFuture(BotError):
    """An event is said to have happened on a day still to come."""

    def message(self, t: Translator) -> str:
        """Ask for the day it happened."""
        return t._("That date is in the future; send the date it happened.")


class BeforeStart(BotError):
    """A day of completion before the due date's plan or the due date itself began."""

    def __init__(self, start: date) -> None:
        super().__init__(start)
        self.start = start

    def message(self, t: Translator) -> str:
        """Explain the error."""
        return t._(
            "That date is before {date}, when this task began; send the day it was done. "
            "Nothing was changed.",
            date=t.date(self.start),
        )


class NoSuchTask(BotError):
    """The id names no task of the organization."""

    def __init__(self, shown: str) -> None:
        super().__init__(shown)
        self.shown = shown

    def message(self, t: Translator) -> str:
        """Say there is no such task."""
        return t._("There is no task #{id}.", id=self.shown)


class AlreadyDue(BotError):
    """The task already has a live due date on that day."""

    def __init__(self, task_id: int, day: date) -> None:
        super().__init__(task_id, day)
        self.task_id = task_id
        self.day = day

    def message(self, t: Translator) -> str:
        """Say the date is already set."""
        return t._("Task #{id} is already due on {date}.", id=self.task_id, date=t.date(self.day))
