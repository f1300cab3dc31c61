"""Rendering: one message per person, bundling what is due, dropping what is settled."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.reminders.render import AWAY_AFTER, Rendered, Row, action_buttons, render_bundle
from bot.workcal import WorkCalendar
from db.models import CaseStatus
from db.queries.reminders import CaseSubject, Subject

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
EN = Translator("en", VN)
TODAY = date(2024, 3, 5)  # a Tuesday
NOW = datetime(2024, 3, 5, 8, 5, tzinfo=VN)
EIGHT = datetime(2024, 3, 5, 8, 0, tzinfo=VN)


def occ(occ_id: int, due: date, *, pending: bool = True, active: bool = True) -> Subject:
    return Subject(
        task_id=occ_id * 10,
        code=f"{occ_id}.1",
        text=f"Task number {occ_id}",
        phrase="by the deadline",
        active=active,
        kind="once",
        occurrence_id=occ_id,
        due=due,
        pending=pending,
    )


def task(task_id: int, kind: str, *, active: bool = True) -> Subject:
    return Subject(task_id, f"{task_id}.9", f"Ongoing {task_id}", "all year", active, kind)


def reminder(
    row_id: int, occurrence: int, step: str, audience: str = "lead", due_at: datetime = EIGHT
) -> Row:
    return Row(
        row_id, "reminder", {"occurrence": occurrence, "step": step, "audience": audience}, due_at
    )


def render(
    rows: list[Row],
    occurrences: dict[int, Subject],
    tasks: dict[int, Subject] | None = None,
    *,
    undated: int = 0,
    now: datetime = NOW,
) -> Rendered:
    return render_bundle(rows, occurrences, tasks or {}, undated, EN, now, now.date(), CAL)


def test_a_single_reminder_reads_how_many_working_days_are_left() -> None:
    due = CAL.add_working_days(TODAY, 3)
    out = render([reminder(1, 7, "before3")], {7: occ(7, due)})
    assert out.reply is not None
    assert out.reply.text == (
        f"⏰ [7.1] Task number 7\n   due {EN.date(due)} (by the deadline), in 3 working days"
    )
    assert out.covered == [1]
    assert out.stale == []
    assert out.reply.buttons == action_buttons(EN, 70, 7, "once")
    assert [b.data for b in out.reply.buttons[0]] == [
        "occ:done:7",
        "occ:progress:7",
        "occ:blocked:7",
    ]


def test_partners_are_asked_to_help_and_one_day_is_singular() -> None:
    due = CAL.add_working_days(TODAY, 1)
    out = render([reminder(1, 7, "before1", "partner")], {7: occ(7, due)})
    assert out.reply is not None
    assert out.reply.text.startswith("🤝 [7.1]")
    assert out.reply.text.endswith("in 1 working day")


def test_due_today_and_overdue_lines() -> None:
    out = render([reminder(1, 7, "due")], {7: occ(7, TODAY)})
    assert out.reply is not None
    assert out.reply.text == "📌 [7.1] Task number 7\n   due today (by the deadline)"
    late = TODAY - timedelta(days=5)
    out = render([reminder(2, 8, "reraise1")], {8: occ(8, late)})
    assert out.reply is not None
    assert out.reply.text.endswith(f"overdue since {EN.date(late)}: 5 days late")
    out = render([reminder(3, 8, "overdue", "leaders")], {8: occ(8, TODAY - timedelta(days=1))})
    assert out.reply is not None
    assert out.reply.text.endswith("1 day late")


def test_everything_due_for_a_person_is_bundled_into_one_message() -> None:
    soon = CAL.add_working_days(TODAY, 1)
    rows = [
        reminder(1, 7, "before1"),
        reminder(2, 8, "overdue"),
        Row(3, "checkin", {"task": 90, "label": "m2024-03"}, EIGHT),
        Row(4, "undated", {"org": 1}, EIGHT),
    ]
    out = render(
        rows,
        {7: occ(7, soon), 8: occ(8, TODAY - timedelta(days=1))},
        {90: task(90, "ongoing")},
        undated=3,
    )
    assert out.reply is not None
    text = out.reply.text
    assert text.startswith("You have 4 reminders:\n")
    assert "While you were away" not in text
    for part in (
        "[7.1]",
        "[8.1]",
        "[90.9]",
        "ongoing: please send a short progress note",
        "3 tasks have no date yet",
    ):
        assert part in text
    assert out.covered == [1, 2, 3, 4]
    assert [[b.data for b in row] for row in out.reply.buttons] == [
        ["task:open:70"],
        ["task:open:80"],
        ["task:open:90"],
    ]


def test_two_rows_about_one_occurrence_make_one_line() -> None:
    earlier = EIGHT - timedelta(days=1)
    out = render(
        [reminder(1, 7, "before1", due_at=earlier), reminder(2, 7, "due")], {7: occ(7, TODAY)}
    )
    assert out.reply is not None
    assert out.reply.text.count("[7.1]") == 1
    assert "You have" not in out.reply.text
    assert out.covered == [1, 2]


def test_rows_late_by_more_than_a_while_say_while_you_were_away() -> None:
    due = CAL.add_working_days(TODAY, 3)
    rows = [reminder(1, 7, "before3")]
    fresh = render(rows, {7: occ(7, due)}, now=EIGHT + AWAY_AFTER)
    late = render(rows, {7: occ(7, due)}, now=EIGHT + AWAY_AFTER + timedelta(minutes=1))
    assert fresh.reply is not None
    assert late.reply is not None
    assert not fresh.reply.text.startswith("While you were away:")
    assert late.reply.text.startswith("While you were away:\n⏰ [7.1]")


def test_rows_about_settled_things_are_stale() -> None:
    due = CAL.add_working_days(TODAY, 3)
    rows = [
        reminder(1, 7, "before3"),  # done
        reminder(2, 8, "before3"),  # task removed
        reminder(3, 9, "before3"),  # occurrence gone
        reminder(4, 6, "before7"),  # the due date has passed: a before-step is moot
        Row(5, "checkin", {"task": 90}, EIGHT),  # task removed
        Row(6, "undated", {"org": 1}, EIGHT),  # nothing undated any more
        reminder(7, 5, "before3"),  # still pending: the only line
    ]
    out = render(
        rows,
        {
            7: occ(7, due, pending=False),
            8: occ(8, due, active=False),
            6: occ(6, TODAY - timedelta(days=1)),
            5: occ(5, due),
        },
        {90: task(90, "ongoing", active=False)},
        undated=0,
    )
    assert out.stale == [1, 2, 3, 4, 5, 6]
    assert out.covered == [7]
    assert out.reply is not None
    assert "[5.1]" in out.reply.text
    assert "You have" not in out.reply.text


def test_nothing_to_say_gives_no_message() -> None:
    out = render([reminder(1, 7, "before3")], {7: occ(7, TODAY, pending=False)})
    assert out.reply is None
    assert out.stale == [1]
    assert out.covered == []


def test_an_event_task_is_asked_whether_it_happened() -> None:
    out = render([Row(1, "event_check", {"task": 91}, EIGHT)], {}, {91: task(91, "event")})
    assert out.reply is not None
    assert "has it happened yet? (all year)" in out.reply.text
    assert [b.data for b in out.reply.buttons[0]] == ["task:progress:91", "task:event:91"]


def test_notices_to_admins_name_the_person() -> None:
    rows = [
        Row(1, "notice", {"notice": "unreachable", "name": "Minh"}, EIGHT),
        Row(2, "notice", {"notice": "undelivered", "name": "Lan"}, EIGHT),
    ]
    out = render(rows, {})
    assert out.reply is not None
    assert "Minh cannot be reached" in out.reply.text
    assert "A message to Lan could not be delivered" in out.reply.text
    assert out.reply.text.startswith("You have 2 reminders:")


def test_an_extension_request_comes_with_decision_buttons() -> None:
    row = Row(
        1,
        "notice",
        {
            "notice": "extension",
            "name": "Minh",
            "code": "1.2",
            "current": "2024-03-08",
            "proposed": "2024-03-22",
            "reason": "waiting for the district",
            "request": 44,
        },
        EIGHT,
    )
    out = render([row], {})
    assert out.reply is not None
    assert f"from {EN.date(date(2024, 3, 8))} to {EN.date(date(2024, 3, 22))}" in out.reply.text
    assert [[b.data for b in r] for r in out.reply.buttons] == [
        ["ext:approve:44", "ext:decline:44"]
    ]


def _case_notice(row_id: int, notice: str, case: int, **extra: object) -> Row:
    return Row(
        row_id, "notice", {"notice": notice, "case": case, "code": f"C-{case}", **extra}, EIGHT
    )


def _case(case: int, status: CaseStatus, *, rated: bool = False) -> CaseSubject:
    return CaseSubject(f"C-{case}", None, None, status, rated)


def test_notices_about_cases_that_moved_on_are_stale_at_send_time() -> None:
    rows = [
        _case_notice(1, "case", 1, step="answered", text="Done."),  # rated since
        _case_notice(2, "case", 2, step="answered", text="Done."),  # closed since
        _case_notice(3, "new_case", 3),  # triaged since
        _case_notice(4, "answer_approval", 4),  # answered since
        _case_notice(5, "case", 5, step="answered", text="Still open."),
        _case_notice(6, "new_case", 6),
    ]
    cases = {
        1: _case(1, CaseStatus.ANSWERED, rated=True),
        2: _case(2, CaseStatus.CLOSED, rated=True),
        3: _case(3, CaseStatus.ASSIGNED),
        4: _case(4, CaseStatus.ANSWERED),
        5: _case(5, CaseStatus.ANSWERED),
        6: _case(6, CaseStatus.NEW),
    }
    out = render_bundle(rows, {}, {}, 0, EN, NOW, TODAY, CAL, cases)
    assert (out.covered, out.stale) == ([5, 6], [1, 2, 3, 4])
    assert out.reply is not None
    assert "C-5" in out.reply.text
    assert "C-6" in out.reply.text
    assert "C-1" not in out.reply.text
    assert "C-3" not in out.reply.text
    # A case the sweep did not look up is sent as before.
    kept = render_bundle(rows[:1], {}, {}, 0, EN, NOW, TODAY, CAL, {})
    assert kept.covered == [1]


def test_each_row_of_buttons_in_a_bundle_names_its_item() -> None:
    rows = [
        Row(
            1,
            "notice",
            {
                "notice": "extension",
                "request": 11,
                "code": "3",
                "name": "Minh",
                "current": "2024-03-01",
                "proposed": "2024-03-20",
                "reason": "Waiting for the district.",
            },
            EIGHT,
        ),
        Row(
            2,
            "notice",
            {
                "notice": "extension",
                "request": 12,
                "code": "7",
                "name": "Hải",
                "current": "2024-03-01",
                "proposed": "2024-03-22",
                "reason": "Rain.",
            },
            EIGHT,
        ),
    ]
    out = render(rows, {})
    assert out.reply is not None
    assert [[(b.text, b.data) for b in row] for row in out.reply.buttons] == [
        [("3 · Approve", "ext:approve:11"), ("3 · Decline", "ext:decline:11")],
        [("7 · Approve", "ext:approve:12"), ("7 · Decline", "ext:decline:12")],
    ]
    # Alone, a row needs no label.
    single = render(rows[:1], {})
    assert single.reply is not None
    assert [b.text for b in single.reply.buttons[0]] == ["Approve", "Decline"]


def test_thu_ly_and_resolution_due_only_for_complaints_and_denunciations() -> None:
    vi = Translator("vi", VN)
    for kind in ("suggestion", "reflection", "petition", "complaint", "denunciation"):
        legal = kind in {"complaint", "denunciation"}
        rows = [
            _case_notice(
                1, "case", 1, step="assigned", unit="Văn phòng", due="2024-03-20", kind=kind
            ),
            _case_notice(2, "case", 2, step="refused", text="Không thuộc thẩm quyền.", kind=kind),
        ]
        out = render_bundle(rows, {}, {}, 0, vi, NOW, TODAY, CAL, {})
        assert out.reply is not None
        text = out.reply.text
        assert ("thụ lý" in text) == legal, kind
        assert ("Hạn giải quyết" in text) == legal, kind
        assert ("Hạn trả lời" in text) != legal, kind
    english = render_bundle(
        [
            _case_notice(
                1, "case", 1, step="assigned", unit="VP", due="2024-03-20", kind="complaint"
            )
        ],
        {},
        {},
        0,
        EN,
        NOW,
        TODAY,
        CAL,
        {},
    )
    assert english.reply is not None
    assert english.reply.text.endswith("Resolution due by Mar 20, 2024.")


def test_staff_are_reminded_to_resolve_a_complaint_and_to_answer_the_rest() -> None:
    due = CAL.add_working_days(TODAY, 2)
    rows = [
        Row(1, "case_reminder", {"case": 1, "phase": "answer", "step": "before2"}, EIGHT),
        Row(2, "case_reminder", {"case": 2, "phase": "accept", "step": "before2"}, EIGHT),
        Row(3, "case_reminder", {"case": 3, "phase": "answer", "step": "before2"}, EIGHT),
    ]
    cases = {
        1: CaseSubject("KH-1", "answer", due, CaseStatus.ASSIGNED, kind="complaint"),
        2: CaseSubject("TC-2", "accept", due, CaseStatus.NEW, kind="denunciation"),
        3: CaseSubject("PA-3", "answer", due, CaseStatus.ASSIGNED, kind="reflection"),
    }
    out = render_bundle(rows, {}, {}, 0, EN, NOW, TODAY, CAL, cases)
    assert out.reply is not None
    lines = out.reply.text.splitlines()
    assert any(line.startswith("📨 KH-1 must be resolved by") for line in lines)
    assert any(
        line.startswith("📨 TC-2 must be accepted for resolution or refused") for line in lines
    )
    assert any(line.startswith("📨 feedback PA-3 must be answered by") for line in lines)
