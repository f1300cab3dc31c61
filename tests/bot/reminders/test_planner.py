"""The planner: who gets which message on which day, from an organization's facts."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.reminders.ladder import monthly_days, period_close_days, weekly_days
from bot.reminders.planner import Planned, plan_window
from bot.reminders.policy import ReminderPolicy, policy_from
from bot.workcal import WorkCalendar
from db.queries.reminders import Contact, DueFact, OrgFacts, TaskFact

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()
POLICY = ReminderPolicy()
D = date

LEAD, PARTNER, OTHER = 10, 20, 30
ANH, BINH, CHI, DUNG, EM, GIANG, HOA = 1, 2, 3, 4, 5, 6, 7


def facts(*, unit_leader: bool = True) -> OrgFacts:
    """Anh and Bình are officials of the lead unit, Chi of the partner unit, Dũng of another;
    Em leads the lead unit (when ``unit_leader``), Giang is a leader without a unit, Hoa an
    admin."""
    f = OrgFacts(org_id=1, policy=None)
    for person in (ANH, BINH, CHI, DUNG, EM, GIANG, HOA):
        f.contacts[person] = Contact(person, f"P{person}", "test", str(100 + person), False)
    f.officials[LEAD] += [ANH, BINH]
    f.officials[PARTNER].append(CHI)
    f.officials[OTHER].append(DUNG)
    if unit_leader:
        f.unit_leaders[LEAD].append(EM)
    f.leaders.append(GIANG)
    f.admins.append(HOA)
    f.unit_names = {LEAD: "Lead", PARTNER: "Partner", OTHER: "Other"}
    return f


TASK_KINDS = frozenset({"reminder", "checkin", "event_check", "undated"})


def plan(
    facts: OrgFacts,
    calendar: WorkCalendar,
    policy: ReminderPolicy,
    tz: ZoneInfo,
    start: date,
    end: date,
    *,
    include_undated: bool = True,
) -> list[Planned]:
    """The plan's messages about tasks (leaders' summaries and reports are tested elsewhere)."""
    return [
        p
        for p in plan_window(
            facts, calendar, policy, tz, start, end, include_undated=include_undated
        )
        if p.wanted.kind in TASK_KINDS
    ]


def by_person(planned: list[Planned]) -> dict[int, list[tuple[date, str]]]:
    out: dict[int, list[tuple[date, str]]] = {}
    for p in planned:
        out.setdefault(p.person_id, []).append((p.send_at.date(), p.step))
    return out


def test_a_dated_occurrence_reaches_lead_partner_and_overseeing_leader() -> None:
    f = facts()
    # Due Monday 19 Feb 2024, right after Tết.
    f.due.append(DueFact(501, 50, "1.1", D(2024, 2, 19), (LEAD,), (PARTNER,)))
    planned = plan(f, CAL, POLICY, VN, D(2024, 1, 1), D(2024, 2, 20))
    got = by_person(planned)
    lead_steps = [
        (D(2024, 2, 1), "before7"),
        (D(2024, 2, 7), "before3"),
        (D(2024, 2, 16), "before1"),
        (D(2024, 2, 19), "due"),
        (D(2024, 2, 20), "overdue"),
    ]
    assert got[ANH] == lead_steps
    assert got[BINH] == lead_steps
    assert got[CHI] == [(D(2024, 2, 7), "partner-before3")]
    assert got[EM] == [(D(2024, 2, 20), "overdue")]
    assert set(got) == {ANH, BINH, CHI, EM}  # not Giang: the unit has its own leader
    assert all(p.send_at == datetime.combine(p.send_at.date(), time(8), VN) for p in planned)
    assert all(p.task_id == 50 and p.task_code == "1.1" for p in planned)
    assert {p.unit_id for p in planned if p.person_id == CHI} == {PARTNER}
    assert len({p.wanted.key for p in planned}) == len(planned)
    assert [p.send_at for p in planned] == sorted(p.send_at for p in planned)


def test_without_an_overseeing_leader_every_leader_without_a_unit_is_told() -> None:
    f = facts(unit_leader=False)
    f.due.append(DueFact(501, 50, "1.1", D(2024, 2, 19), (LEAD,), ()))
    got = by_person(plan(f, CAL, POLICY, VN, D(2024, 2, 20), D(2024, 2, 20)))
    assert got == {
        ANH: [(D(2024, 2, 20), "overdue")],
        BINH: [(D(2024, 2, 20), "overdue")],
        GIANG: [(D(2024, 2, 20), "overdue")],
    }


def test_overdue_items_are_raised_again_to_the_lead_only() -> None:
    f = facts()
    f.due.append(DueFact(501, 50, "1.1", D(2024, 3, 1), (LEAD,), (PARTNER,)))
    got = by_person(plan(f, CAL, POLICY, VN, D(2024, 3, 5), D(2024, 3, 25)))
    assert got == {
        ANH: [
            (D(2024, 3, 11), "reraise1"),
            (D(2024, 3, 18), "reraise2"),
            (D(2024, 3, 25), "reraise3"),
        ],
        BINH: [
            (D(2024, 3, 11), "reraise1"),
            (D(2024, 3, 18), "reraise2"),
            (D(2024, 3, 25), "reraise3"),
        ],
    }


def test_the_window_bounds_what_is_planned() -> None:
    f = facts()
    f.due.append(DueFact(501, 50, "1.1", D(2024, 2, 19), (LEAD,), (PARTNER,)))
    planned = plan(f, CAL, POLICY, VN, D(2024, 2, 7), D(2024, 2, 16))
    assert sorted({(p.send_at.date(), p.step) for p in planned}) == [
        (D(2024, 2, 7), "before3"),
        (D(2024, 2, 7), "partner-before3"),
        (D(2024, 2, 16), "before1"),
    ]


def test_people_without_a_reachable_identity_are_left_out() -> None:
    f = facts()
    del f.contacts[BINH]
    f.due.append(DueFact(501, 50, "1.1", D(2024, 2, 19), (LEAD,), ()))
    planned = plan(f, CAL, POLICY, VN, D(2024, 1, 1), D(2024, 2, 19))
    assert {p.person_id for p in planned} == {ANH}


def test_ongoing_tasks_check_in_monthly_and_before_each_period_closes() -> None:
    f = facts()
    f.undated.append(TaskFact(60, "2.1", "ongoing", (LEAD,), False, 2024))
    planned = plan(f, CAL, POLICY, VN, D(2024, 1, 1), D(2024, 12, 31))
    months = set(monthly_days(D(2024, 1, 1), D(2024, 12, 31), CAL))
    closes = {day for _, day in period_close_days(D(2024, 1, 1), D(2024, 12, 31), CAL, POLICY)}
    for person in (ANH, BINH):
        mine = [p for p in planned if p.person_id == person]
        assert {p.send_at.date() for p in mine if p.step == "checkin"} == months
        assert {p.send_at.date() for p in mine if p.step == "period-checkin"} == closes
        assert all(p.wanted.kind == "checkin" for p in mine)
    assert len(months) == 12
    assert {p.person_id for p in planned} == {ANH, BINH}


def test_check_ins_stay_inside_the_plan_year() -> None:
    f = facts()
    f.undated.append(TaskFact(60, "2.1", "ongoing", (LEAD,), False, 2024))
    planned = plan(f, CAL, POLICY, VN, D(2024, 12, 20), D(2025, 1, 10))
    assert {p.send_at.date() for p in planned} == {D(2024, 12, 24)}


def test_event_tasks_are_asked_monthly_whether_they_happened() -> None:
    f = facts()
    f.undated.append(TaskFact(61, "2.2", "event", (OTHER,), False, 2024))
    planned = plan(f, CAL, POLICY, VN, D(2024, 4, 1), D(2024, 6, 30))
    assert [(p.person_id, p.send_at.date(), p.step, p.wanted.kind) for p in planned] == [
        (DUNG, D(2024, 4, 1), "event-check", "event_check"),
        (DUNG, D(2024, 5, 2), "event-check", "event_check"),
        (DUNG, D(2024, 6, 3), "event-check", "event_check"),
    ]


def test_admins_are_asked_weekly_about_undated_tasks() -> None:
    f = facts()
    f.undated.append(TaskFact(62, "2.3", "unspecified", (LEAD,), False, 2024))
    f.undated.append(TaskFact(63, "2.4", "unspecified", (OTHER,), False, 2024))
    planned = plan(f, CAL, POLICY, VN, D(2024, 2, 1), D(2024, 2, 29))
    assert [(p.person_id, p.send_at.date()) for p in planned] == [
        (HOA, day) for day in weekly_days(D(2024, 2, 1), D(2024, 2, 29), CAL)
    ]
    assert Counter(p.step for p in planned) == {"undated": 4}
    assert plan(f, CAL, POLICY, VN, D(2024, 2, 1), D(2024, 2, 29), include_undated=False) == []


def test_an_undated_task_that_got_a_date_is_no_longer_asked_about() -> None:
    f = facts()
    f.undated.append(TaskFact(62, "2.3", "unspecified", (LEAD,), True, 2024))
    assert plan(f, CAL, POLICY, VN, D(2024, 2, 1), D(2024, 2, 29)) == []


def test_the_organization_policy_shapes_the_plan() -> None:
    f = facts()
    f.due.append(DueFact(501, 50, "1.1", D(2024, 5, 6), (LEAD,), (PARTNER,)))
    policy = policy_from({"lead_before": [2], "partner_before": [1], "send_time": "09:00"})
    planned = plan(f, CAL, policy, VN, D(2024, 4, 1), D(2024, 5, 6))
    assert sorted({(p.send_at, p.step) for p in planned}) == [
        (datetime(2024, 5, 3, 9, 0, tzinfo=VN), "before2"),
        (datetime(2024, 5, 4, 9, 0, tzinfo=VN), "partner-before1"),
        (datetime(2024, 5, 6, 9, 0, tzinfo=VN), "due"),
    ]
