"""Asking for more time and deciding it, called directly."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.errors import AlreadyDone, NotAllowed, NotFound
from bot.periods import parse_period
from bot.reports.figures import task_figures
from bot.tasks import extensions, progress
from bot.tasks.errors import Decided, Moot, NotAfterDue, OwnRequest, TooFar
from db.models import EventKind, ExtensionStatus, Role, Standing
from tests.bot.tasks.conftest import acting, request_of
from tests.conftest import VN
from tests.handlers.conftest import Office, audits, events, notices, occurrence
from tests.handlers.test_common import member, snapshot

MARCH_20 = date(2026, 3, 20)


async def ask(office: Office, code: str = "1.2", proposed: date = MARCH_20) -> int:
    """Minh asks for more time on a due date; return the request id."""
    async with acting(office, office.minh) as op:
        requested = await extensions.ask_for_more_time(
            op, office.occurrences[code], proposed, "Chờ số liệu"
        )
    return requested.request_id


async def test_asking_files_the_request_and_asks_the_overseeing_leader(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    request_id = await ask(office)
    request = await request_of(office, occ_id)
    assert (request.id, request.proposed, request.status, request.reason) == (
        request_id,
        MARCH_20,
        ExtensionStatus.PENDING,
        "Chờ số liệu",
    )
    [event] = await events(office.runtime, office.tasks["1.2"])
    assert (event.kind, event.day, event.note) == (EventKind.MORE_TIME, MARCH_20, "Chờ số liệu")
    [entry] = await audits(office.runtime, "task.more_time")
    assert entry.after == {"proposed": "2026-03-20", "request": request_id}
    [row] = await notices(office.runtime, "extension")
    assert row.person_id == await office.person_id(office.leader)
    assert (row.params["request"], row.params["name"], row.params["current"]) == (
        request_id,
        "Minh",
        "2026-03-10",
    )


@pytest.mark.parametrize(
    ("proposed", "error"),
    [
        (date(2026, 3, 10), NotAfterDue),
        (date(2026, 1, 1), NotAfterDue),
        (date(2026, 3, 10) + timedelta(days=367), TooFar),
    ],
)
async def test_a_proposed_date_out_of_range_is_refused(
    office: Office, proposed: date, error: type[Exception]
) -> None:
    before = await snapshot(office.runtime)
    with pytest.raises(error):
        await ask(office, proposed=proposed)
    assert await snapshot(office.runtime) == before


async def test_a_partner_unit_cannot_ask_for_more_time(office: Office) -> None:
    with pytest.raises(NotAllowed):
        async with acting(office, office.hoa) as op:
            await extensions.ask_for_more_time(op, office.occurrences["1.1"], MARCH_20, "x")


async def test_approving_moves_the_due_date_and_tells_the_requester(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    request_id = await ask(office)
    async with acting(office, office.leader) as op:
        decision = await extensions.decide(op, request_id, approve=True)
    assert decision == extensions.Decision(request_id, True, "1.2", MARCH_20)
    stored = await occurrence(office.runtime, occ_id)
    assert (stored.planned_date, stored.due_date) == (date(2026, 3, 10), MARCH_20)
    request = await request_of(office, occ_id)
    leader = await office.person_id(office.leader)
    assert (request.status, request.decided_by, request.decided_at) == (
        ExtensionStatus.APPROVED,
        leader,
        office.clock.now(),
    )
    [entry] = await audits(office.runtime, "task.extension_approved")
    assert (entry.actor_id, entry.before, entry.after) == (
        leader,
        {"due": "2026-03-10"},
        {"due": "2026-03-20", "planned": "2026-03-10", "request": request_id},
    )
    [told] = await notices(office.runtime, "extension_decided")
    assert told.person_id == await office.person_id(office.minh)
    assert told.params["approved"] is True


async def test_declining_keeps_the_due_date(office: Office) -> None:
    request_id = await ask(office)
    async with acting(office, office.chief) as op:
        decision = await extensions.decide(op, request_id, approve=False)
    assert decision == extensions.Decision(request_id, False, "1.2", date(2026, 3, 10))
    kinds = [e.kind for e in await events(office.runtime, office.tasks["1.2"])]
    assert kinds == [EventKind.MORE_TIME, EventKind.DECLINED]
    [entry] = await audits(office.runtime, "task.extension_declined")
    assert entry.after == {"due": "2026-03-10", "planned": "2026-03-10", "request": request_id}


async def test_a_decided_request_names_who_decided(office: Office) -> None:
    request_id = await ask(office)
    async with acting(office, office.leader) as op:
        await extensions.decide(op, request_id, approve=True)
    before = await snapshot(office.runtime)
    for who, approve in ((office.chief, False), (office.admin, True), (office.leader, True)):
        with pytest.raises(Decided) as refused:
            async with acting(office, who) as op:
                await extensions.decide(op, request_id, approve=approve)
        assert isinstance(refused.value, AlreadyDone)
        assert refused.value.by == "Dũng"
    assert await snapshot(office.runtime) == before


async def test_nobody_decides_their_own_request(office: Office) -> None:
    # Minh is also a leader of the commune now: still not his to decide.
    await member(office.runtime, Role.LEADER, user_id=office.minh.user_id, name="Minh")
    request_id = await ask(office)
    before = await snapshot(office.runtime)
    for approve in (True, False):
        with pytest.raises(OwnRequest):
            async with acting(office, office.minh) as op:
                await extensions.decide(op, request_id, approve=approve)
    assert await snapshot(office.runtime) == before


async def test_officials_and_citizens_do_not_decide(office: Office) -> None:
    request_id = await ask(office)
    for who in (office.hoa, office.citizen):
        with pytest.raises(NotAllowed):
            async with acting(office, who) as op:
                await extensions.decide(op, request_id, approve=True)


async def test_a_request_about_a_due_date_done_meanwhile_is_moot(office: Office) -> None:
    request_id = await ask(office)
    async with acting(office, office.minh) as op:
        await progress.mark_done(op, office.occurrences["1.2"], progress.Evidence("xong"))
    before = await snapshot(office.runtime)
    with pytest.raises(Moot):
        async with acting(office, office.leader) as op:
            await extensions.decide(op, request_id, approve=True)
    assert await snapshot(office.runtime) == before
    assert (await occurrence(office.runtime, office.occurrences["1.2"])).due_date == date(
        2026, 3, 10
    )


async def test_a_request_that_names_nothing_is_not_found(office: Office) -> None:
    with pytest.raises(NotFound):
        async with acting(office, office.leader) as op:
            await extensions.decide(op, 999_999, approve=True)


@pytest.mark.parametrize(("decided", "late_days"), [(date(2026, 3, 10), 0), (date(2026, 3, 11), 5)])
async def test_done_counts_late_from_the_planned_day_if_the_approval_came_too_late(
    office: Office, decided: date, late_days: int
) -> None:
    """The chat tells the official what the report will count (bot.tasks.standing)."""
    occ_id = office.occurrences["1.2"]  # planned for 10 March
    request_id = await ask(office)
    office.clock.set(datetime.combine(decided, time(16), tzinfo=VN))
    async with acting(office, office.leader) as op:
        await extensions.decide(op, request_id, approve=True)
    office.clock.set(datetime.combine(date(2026, 3, 15), time(9), tzinfo=VN))
    async with acting(office, office.minh) as op:
        done = await progress.mark_done(op, occ_id, progress.Evidence("Đã xong"))
    assert done.late_days == late_days
    [*_, event] = await events(office.runtime, office.tasks["1.2"])
    assert (event.kind, event.late) == (EventKind.DONE, late_days > 0)
    async with office.runtime.sessions() as session:
        tasks = await task_figures(
            session, [office.org_id], parse_period("2026", date(2026, 3, 15)), date(2026, 3, 15), VN
        )
    [listed] = [item for item in tasks.listed if item.occurrence_id == occ_id]
    assert listed.days_late == late_days
    assert listed.standing == (Standing.DONE_LATE if late_days else Standing.DONE_ON_TIME)
