"""Which answered cases may be published, and the approval that publishes them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotAllowed, NotFound
from bot.feedback.publishing import NotPublishable, approve_publication, may_publish
from bot.i18n import Translator
from bot.operations import Actor, Operation
from bot.roles import Audience
from bot.runtime import Runtime
from db.models import AuditEntry, Case, CaseEvent, CaseKind, CaseStatus, Person
from tests.handlers.test_common import root_org

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _case(**changes: object) -> Case:
    values: dict[str, object] = {
        "code": "PA-2026-00001",
        "org_id": 1,
        "citizen_id": 1,
        "channel": "test",
        "chat_id": "1",
        "kind": CaseKind.REFLECTION,
        "topic": "land",
        "text": "Hỏi.",
        "text_hash": "x",
        "publishable": True,
        "consent_at": NOW,
        "received_at": NOW,
        "status": CaseStatus.ANSWERED,
        "answer": "Đáp.",
    }
    values.update(changes)
    return Case(**values)


@pytest.mark.parametrize(
    ("changes", "allowed"),
    [
        ({}, True),
        ({"status": CaseStatus.CLOSED}, True),
        ({"publishable": False}, False),
        ({"kind": CaseKind.DENUNCIATION}, False),
        ({"status": CaseStatus.AWAITING_APPROVAL}, False),
        ({"status": CaseStatus.CLOSED_UNRESOLVED}, False),
        ({"answer": None}, False),
        ({"answer": ""}, False),
    ],
)
def test_what_may_be_published(changes: dict[str, object], allowed: bool) -> None:
    assert may_publish(_case(**changes)) is allowed


def _op(session: AsyncSession, person_id: int | None, org_id: int, *roles: Audience) -> Operation:
    return Operation(session, Actor(person_id, org_id, frozenset(roles)), NOW, VN)


async def test_approval_is_recorded_once_and_refusal_changes_nothing(runtime: Runtime) -> None:
    org = root_org(runtime)
    async with runtime.sessions.begin() as session:
        person = Person(display_name="Lãnh đạo", created_at=NOW)
        session.add(person)
        await session.flush()
        case = _case(org_id=org, citizen_id=person.id)
        secret = _case(
            code="TC-2026-00001", kind=CaseKind.DENUNCIATION, org_id=org, citizen_id=person.id
        )
        session.add_all([case, secret])
        await session.flush()
        leader = _op(session, person.id, org, Audience.LEADER)
        official = _op(session, person.id, org, Audience.OFFICIAL, Audience.CITIZEN)
        elsewhere = _op(session, person.id, org + 1000, Audience.LEADER, Audience.ADMIN)
        with pytest.raises(NotAllowed):
            await approve_publication(official, case.id)
        for forged in (case.id, secret.id, 0, -1, 2**31 - 1):
            with pytest.raises(NotFound):
                await approve_publication(elsewhere, forged)
        assert (case.published_at, case.published_by) == (None, None)
        first = await approve_publication(leader, case.id)
        again = await approve_publication(_op(session, person.id, org, Audience.ADMIN), case.id)
        assert (first.new, again.new, again.case.code) == (True, False, case.code)
        with pytest.raises(NotPublishable) as caught:
            await approve_publication(leader, secret.id)
        assert secret.published_at is None
        assert (case.published_at, case.published_by) == (NOW, person.id)
        audits = (await session.scalars(select(AuditEntry))).all()
        events = (await session.scalars(select(CaseEvent))).all()
    assert [(a.action, a.entity_id, a.actor_id, a.org_id) for a in audits] == [
        ("case.published", str(case.id), person.id, org)
    ]
    assert [(e.case_id, e.action, e.actor_id) for e in events] == [
        (case.id, "published", person.id)
    ]
    message = caught.value.message(Translator("vi"))
    assert message.startswith("Không thể công khai TC-2026-00001")


async def test_the_operator_at_the_command_line_may_publish(runtime: Runtime) -> None:
    org = root_org(runtime)
    async with runtime.sessions.begin() as session:
        person = Person(display_name="Dân", created_at=NOW)
        session.add(person)
        await session.flush()
        case = _case(org_id=org, citizen_id=person.id)
        session.add(case)
        await session.flush()
        done = await approve_publication(_op(session, None, org), case.id)
        assert done.new
        assert (case.published_at, case.published_by) == (NOW, None)
