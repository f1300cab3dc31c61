"""Every kind of notice, by the name stored on its outbox rows: what the sweep reads back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot.channels.notices import PersonUnreachable, Undelivered, ZaloReconnect
from bot.feedback.notices import (
    AnswerApproval,
    CaseAccepted,
    CaseAnswered,
    CaseAssigned,
    CaseMadeComplex,
    CaseMerged,
    CaseRefused,
    CaseReopened,
    NewCase,
)
from bot.people.notices import AccountLinked, AccountUnlinked
from bot.reminders.notices import BadNotice, Notice
from bot.reports.notices import ReportFailed
from bot.tasks.notices import ExtensionAsked, ExtensionDecided, TaskBlocked

CLASSES: Final[tuple[type[Notice], ...]] = (
    NewCase,
    CaseAssigned,
    CaseReopened,
    AnswerApproval,
    CaseAccepted,
    CaseRefused,
    CaseMerged,
    CaseMadeComplex,
    CaseAnswered,
    TaskBlocked,
    ExtensionAsked,
    ExtensionDecided,
    PersonUnreachable,
    Undelivered,
    ZaloReconnect,
    AccountLinked,
    AccountUnlinked,
    ReportFailed,
)


# A kind with steps (``case``) is registered once per step.
KINDS: Final[Mapping[tuple[object, object], type[Notice]]] = {
    (c.notice, c.step): c for c in CLASSES
}


def read_notice(params: Mapping[str, Any]) -> Notice:
    """The notice stored as ``params``; raise ``BadNotice`` for an unknown kind or bad data."""
    kind, step = params.get("notice"), params.get("step")
    if not isinstance(kind, str) or not isinstance(step, str | None):
        raise BadNotice(str(kind)[:40], "no such kind")
    cls = KINDS.get((kind, None)) or KINDS.get((kind, step))
    if cls is None:
        raise BadNotice(kind, "no such kind")
    return cls.from_params(params)
