"""Which answered cases may be published, and the approval that publishes them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.feedback.publishing import NotPublishable, approve_publication, may_publish
from bot.i18n import Translator
from bot.runtime import Runtime
from db.models import AuditEntry, Case, CaseKind, CaseStatus, Person
from tests.handlers.test_common import root_org

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


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


async def test_approval_is_recorded_once_and_refusal_changes_nothing(runtime: Runtime) -> None:
    async with runtime.sessions.begin() as session:
        person = Person(display_name="Lãnh đạo", created_at=NOW)
        session.add(person)
        await session.flush()
        case = _case(org_id=root_org(runtime), citizen_id=person.id)
        secret = _case(
            code="TC-2026-00001",
            kind=CaseKind.DENUNCIATION,
            org_id=root_org(runtime),
            citizen_id=person.id,
        )
        session.add_all([case, secret])
        await session.flush()
        assert await approve_publication(session, case, actor_id=person.id, now=NOW)
        assert not await approve_publication(session, case, actor_id=person.id, now=NOW)
        with pytest.raises(NotPublishable) as caught:
            await approve_publication(session, secret, actor_id=person.id, now=NOW)
        assert secret.published_at is None
        assert (case.published_at, case.published_by) == (NOW, person.id)
        audits = (await session.scalars(select(AuditEntry))).all()
    assert [(a.action, a.entity_id) for a in audits] == [("case.published", str(case.id))]
    message = caught.value.message(Translator("vi"))
    assert message.startswith("Không thể công khai TC-2026-00001")
