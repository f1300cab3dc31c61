"""Messages to other people that an action sets off, sent through the outbox.

A notice is a small frozen dataclass next to the operation that emits it: it carries its
data, renders its text and its buttons, and knows when the case it asks about has moved on.
It is stored on the outbox row as ``{"notice": <kind>, **params}`` and read back, at send
time, by the class registered for that kind (``bot.reminders.notice_kinds``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Self
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BotError
from bot.i18n import Translator
from bot.messages import Button
from bot.reminders.ladder import next_window
from bot.reminders.policy import ReminderPolicy, policy_from
from bot.workcal import WorkCalendar
from db.queries import orgs, outbox, reminders
from db.queries.reminders import CaseSubject


class BadNotice(BotError):
    """A stored notice names no known kind or carries params its kind cannot read."""

    def __init__(self, kind: object, problem: str) -> None:
        super().__init__(f"notice {kind!r}: {problem}")
        self.kind = kind
        self.problem = problem


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """A notice's data; ``notice`` (and ``step``, for kinds with steps) name its class.

    Fields are ``int``, ``str``, ``bool`` or ``date`` (stored as ISO text), optionally
    ``None``; a field with a default may be missing from an older stored row.
    """

    notice: ClassVar[str]
    step: ClassVar[str | None] = None

    def params(self) -> dict[str, Any]:
        """What the outbox row stores, kind included."""
        out: dict[str, Any] = {"notice": self.notice}
        if self.step is not None:
            out["step"] = self.step
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None:
                out[field.name] = value.isoformat() if isinstance(value, date) else value
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Self:
        """The notice stored as ``params``; raise ``BadNotice`` if they do not fit."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name not in params:
                if field.default is dataclasses.MISSING:
                    raise BadNotice(cls.notice, f"{field.name} is missing")
                continue
            values[field.name] = _read(cls.notice, field.name, hints[field.name], params)
        return cls(**values)

    def render(self, t: Translator) -> str:
        """The text the person reads."""
        raise NotImplementedError

    def buttons(self, t: Translator) -> list[list[Button]]:
        """Rows of buttons to act on the notice (none by default)."""
        return []

    @property
    def label(self) -> str:
        """What names the notice's item among several in one message."""
        return ""

    @property
    def case_id(self) -> int | None:
        """The case the notice asks about, checked again at send time."""
        return None

    def moved_on(self, case: CaseSubject) -> bool:
        """Whether ``case`` has since left the step this notice asks about."""
        return False


def _read(kind: str, name: str, hint: Any, params: Mapping[str, Any]) -> object:
    value = params[name]
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return None
    for want in allowed:
        if want is bool and isinstance(value, bool):
            return value
        if want in (int, str) and isinstance(value, want) and not isinstance(value, bool):
            return value
        if want is date and isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                continue
    raise BadNotice(kind, f"{name} is not {hint}")


async def notify(
    session: AsyncSession,
    *,
    people: Iterable[int],
    org_id: int | None,
    notice: Notice,
    key: str,
    now: datetime,
    tz: ZoneInfo,
    calendar: WorkCalendar,
    task_id: int | None = None,
) -> int:
    """Queue a notice for each person, inside the organization's working hours.

    Digest readers get it the next working morning instead.
    """
    policy = (
        ReminderPolicy() if org_id is None else policy_from(await orgs.org_policy(session, org_id))
    )
    contacts = await reminders.contacts_of(session, set(people))
    local = now.astimezone(tz)
    soon = next_window(local, calendar, policy)
    morning = next_window(local.replace(hour=0, minute=0) + timedelta(days=1), calendar, policy)
    params = notice.params()
    queued = 0
    for person, contact in contacts.items():
        added = await outbox.enqueue(
            session,
            outbox.Wanted(
                key=f"n:{key}:{person}",
                person_id=person,
                channel=contact.channel,
                chat_id=contact.chat_id,
                kind="notice",
                due_at=morning if contact.digest else soon,
                params=params,
                org_id=org_id,
                task_id=task_id,
            ),
        )
        queued += added
    return queued
