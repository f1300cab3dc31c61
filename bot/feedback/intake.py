"""Receiving a case: the one path every channel's feedback takes into the commune's inbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Sealer
from bot.feedback import deadlines
from bot.feedback.catalog import KINDS, TOPICS, format_code
from bot.feedback.deadlines import Deadlines
from bot.feedback.notices import NewCase
from bot.feedback.views import seal_contact
from bot.reminders import notices
from bot.workcal import load_calendar
from db.models import Case, CaseKind, CaseStatus, Role
from db.queries import audit, cases


@dataclass(frozen=True, slots=True)
class Submission:
    """What a citizen sent, already checked by the channel it came through."""

    kind: CaseKind
    topic: str
    text: str
    text_hash: str
    channel: str
    chat_id: str
    consent_at: datetime
    publish: bool = False
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact: Mapping[str, str] = field(default_factory=dict)
    files: Sequence[tuple[str, bytes]] = ()


@dataclass(frozen=True, slots=True)
class Received:
    """The stored case and the deadlines it got."""

    case: Case
    due: Deadlines


async def receive_case(
    session: AsyncSession,
    submission: Submission,
    *,
    citizen_id: int,
    org_id: int,
    audit_org_id: int,
    now: datetime,
    tz: ZoneInfo,
    sealer: Sealer,
) -> Received:
    """Store a new case with its legal deadlines, its history and audit, and tell the admins."""
    info = KINDS[submission.kind]
    received = now.astimezone(tz).date()
    cal = await load_calendar(session)
    due = deadlines.on_receipt(submission.kind, received, cal)
    number = await cases.next_number(session, info.prefix, received.year)
    contact = dict(submission.contact)
    case = await cases.add_case(
        session,
        Case(
            code=format_code(info.prefix, received.year, number),
            org_id=org_id,
            citizen_id=citizen_id,
            channel=submission.channel,
            chat_id=submission.chat_id,
            kind=submission.kind,
            topic=submission.topic,
            dimension=TOPICS[submission.topic].dimension,
            text=submission.text,
            text_hash=submission.text_hash,
            address=submission.address,
            latitude=submission.latitude,
            longitude=submission.longitude,
            contact_sealed=sealer.seal(seal_contact(contact)) if contact else None,
            publishable=submission.publish and not info.confidential,
            consent_at=submission.consent_at,
            status=CaseStatus.NEW,
            received_at=now,
            accept_due=due.accept,
            answer_due=due.answer,
        ),
        submission.files,
    )
    await cases.add_event(session, case.id, action="received", at=now, actor_id=citizen_id)
    await audit.record(
        session,
        at=now,
        actor_id=citizen_id,
        org_id=audit_org_id,
        action="case.received",
        entity="case",
        entity_id=case.id,
        after={"code": case.code, "kind": submission.kind.value, "topic": case.topic},
    )
    await notices.notify(
        session,
        people=await cases.staff_of(session, case.org_id, [Role.ADMIN]),
        org_id=case.org_id,
        notice=NewCase(case=case.id, code=case.code, kind=submission.kind.value),
        key=f"new-case:{case.id}",
        now=now,
        tz=tz,
        calendar=cal,
    )
    return Received(case, due)
