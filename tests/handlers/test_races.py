"""Two people take the same step at the same instant: exactly one wins, the other is told.

The dispatcher orders one person's updates, not different people's: on PostgreSQL two
sessions run at once, and the lifecycle's row locks decide. Each race is run a few rounds.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.runtime import Runtime
from db.models import AuditEntry, CaseEvent, Membership, Role
from db.queries import orgs, tallies
from tests.conftest import Person
from tests.handlers.feedback_support import (
    DC,
    TP,
    VP,
    case_row,
    commune,
    file_case,
    moved_on,
    only_text,
)
from tests.handlers.test_common import issue_code, member

ROUNDS = 3


async def _count(runtime: Runtime, query: object) -> int:
    async with runtime.sessions() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def test_two_administrators_assign_one_case(runtime: Runtime, clock: ManualClock) -> None:
    town = await commune(runtime, clock)
    second = await member(runtime, Role.ADMIN, user_id=8201, name="Hà")
    lan = await town.citizen(8301)
    for n in range(ROUNDS):
        code = await file_case(lan, text=f"The lamp on road {n} is broken.")
        case_id = (await case_row(runtime, code)).id
        first, other = await asyncio.gather(
            town.admin.press(f"case:to:{case_id}:{town.units[DC]}"),
            second.press(f"case:to:{case_id}:{town.units[TP]}"),
        )
        answers = sorted([only_text(first), only_text(other)])
        case = await case_row(runtime, code)
        winner = "Thu" if case.unit_id == town.units[DC] else "Hà"
        unit = DC if winner == "Thu" else TP
        assert answers == sorted(
            [
                f"{code} is assigned to {unit}.",
                moved_on(code, "accepted and being handled", winner),
            ]
        )
        assigned = select(func.count()).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "assigned"
        )
        assert await _count(runtime, assigned) == 1
        audited = select(func.count()).where(
            AuditEntry.action == "case.assigned", AuditEntry.entity_id == str(case_id)
        )
        assert await _count(runtime, audited) == 1
    async with runtime.sessions() as session:
        assert await tallies.drift(session) == []


async def test_two_leaders_approve_one_answer(runtime: Runtime, clock: ManualClock) -> None:
    town = await commune(runtime, clock)
    async with runtime.sessions.begin() as session:
        await orgs.set_org_policy(session, town.org_id, {"answer_approval": True})
    second = await member(runtime, Role.LEADER, user_id=8202, name="Bình")
    lan = await town.citizen(8302)
    for n in range(ROUNDS):
        code = await file_case(lan, text=f"The bridge of hamlet {n} is cracked.")
        case_id = (await case_row(runtime, code)).id
        await town.admin.press(f"case:to:{case_id}:{town.units[VP]}")
        await town.officials[VP].press(f"case:answer:{case_id}")
        await town.officials[VP].say("Chúng tôi sẽ sửa trong tuần này.")
        first, other = await asyncio.gather(
            town.leader.press(f"case:approve:{case_id}"),
            second.press(f"case:approve:{case_id}"),
        )
        answers = [only_text(first), only_text(other)]
        sent = f"The answer to {code} is sent to the citizen."
        assert answers.count(sent) == 1, answers
        winner = "Dũng" if answers[0] == sent else "Bình"
        assert moved_on(code, "answered", winner) in answers
        answered = select(func.count()).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "answered"
        )
        assert await _count(runtime, answered) == 1
    # The tallies /status reads were kept in step by both racing transactions.
    async with runtime.sessions() as session:
        assert await tallies.drift(session) == []


async def test_two_people_redeem_one_invite(runtime: Runtime) -> None:
    for n in range(ROUNDS):
        code = await issue_code(runtime, Role.LEADER)
        people = [Person(runtime, 8400 + 2 * n + i, f"P{i}", "en") for i in range(2)]
        outcomes = await asyncio.gather(*(p.say(f"/start {code}") for p in people))
        welcomed = [o for o in outcomes if o.roles_changed]
        assert len(welcomed) == 1, [o.replies for o in outcomes]
        refused = next(o for o in outcomes if not o.roles_changed)
        assert "already been used" in only_text(refused)
        leaders = select(func.count()).where(Membership.role == Role.LEADER)
        assert await _count(runtime, leaders) == n + 1
