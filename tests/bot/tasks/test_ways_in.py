"""A step taken in the chat and the same step called directly leave the same rows.

The direct call runs first and is rolled back; then the person takes the step in the chat.
Row ids aside (a rolled-back sequence is not given back on PostgreSQL), history, audit,
requests and the outbox must be identical.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.operations import Operation
from bot.tasks import extensions, progress
from db.models import ExtensionRequest
from tests.bot.tasks.conftest import actor_of, request_of, task_rows
from tests.conftest import Person
from tests.handlers.conftest import Office, texts


@dataclass(frozen=True)
class Way:
    """One step: who takes it, how it is called, and how it is said in the chat."""

    who: Callable[[Office], Person]
    call: Callable[[Office, Operation], Awaitable[object]]
    chat: Callable[[Office], Awaitable[None]]


async def _say(who: Person, *steps: str) -> None:
    for step in steps:
        if step.startswith(("occ:", "ext:", "task:")):
            outcome = await who.press(step)
        else:
            outcome = await who.say(step)
        assert texts(outcome), step


async def _ask(office: Office) -> None:
    await _say(office.minh, f"occ:more:{office.occurrences['1.2']}", "20/03/2026", "Chờ số liệu")


async def _approve(office: Office, op: Operation) -> object:
    request_id = await op.session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.occurrence_id == office.occurrences["1.2"]
        )
    )
    assert request_id is not None
    return await extensions.decide(op, request_id, approve=True)


async def _approve_in_chat(office: Office) -> None:
    request = await request_of(office, office.occurrences["1.2"])
    await _say(office.leader, f"ext:approve:{request.id}")


WAYS = {
    "done": Way(
        lambda o: o.minh,
        lambda o, op: progress.mark_done(
            op, o.occurrences["1.1"], progress.Evidence("https://drive.example.vn/1.pdf")
        ),
        lambda o: _say(
            o.minh, f"occ:done:{o.occurrences['1.1']}", "https://drive.example.vn/1.pdf"
        ),
    ),
    "progress": Way(
        lambda o: o.hoa,
        lambda o, op: progress.note_progress(
            op, o.tasks["1.1"], "Đã họp", occurrence_id=o.occurrences["1.1"]
        ),
        lambda o: _say(o.hoa, f"occ:progress:{o.occurrences['1.1']}", "Đã họp"),
    ),
    "blocked": Way(
        lambda o: o.minh,
        lambda o, op: progress.report_blocked(op, o.occurrences["1.2"], "Chưa có kinh phí"),
        lambda o: _say(o.minh, f"occ:blocked:{o.occurrences['1.2']}", "Chưa có kinh phí"),
    ),
    "more time": Way(
        lambda o: o.minh,
        lambda o, op: extensions.ask_for_more_time(
            op, o.occurrences["1.2"], date(2026, 3, 20), "Chờ số liệu"
        ),
        _ask,
    ),
    "event": Way(
        lambda o: o.minh,
        lambda o, op: progress.record_happened(op, o.tasks["1.5"], date(2026, 2, 27)),
        lambda o: _say(o.minh, f"task:event:{o.tasks['1.5']}", "27/02/2026"),
    ),
    "date": Way(
        lambda o: o.admin,
        lambda o, op: progress.set_date(op, o.tasks["1.6"], date(2026, 4, 15)),
        lambda o: _say(o.admin, f"/setdate {o.tasks['1.6']} 15/04/2026"),
    ),
}


async def _direct(office: Office, way: Way) -> dict[str, list[tuple[Any, ...]]]:
    runtime = office.runtime
    async with runtime.sessions() as session:
        actor = await actor_of(session, office, way.who(office))
        await way.call(office, Operation(session, actor, runtime.clock.now(), runtime.settings.tz))
        await session.flush()
        rows = await task_rows(session)
        await session.rollback()
    return rows


async def _stored(office: Office) -> dict[str, list[tuple[Any, ...]]]:
    async with office.runtime.sessions() as session:
        return await task_rows(session)


@pytest.mark.parametrize("name", sorted(WAYS))
async def test_chat_and_direct_call_leave_the_same_rows(office: Office, name: str) -> None:
    way = WAYS[name]
    before = await _stored(office)
    direct = await _direct(office, way)
    assert direct != before
    assert await _stored(office) == before
    await way.chat(office)
    assert await _stored(office) == direct


async def test_a_decision_in_the_chat_and_called_directly_leaves_the_same_rows(
    office: Office,
) -> None:
    await _ask(office)
    way = Way(lambda o: o.leader, _approve, _approve_in_chat)
    direct = await _direct(office, way)
    await way.chat(office)
    assert await _stored(office) == direct
