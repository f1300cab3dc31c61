"""Case tallies stay equal to a count of the cases, whatever sequence of changes made them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.runtime import Runtime
from db.models import Case, CaseKind, CaseStatus, CaseTally, Person, Rating
from db.queries import orgs, reports, tallies
from db.queries.reports import CaseScope

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Same offset as Vietnam but another name: reports in it count the cases themselves.
BANGKOK = ZoneInfo("Asia/Bangkok")
FIRST_DAY = date(2026, 1, 30)
DAYS = 33  # to 3 March: February whole, and days of the months around it
# Periods read from months' tallies, days' tallies, or both.
PERIODS = (
    (date(2026, 1, 1), date(2026, 4, 1)),
    (date(2026, 2, 1), date(2026, 3, 1)),
    (date(2026, 1, 31), date(2026, 3, 2)),
    (date(2026, 1, 29), date(2026, 2, 1)),
    (date(2026, 2, 10), date(2026, 2, 12)),
)
STEPS = 240


def _moment(rng: random.Random) -> datetime:
    # Around local midnights, so a case's local day differs from its UTC day.
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    minutes = rng.choice((-90, -5, 0, 5, 90, 600))
    return datetime.combine(day, time.min, tzinfo=VN) + timedelta(minutes=minutes)


def _change(rng: random.Random, case: Case) -> None:
    """One change of a counted column, as a lifecycle step (or a bad edit) would make it."""
    what = rng.randrange(6)
    if what == 0:
        case.status = rng.choice(list(CaseStatus))
    elif what == 1:
        case.rating = rng.choice([None, *Rating])
    elif what == 2:
        case.on_time = rng.choice((None, True, False))
    elif what == 3:
        case.reopened = rng.choice((0, 1, 2))
    elif what == 4:
        case.answered_at = rng.choice((None, case.received_at + timedelta(days=3)))
    else:
        case.status = CaseStatus.ANSWERED
        case.answered_at = case.received_at + timedelta(days=rng.randrange(40))
        case.on_time = rng.random() < 0.5


async def _tallied_and_live(
    runtime: Runtime, org_ids: list[int], start: date, end: date
) -> tuple[Counter[object], Counter[object]]:
    """The period's case groups and kind breakdown from the tallies, and from the cases."""
    counted: list[Counter[object]] = []
    async with runtime.sessions() as session:
        for tz in (VN, BANGKOK):
            scope = CaseScope(
                org_ids=org_ids,
                start=datetime.combine(start, time.min, tzinfo=tz),
                end=datetime.combine(end, time.min, tzinfo=tz),
                tz=tz,
            )
            groups = await reports.case_counts(session, scope)
            kinds = await reports.case_breakdown(session, scope, "kind")
            counted.append(Counter([*groups, *((str(k), *rest) for k, *rest in kinds)]))
    return counted[0], counted[1]


async def test_random_changes_keep_tallies_equal_to_a_recount(
    runtime: Runtime, clock: ManualClock
) -> None:
    rng = random.Random(15)
    async with runtime.sessions.begin() as session:
        other = await orgs.add_org(
            session, name="UBND xã Thứ Hai", level="commune", parent_id=None, now=clock.now()
        )
        citizen = Person(display_name="Dân", locale="vi", created_at=clock.now())
        session.add(citizen)
        await session.flush()
        org_ids, citizen_id = [runtime.dispatcher.deployment.root_org_id, other.id], citizen.id
    ids: list[int] = []
    made = 0
    step = 0
    while step < STEPS:
        async with runtime.sessions() as session:
            # A few changes per transaction, flushed one by one or all at once.
            for _ in range(rng.randint(1, 6)):
                step += 1
                action = rng.random()
                if action < 0.4 or not ids:
                    made += 1
                    received = _moment(rng)
                    session.add(
                        Case(
                            code=f"PA-2026-{made:05d}",
                            org_id=rng.choice(org_ids),
                            citizen_id=citizen_id,
                            channel="test",
                            chat_id="1",
                            kind=rng.choice(list(CaseKind)),
                            topic="other",
                            text="…",
                            text_hash=str(made),
                            publishable=False,
                            consent_at=received,
                            received_at=received,
                            status=rng.choice((None, CaseStatus.NEW, CaseStatus.ASSIGNED)),
                        )
                    )
                elif action < 0.9:
                    case = await session.get(Case, rng.choice(ids))
                    assert case is not None
                    if rng.random() < 0.3:
                        # Not loaded when changed: the old value is still known.
                        session.expire(case, ["status", "rating", "on_time"])
                    _change(rng, case)
                elif action < 0.95:
                    case = await session.get(Case, ids.pop(rng.randrange(len(ids))))
                    assert case is not None
                    await session.delete(case)
                else:
                    case = await session.get(Case, rng.choice(ids))
                    assert case is not None
                    case.org_id = rng.choice(org_ids)
                    case.received_at = _moment(rng)
                if rng.random() < 0.5:
                    await session.flush()
            if rng.random() < 0.15:
                await session.rollback()
            else:
                await session.commit()
            ids = list(await session.scalars(select(Case.id)))
        if step % 40 < 6:
            async with runtime.sessions() as session:
                assert await tallies.drift(session) == []
    async with runtime.sessions() as session:
        assert await tallies.drift(session) == []
        total = await session.scalar(select(func.sum(CaseTally.cases)))
        assert total == 2 * len(ids) > 40
    for start, end in PERIODS:
        tallied, live = await _tallied_and_live(runtime, org_ids, start, end)
        assert tallied == live, (start, end)
    everything, _ = await _tallied_and_live(runtime, org_ids, *PERIODS[0])
    groups = [g for g in everything.elements() if isinstance(g, reports.CaseGroup)]
    assert sum(group.cases for group in groups) == len(ids)


async def test_rebuild_ends_drift_left_by_statements_that_bypass_the_orm(
    runtime: Runtime, clock: ManualClock
) -> None:
    async with runtime.sessions.begin() as session:
        citizen = Person(display_name="Dân", locale="vi", created_at=clock.now())
        session.add(citizen)
        await session.flush()
        session.add(
            Case(
                code="PA-2026-00001",
                org_id=runtime.dispatcher.deployment.root_org_id,
                citizen_id=citizen.id,
                channel="test",
                chat_id="1",
                kind=CaseKind.REFLECTION,
                topic="other",
                text="…",
                text_hash="x",
                publishable=False,
                consent_at=clock.now(),
                received_at=clock.now(),
            )
        )
    async with runtime.sessions.begin() as session:
        assert await tallies.drift(session) == []
        await session.execute(update(Case).values(status=CaseStatus.REFUSED))
        drifted = await tallies.drift(session)
        # The day's tallies and the month's.
        assert sorted((d.key[3], d.key[8], d.tallied, d.counted) for d in drifted) == [
            ("new", False, 1, 0),
            ("new", True, 1, 0),
            ("refused", False, 0, 1),
            ("refused", True, 0, 1),
        ]
        # Reports in the tallies' zone read them (still "new"); others count the cases.
        for tz, status in ((VN, "new"), (BANGKOK, "refused")):
            day = clock.now().astimezone(tz).date()
            scope = CaseScope(
                org_ids=[runtime.dispatcher.deployment.root_org_id],
                start=datetime.combine(day, time.min, tzinfo=tz),
                end=datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
                tz=tz,
            )
            assert [g.status for g in await reports.case_counts(session, scope)] == [status]
        assert await tallies.rebuild(session) == 2
        assert await tallies.drift(session) == []
