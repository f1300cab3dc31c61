"""Two people take the same step at the same instant: exactly one wins, the other is told who.

Two sessions from one engine run at once. On PostgreSQL each first reads what it is about
to change (as a handler does before it acts), both wait at a barrier, then both try: the
row lock makes the second wait for the first and then see what it wrote. SQLite runs one
write transaction at a time (the bot begins each with BEGIN IMMEDIATE), so there the
barrier is passed before either session starts and the second begins after the first
commits; it must still lose, and be told who won.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.errors import AlreadyDone, BotError
from bot.operations import Operation
from bot.tasks import extensions, policy, progress
from bot.tasks.errors import Moot
from db.models import AuditEntry, EventKind, ExtensionStatus, OccurrenceStatus, Role, TaskEvent
from tests.bot.tasks.conftest import acting, actor_of, request_of
from tests.conftest import Person
from tests.handlers.conftest import Office, notices, occurrence, texts
from tests.handlers.test_common import member

Step = Callable[[Operation], Awaitable[object]]
VP_CODES = ("1.1", "1.2", "2.2")  # every due date the unit VP leads
WAIT = 30  # seconds a contender waits for the other at the barrier before the test fails


@dataclass(frozen=True)
class Contender:
    """Who tries, what they read first, and the step they take."""

    who: Person
    look: Step
    step: Step


async def race(office: Office, *contenders: Contender) -> list[object]:
    """Run the contenders at once, each in its own session; a refusal is returned, not raised."""
    runtime = office.runtime
    serialized = runtime.settings.database_url.startswith("sqlite")
    barrier = asyncio.Barrier(len(contenders))

    async def attempt(contender: Contender) -> object:
        async with runtime.sessions() as session:
            if serialized:
                await asyncio.wait_for(barrier.wait(), WAIT)
            actor = await actor_of(session, office, contender.who)
            op = Operation(session, actor, runtime.clock.now(), runtime.settings.tz)
            try:
                await contender.look(op)
                if not serialized:
                    await asyncio.wait_for(barrier.wait(), WAIT)
                result = await contender.step(op)
            except BotError as refused:
                await session.rollback()
                return refused
            await session.commit()
            return result

    return list(await asyncio.gather(*(attempt(c) for c in contenders)))


def one_winner(results: list[object], names: list[str]) -> tuple[int, AlreadyDone]:
    """The index of the only success, and the loser's refusal (which must name the winner)."""
    won = [i for i, r in enumerate(results) if not isinstance(r, AlreadyDone)]
    lost = [r for r in results if isinstance(r, AlreadyDone)]
    assert len(won) == 1, results
    assert len(lost) == len(results) - 1, results
    assert all(refusal.by == names[won[0]] for refusal in lost), (results, names)
    return won[0], lost[0]


async def count_audit(office: Office, action: str) -> int:
    async with office.runtime.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            )
            or 0
        )


async def decided_events(office: Office, occurrence_id: int) -> list[EventKind]:
    async with office.runtime.sessions() as session:
        kinds = await session.scalars(
            select(TaskEvent.kind).where(
                TaskEvent.occurrence_id == occurrence_id,
                TaskEvent.kind.in_([EventKind.EXTENDED, EventKind.DECLINED]),
            )
        )
        return list(kinds)


def deciding(request_id: int, *, approve: bool) -> tuple[Step, Step]:
    async def look(op: Operation) -> object:
        return await policy.request_to_decide(op, request_id)

    async def step(op: Operation) -> object:
        return await extensions.decide(op, request_id, approve=approve)

    return look, step


def marking_done(occurrence_id: int, note: str) -> tuple[Step, Step]:
    async def look(op: Operation) -> object:
        return await policy.occurrence_to_act_on(op, occurrence_id, lead_only=True)

    async def step(op: Operation) -> object:
        return await progress.mark_done(op, occurrence_id, progress.Evidence(note))

    return look, step


async def file_request(office: Office, code: str) -> int:
    """Minh asks to move a due date by three weeks; return the request id."""
    occ = await occurrence(office.runtime, office.occurrences[code])
    async with acting(office, office.minh) as op:
        requested = await extensions.ask_for_more_time(
            op, occ.id, occ.due_date + timedelta(days=21), "Chờ số liệu"
        )
    return requested.request_id


