"""A whole plan year on a simulated clock: every message against the ladder the rules give."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, time, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.plans import parse_plan
from bot.plans.importer import import_plan
from bot.runtime import Runtime
from bot.workcal import WorkCalendar
from db.models import Membership, OutboxStatus, Plan, Role, TaskRole
from db.queries import orgs, plans
from db.queries.outbox import REPORT_KINDS
from tests.conftest import SHARED
from tests.jobs.conftest import VN, RecordingSender, World, at

PLAN_FILE = SHARED / "plans/luongson-2024.docx"
YEAR = 2024
FIRST, LAST = date(YEAR, 1, 1), date(YEAR, 12, 31)
ONE_DAY = timedelta(days=1)
# The bot is down on this Friday morning: its messages wait, through an evening sweep and
# the weekend, for Monday morning.
DOWN = date(2024, 9, 27)
DAYS_OFF = (
    [date(2024, 2, d) for d in range(8, 15)]
    + [date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)]
    + [date(2024, 9, 2), date(2024, 9, 3)]
)

Subject = tuple[str, int]
Expected = set[tuple[int, Subject, date]]


# -- the rules, computed from the working-day calendar alone --------------------------------


class Rules:
    """When the rules say each message falls, counted from ``is_working_day`` only."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal

    def working(self, day: date) -> bool:
        return self.cal.is_working_day(day)

    def back(self, day: date, n: int) -> date:
        """``n`` working days before ``day``."""
        while n:
            day -= ONE_DAY
            n -= self.working(day)
        return day

    def on_or_after(self, day: date) -> date:
        while not self.working(day):
            day += ONE_DAY
        return day

    def on_or_before(self, day: date) -> date:
        while not self.working(day):
            day -= ONE_DAY
        return day

    def occurrence(self, due: date) -> tuple[set[date], set[date], set[date]]:
        """(lead days, partner days, leader days) of an occurrence due on ``due``."""
        overdue = self.on_or_after(due + ONE_DAY)
        lead = {self.back(due, n) for n in (7, 3, 1)} | {self.on_or_before(due), overdue}
        week = 1
        while (raised := self.on_or_after(overdue + timedelta(weeks=week))) <= LAST:
            lead.add(raised)
            week += 1
        return lead, {self.back(due, 3)}, {overdue}

    def months(self) -> set[date]:
        return {self.on_or_after(date(YEAR, m, 1)) for m in range(1, 13)}

    def period_closes(self) -> set[date]:
        ends = [date(YEAR, 3, 31), date(YEAR, 6, 30), date(YEAR, 9, 30), date(YEAR, 12, 31)]
        return {self.back(end, 5) for end in ends}

    def weeks(self) -> set[date]:
        monday = FIRST - timedelta(days=FIRST.weekday())
        out = set()
        while monday <= LAST:
            week = [monday + timedelta(days=i) for i in range(7)]
            first = next((d for d in week if self.working(d)), None)
            if first is not None and FIRST <= first <= LAST:
                out.add(first)
            monday += timedelta(weeks=1)
        return out

    def sent_on(self, day: date) -> date:
        """The day a message of ``day`` goes out: the next morning the bot is up."""
        while day == DOWN or not self.working(day):
            day += ONE_DAY
        return day


async def expected_messages(
    world: World, rules: Rules
) -> tuple[Expected, dict[Subject, str], set[int]]:
    """Every (person, subject, day) the rules call for, each subject's task code, and the
    people whose messages of the ``DOWN`` day had to wait."""
    async with world.sessions() as session:
        plan_id = await session.scalar(select(Plan.id).where(Plan.org_id == world.org_id))
        assert plan_id is not None
        tasks = await plans.tasks_of_plan(session, plan_id)
        members = (
            await session.execute(
                select(Membership.person_id, Membership.role, Membership.unit_id).where(
                    Membership.org_id == world.org_id
                )
            )
        ).all()
    officials: dict[int | None, list[int]] = defaultdict(list)
    unit_leaders: dict[int | None, list[int]] = defaultdict(list)
    leaders: list[int] = []
    admins: list[int] = []
    for person, role, unit in members:
        if role == Role.OFFICIAL:
            officials[unit].append(person)
        elif role == Role.LEADER:
            (leaders if unit is None else unit_leaders[unit]).append(person)
        elif role == Role.ADMIN:
            admins.append(person)
    want: Expected = set()
    codes: dict[Subject, str] = {}
    undated = False
    for task in tasks:
        lead = [u.unit_id for u in task.units if u.role == TaskRole.LEAD]
        partners = [u.unit_id for u in task.units if u.role == TaskRole.PARTNER]
        codes["task", task.id] = task.code
        for occ in task.occurrences:
            lead_days, partner_days, leader_days = rules.occurrence(occ.due_date)
            subject = ("occ", occ.id)
            codes[subject] = task.code
            for unit in lead:
                want |= {(p, subject, d) for p in officials[unit] for d in lead_days}
            for unit in partners:
                want |= {(p, subject, d) for p in officials[unit] for d in partner_days}
            overseers = [p for u in lead for p in unit_leaders[u]] or leaders
            want |= {(p, subject, d) for p in overseers for d in leader_days}
        if task.timeframe_kind in {"ongoing", "event"}:
            days = rules.months()
            if task.timeframe_kind == "ongoing":
                days |= rules.period_closes()
            for unit in lead:
                want |= {(p, ("task", task.id), d) for p in officials[unit] for d in days}
        if task.timeframe_kind == "unspecified" and not task.occurrences:
            undated = True
    if undated:
        want |= {(p, ("undated", world.org_id), d) for p in admins for d in rules.weeks()}
    waited = {p for p, _, d in want if d == DOWN}
    moved = {(p, s, rules.sent_on(d)) for p, s, d in want if FIRST <= d <= LAST}
    return {(p, s, d) for p, s, d in moved if d <= LAST}, codes, waited


