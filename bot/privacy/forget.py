"""Withdrawing consent and erasing a person's data (Law 91/2025/QH15 on personal data).

One domain function serves the chat's ``/forget``, Zalo's ``user_withdraw`` event and the
retention job: contact details and free text that identify the person are erased, their
cases stay as anonymized counts (kind, topic, dates, status, rating), the audit records
that it happened with counts only. A complaint or denunciation still being handled keeps
what the law requires until it is settled; the result says which, why, and for how long,
and the retention job finishes the erasure once it is closed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BotError
from db.models import Case, CaseKind, CaseStatus
from db.queries import audit, cases, privacy

ERASED: Final = "[đã xoá theo yêu cầu của người gửi / erased at the sender's request]"
_ERASED_HASH: Final = hashlib.sha256(b"").hexdigest()

# Why a pending case keeps the sender's identity: the form the law requires of it.
KEEP_BASIS: Final = {
    CaseKind.COMPLAINT: "Luật Khiếu nại 2011, Điều 8 (đơn khiếu nại ghi họ tên, địa chỉ)",
    CaseKind.DENUNCIATION: (
        "Luật Tố cáo 2018, Điều 23 (đơn tố cáo ghi họ tên, địa chỉ) và Điều 47 (giữ bí mật)"
    ),
}


class PersonNotFound(BotError):
    """No person has this id."""


@dataclass(frozen=True, slots=True)
class KeptCase:
    """A case still being handled whose sender's identity the law requires to keep."""

    code: str
    kind: CaseKind
    basis: str
    due: date | None


@dataclass(frozen=True, slots=True)
class ForgetResult:
    """What an erasure did and what it had to keep."""

    person_id: int
    cases_anonymized: int
    contacts_erased: int
    files_erased: int
    identities_removed: int
    kept: tuple[KeptCase, ...]
    staff: bool

    @property
    def complete(self) -> bool:
        """Whether nothing identifying the person is left to erase later."""
        return not self.kept


def pending_legal(case: Case) -> bool:
    """Whether the case is a complaint or denunciation not yet settled."""
    return case.kind in KEEP_BASIS and case.status not in privacy.CLOSED


def _anonymize(case: Case, person_id: int, now: datetime) -> bool:
    """Erase what identifies the sender; return whether there was a contact.

    A case still open is closed: without its text and its sender nobody can handle it.
    """
    had_contact = case.contact_sealed is not None
    if case.status not in privacy.CLOSED:
        case.status = CaseStatus.CLOSED
        case.closed_at = now
    case.contact_sealed = None
    case.text = ERASED
    case.text_hash = _ERASED_HASH
    case.address = None
    case.latitude = None
    case.longitude = None
    case.rating_comment = None
    case.publishable = False
    case.chat_id = "0"
    case.channel = "erased"
    if case.answer is not None:
        case.answer = ERASED
    for event in case.events:
        if event.actor_id == person_id and event.note:
            event.note = None
    return had_contact


async def forget_person(
    session: AsyncSession, *, person_id: int, now: datetime, reason: str
) -> ForgetResult:
    """Withdraw the person's consent and erase their data, keeping only what the law requires.

    Safe to call again: what was erased stays erased, and a kept case is erased once closed.
    """
    person = await privacy.lock_person(session, person_id)
    if person is None:
        raise PersonNotFound(str(person_id))
    staff = await privacy.has_role(session, person_id)
    first_request = person.forget_requested_at is None
    if first_request:
        person.forget_requested_at = now
    kept: list[KeptCase] = []
    anonymized = contacts = files = 0
    for case in await privacy.cases_of(session, person_id, lock=True):
        if pending_legal(case):
            due = case.answer_due or case.accept_due
            kept.append(KeptCase(case.code, case.kind, KEEP_BASIS[case.kind], due))
            continue
        if case.channel == "erased":
            continue
        contacts += _anonymize(case, person_id, now)
        files += await privacy.drop_case_files(session, case.id)
        await cases.add_event(
            session, case.id, action="erased", at=now, actor_id=None, public=False
        )
        anonymized += 1
    # Messages already queued about a kept case (or sent after the first request, when only
    # kept cases could cause them) must still go out; everything else about them goes.
    await privacy.drop_traces(session, person_id, keep_unsent=bool(kept) or not first_request)
    removed = 0
    if not staff:
        # Staff keep their name and account: their work records are kept by their office.
        person.display_name = ""
        person.name_sealed = None
        person.locale = None
        if not kept:
            # With a case still pending the account stays, so the outcome can reach them.
            removed = await privacy.drop_identities(session, person_id)
    if first_request or anonymized or removed:
        await audit.record(
            session,
            at=now,
            actor_id=None,
            org_id=None,
            action="person.forgotten",
            entity="person",
            entity_id=person_id,
            after={
                "reason": reason[:64],
                "cases_anonymized": anonymized,
                "cases_kept": len(kept),
                "contacts_erased": contacts,
                "files_erased": files,
                "identities_removed": removed,
            },
        )
    await session.flush()
    return ForgetResult(
        person_id=person_id,
        cases_anonymized=anonymized,
        contacts_erased=contacts,
        files_erased=files,
        identities_removed=removed,
        kept=tuple(kept),
        staff=staff,
    )


async def finish_pending_erasures(session: AsyncSession, *, now: datetime) -> int:
    """Erase what earlier requests had to keep, now that those cases are closed."""
    finished = 0
    for person_id in await privacy.people_awaiting_erasure(session):
        result = await forget_person(session, person_id=person_id, now=now, reason="retention")
        finished += result.cases_anonymized
    return finished
