"""Notices: every kind registered once, stored and read back whole; bad rows are dropped."""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

import bot.feedback.notices
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
from bot.i18n import Translator
from bot.people.notices import AccountLinked, AccountUnlinked
from bot.reminders.notice_kinds import CLASSES, read_notice
from bot.reminders.notices import BadNotice, Notice
from bot.reminders.render import Row, render_bundle
from bot.reports.notices import ReportFailed
from bot.tasks.notices import ExtensionAsked, ExtensionDecided, TaskBlocked
from bot.workcal import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
EN = Translator("en", VN)
NOW = datetime(2024, 3, 4, 8, 0, tzinfo=VN)
DAY = date(2024, 3, 20)

SAMPLES: list[Notice] = [
    NewCase(case=1, code="PA-1", kind="reflection"),
    CaseAssigned(case=1, code="PA-1"),
    CaseReopened(case=1, code="PA-1"),
    AnswerApproval(case=1, code="PA-1"),
    CaseAccepted(case=1, code="KN-1", kind="complaint", unit="VP", due=DAY),
    CaseRefused(case=1, code="KN-1", kind="complaint", text="Không thuộc thẩm quyền."),
    CaseMerged(case=1, code="PA-2", kind="reflection", target="PA-1"),
    CaseMadeComplex(case=1, code="KN-1", kind="complaint", due=None),
    CaseAnswered(
        case=1,
        code="KN-1",
        kind="complaint",
        text="Đã xử lý.",
        document=9,
        appeal_days="30",
        appeal_basis="Luật Khiếu nại",
    ),
    TaskBlocked(name="Minh", code="1.2", reason="Mưa"),
    ExtensionAsked(request=4, name="Minh", code="1.2", current=DAY, proposed=DAY, reason="x"),
    ExtensionDecided(code="1.2", approved=False, proposed=DAY, current=DAY),
    PersonUnreachable(name=None),
    Undelivered(name="Lan"),
    ZaloReconnect(),
    AccountLinked(channels="zalo_oa"),
    AccountUnlinked(channel="telegram"),
    ReportFailed(period="Q3/2024", closing=True),
]


def _concrete(cls: type[Notice]) -> set[type[Notice]]:
    """The public notice classes below ``cls`` (a slotted dataclass leaves its first draft
    behind as a subclass too: only the class its module names counts)."""
    found = set()
    for sub in cls.__subclasses__():
        module = sys.modules[sub.__module__]
        if not sub.__name__.startswith("_") and getattr(module, sub.__name__, None) is sub:
            found.add(sub)
        found |= _concrete(sub)
    return found


def test_every_notice_class_is_registered_and_sampled() -> None:
    assert set(CLASSES) >= _concrete(Notice) - {bot.feedback.notices.CitizenNotice}
    assert {type(n) for n in SAMPLES} == set(CLASSES)
    assert len({(c.notice, c.step) for c in CLASSES}) == len(CLASSES)


@pytest.mark.parametrize("notice", SAMPLES, ids=lambda n: type(n).__name__)
def test_a_notice_reads_back_from_what_its_row_stores(notice: Notice) -> None:
    params = notice.params()
    assert read_notice(params) == notice
    assert notice.render(EN)


def test_a_row_stored_before_the_classes_still_reads() -> None:
    old = {
        "notice": "case",
        "case": 3,
        "code": "KN-3",
        "kind": "complaint",
        "step": "assigned",
        "unit": "VP",
        "due": None,
    }
    assert read_notice(old) == CaseAccepted(case=3, code="KN-3", kind="complaint", unit="VP")


@pytest.mark.parametrize(
    "params",
    [
        {"notice": "no_such_kind", "code": "X"},
        {"code": "X"},
        {"notice": "case", "step": "teleported", "code": "X"},
        {"notice": "blocked", "name": "Minh", "code": "1"},
        {"notice": "blocked", "name": "Minh", "code": 1, "reason": "x"},
        {"notice": "extension_decided", "code": "1", "approved": 1, "proposed": "2024-03-01"},
        {"notice": "extension", "name": "M", "code": "1", "current": "soon", "proposed": "x"},
        {"notice": "new_case", "case": True, "code": "PA-1"},
        {"notice": "new_case", "case": "1", "code": "PA-1"},
    ],
)
def test_params_that_do_not_fit_their_kind_are_refused(params: dict[str, object]) -> None:
    with pytest.raises(BadNotice):
        read_notice(params)


def test_the_sweep_cancels_a_row_it_cannot_read_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = [
        Row(1, "notice", {"notice": "retired_kind", "name": "Minh"}, NOW),
        Row(2, "notice", {"notice": "blocked", "name": "Minh", "code": 7}, NOW),
        Row(3, "notice", TaskBlocked(name="Minh", code="1.2", reason="Mưa").params(), NOW),
    ]
    with caplog.at_level(logging.WARNING, logger="bot.reminders.render"):
        out = render_bundle(rows, {}, {}, 0, EN, NOW, NOW.date(), WorkCalendar())
    assert (out.covered, out.stale) == ([3], [1, 2])
    assert out.reply is not None
    assert out.reply.text == "⛔ Minh reports that task [1.2] is blocked: Mưa"
    cancelled = [r.getMessage() for r in caplog.records]
    assert [m.split(":")[0] for m in cancelled] == [
        "cancelling outbox row 1",
        "cancelling outbox row 2",
    ]
    # What is logged names the problem, never the person the notice is about.
    assert not any("Minh" in m for m in cancelled)