# -- the year ------------------------------------------------------------------------------


async def test_a_whole_plan_year_sends_exactly_the_ladder(
    runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(at(FIRST, 6))
    world = World(runtime, clock)
    async with world.sessions.begin() as session:
        directory = await orgs.unit_directory(session, world.org_id)
        plan = parse_plan(PLAN_FILE, directory=directory)
        assert plan.year == YEAR
        await import_plan(
            session,
            org_id=world.org_id,
            plan=plan,
            data_hash="luongson-2024",
            actor_id=None,
            now=clock.now(),
            dry_run=False,
        )
        units = [u.id for u in await orgs.list_units(session, world.org_id)]
    assert units
    chat_of: dict[int, int] = {}
    for index, unit in enumerate(units):
        member = await world.member(f"Cán bộ {index}", Role.OFFICIAL, unit)
        chat_of[member.id] = member.chat_id
    leader = await world.member("Chủ tịch", Role.LEADER)
    admin = await world.member("Văn phòng", Role.ADMIN)
    chat_of |= {leader.id: leader.chat_id, admin.id: admin.chat_id}
    person_of = {chat: person for person, chat in chat_of.items()}

    sender = RecordingSender(clock)
    sweeper = world.sweeper(sender)
    day = FIRST
    while day <= LAST:
        clock.set(at(day, 7))
        await world.plan()
        if day != DOWN:
            clock.set(at(day, 8))
            await sweeper.sweep()
        before = len(sender.sent)
        clock.set(at(day, 18))
        await sweeper.sweep()
        assert len(sender.sent) == before, f"sent after hours on {day}"
        day += ONE_DAY

    cal = await world.calendar()
    rules = Rules(cal)
    want, codes, waited = await expected_messages(world, rules)

    rows = [r for r in await world.rows() if r.status == OutboxStatus.SENT]
    # Leaders' summaries and period reports also go through the outbox, as messages of
    # their own (several files each): they are not part of the task ladder.
    reports = {
        (r.person_id, r.sent_at.astimezone(VN))
        for r in rows
        if r.kind in REPORT_KINDS and r.sent_at is not None
    }
    rows = [r for r in rows if r.kind not in REPORT_KINDS]
    # Whose rows had to wait for the morning after the downtime.
    held = {r.person_id for r in rows if r.due_at.astimezone(VN).date() == DOWN}
    assert held == waited
    assert waited

    # Every message: a working day, the morning sweep, one per person per sweep.
    assert sender.sent
    per_sweep = Counter((person_of[s.chat_id], s.at) for s in sender.sent)
    assert all(n == 1 for key, n in per_sweep.items() if key not in reports)
    for sent in sender.sent:
        assert cal.is_working_day(sent.at.date()), sent
        assert sent.at.timetz().replace(tzinfo=None) == time(8, 0)
        assert sent.at.weekday() < 5 or sent.at.date() == date(2024, 5, 4)
        assert sent.at.date() not in DAYS_OFF
        person = person_of[sent.chat_id]
        if (person, sent.at) not in reports:
            late = sent.at.date() == rules.sent_on(DOWN) and person in held
            assert sent.text.startswith("While you were away") == late
    assert DOWN not in {s.at.date() for s in sender.sent}

    # What was sent, row by row, against the rules.
    got: Expected = set()
    for row in rows:
        assert row.sent_at is not None
        sent_at = row.sent_at.astimezone(VN)
        if row.kind == "reminder":
            subject: Subject = ("occ", int(row.params["occurrence"]))
        elif row.kind in {"checkin", "event_check"}:
            subject = ("task", int(row.params["task"]))
        else:
            assert row.kind == "undated"
            subject = ("undated", world.org_id)
        got.add((row.person_id, subject, sent_at.date()))
        if subject in codes:
            texts = [s.text for s in sender.to(chat_of[row.person_id]) if s.at == sent_at]
            mentions = sum(f"[{codes[subject]}]" in text for text in texts)
            # (a leader's report of the same morning may name the task too)
            assert mentions == 1 or (mentions > 1 and (row.person_id, sent_at) in reports)
    assert got == want
    # Each person-day of the ladder got exactly one message, and no other message went out
    # but leaders' reports.
    ladder_days = {(p, at(d, 8)) for p, _, d in want}
    assert {key for key in per_sweep if key not in reports} <= ladder_days <= set(per_sweep)
    # The leader heard of overdue items, the admin of undated tasks.
    assert any(p == leader.id and s[0] == "occ" for p, s, _ in got)
    assert any(p == admin.id and s[0] == "undated" for p, s, _ in got)