@pytest.mark.parametrize("approvals", [(True, True), (True, False), (False, True)])
async def test_two_leaders_decide_one_request_at_once(
    office: Office, approvals: tuple[bool, bool]
) -> None:
    leaders = [office.leader, office.chief]
    names = ["Dũng", "Chiến"]
    for code in VP_CODES:
        occ_id = office.occurrences[code]
        request_id = await file_request(office, code)
        due_before = (await occurrence(office.runtime, occ_id)).due_date
        results = await race(
            office,
            *(
                Contender(who, *deciding(request_id, approve=approve))
                for who, approve in zip(leaders, approvals, strict=True)
            ),
        )
        winner, _ = one_winner(results, names)
        approved = approvals[winner]
        request = await request_of(office, occ_id)
        assert request.status == (
            ExtensionStatus.APPROVED if approved else ExtensionStatus.DECLINED
        )
        assert request.decided_by == await office.person_id(leaders[winner])
        assert await decided_events(office, occ_id) == [
            EventKind.EXTENDED if approved else EventKind.DECLINED
        ]
        stored = await occurrence(office.runtime, occ_id)
        assert stored.due_date == (request.proposed if approved else due_before)
    assert await count_audit(office, "task.extension_approved") + await count_audit(
        office, "task.extension_declined"
    ) == len(VP_CODES)
    assert len(await notices(office.runtime, "extension_decided")) == len(VP_CODES)


async def test_two_officials_mark_one_due_date_done_at_once(office: Office) -> None:
    tuan = await member(office.runtime, Role.OFFICIAL, user_id=9010, name="Tuấn", unit_id=office.vp)
    officials = [office.minh, tuan]
    names = ["Minh", "Tuấn"]
    for code in VP_CODES:
        occ_id = office.occurrences[code]
        results = await race(
            office,
            *(
                Contender(who, *marking_done(occ_id, f"Xong ({name})"))
                for who, name in zip(officials, names, strict=True)
            ),
        )
        winner, _ = one_winner(results, names)
        stored = await occurrence(office.runtime, occ_id)
        assert (stored.status, stored.done_by) == (
            OccurrenceStatus.DONE,
            await office.person_id(officials[winner]),
        )
        async with office.runtime.sessions() as session:
            done = (
                await session.scalars(
                    select(TaskEvent).where(
                        TaskEvent.occurrence_id == occ_id, TaskEvent.kind == EventKind.DONE
                    )
                )
            ).all()
        assert [e.note for e in done] == [f"Xong ({names[winner]})"]
    assert await count_audit(office, "task.done") == len(VP_CODES)


async def test_done_while_a_leader_approves_more_time(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    request_id = await file_request(office, "1.2")
    done_look, done_step = marking_done(occ_id, "Xong")
    approve_look, approve_step = deciding(request_id, approve=True)
    results = await race(
        office,
        Contender(office.minh, done_look, done_step),
        Contender(office.leader, approve_look, approve_step),
    )
    stored = await occurrence(office.runtime, occ_id)
    request = await request_of(office, occ_id)
    assert isinstance(results[0], progress.Done), results  # a decision never settles a date
    assert stored.status == OccurrenceStatus.DONE
    if isinstance(results[1], extensions.Decision):
        # The decision came first: the work was done against the new date.
        assert request.status == ExtensionStatus.APPROVED
        assert stored.due_date == request.proposed
    else:
        # Done came first: the request is moot and the date stays.
        assert isinstance(results[1], Moot), results
        assert request.status == ExtensionStatus.PENDING
        assert stored.due_date == stored.planned_date


async def test_two_leaders_pressing_approve_in_the_chat_at_once(office: Office) -> None:
    request_id = await file_request(office, "1.2")
    outcomes = await asyncio.gather(
        office.leader.press(f"ext:approve:{request_id}"),
        office.chief.press(f"ext:decline:{request_id}"),
    )
    answers = [texts(o) for o in outcomes]
    won = [i for i, a in enumerate(answers) if a[0].startswith(("Approved:", "Declined:"))]
    assert len(won) == 1, answers
    winner = ["Dũng", "Chiến"][won[0]]
    [lost] = [a for i, a in enumerate(answers) if i != won[0]]
    assert lost[0] in {
        "This request was already decided.",
        f"{winner} already did this. Nothing was changed.",
    }
    assert len(await decided_events(office, office.occurrences["1.2"])) == 1
    assert len(await notices(office.runtime, "extension_decided")) == 1


async def test_two_officials_sending_evidence_in_the_chat_at_once(office: Office) -> None:
    tuan = await member(office.runtime, Role.OFFICIAL, user_id=9010, name="Tuấn", unit_id=office.vp)
    occ_id = office.occurrences["1.2"]
    for who in (office.minh, tuan):
        await who.press(f"occ:done:{occ_id}")
    outcomes = await asyncio.gather(office.minh.say("Xong"), tuan.say("Xong"))
    answers = [texts(o) for o in outcomes]
    won = [i for i, a in enumerate(answers) if a == ["Recorded as done on time. Thank you."]]
    assert len(won) == 1, answers
    winner = ["Minh", "Tuấn"][won[0]]
    [lost] = [a for i, a in enumerate(answers) if i != won[0]]
    assert lost[0] in {
        "This button is no longer valid. Nothing was changed.",
        f"{winner} already did this. Nothing was changed.",
    }
    for who in (office.minh, tuan):  # both steps are closed
        assert await who.text_of("Xong") == (
            "I did not understand that. Send /help to see what I can do."
        )
    stored = await occurrence(office.runtime, occ_id)
    assert stored.status == OccurrenceStatus.DONE
