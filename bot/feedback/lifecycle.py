"""Every step of a case after it is received: one function each, the only place it happens.

Each function takes the case's row with a lock (PostgreSQL waits for a concurrent step to
finish and then reads what it left), checks that the step is allowed in the state it finds,
writes the history and the audit entry, and queues the notices the step sets off. A step
that lost a race is refused with who took the case on (``CaseMovedOn``).

Case steps do not re-plan reminders: the hourly planning adds the new phase's rows well
before the first one is due, and a row about a phase the case has left is dropped when sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.errors import AlreadyDone, NotAllowed, NotFound
from bot.feedback import deadlines
from bot.feedback.catalog import normalize_code
from bot.feedback.documents import SignedDocument
from bot.feedback.errors import (
    CaseMovedOn,
    CaseNotRateable,
    NotADuplicateTarget,
    UnitWithoutMembers,
)
from bot.feedback.notices import (
    AnswerApproval,
    CaseAccepted,
    CaseAnswered,
    CaseAssigned,
    CaseMadeComplex,
    CaseMerged,
    CaseRefused,
    CaseReopened,
    CitizenNotice,
)
from bot.feedback.policy import FROM, Step, may_take
from bot.operations import Operation
from bot.roles import Audience
from bot.workcal import load_calendar
from db.models import Case, CaseFile, CaseKind, CaseStatus, Rating, Role
from db.queries import cases, orgs

# A case in these states has sent its answer; a duplicate joined to it gets it at once.
DOCUMENT_NOTE: Final = "file:"
ANSWER_SENT: Final = frozenset(
    {CaseStatus.ANSWERED, CaseStatus.CLOSED, CaseStatus.CLOSED_UNRESOLVED}
)


@dataclass(frozen=True, slots=True)
class Assigned:
    """A case accepted and given to a unit."""

    case: Case
    unit: str


@dataclass(frozen=True, slots=True)
class Answered:
    """An answer written: sent to the citizen, or held for a leader's approval."""

    case: Case
    sent: bool


@dataclass(frozen=True, slots=True)
class Rated:
    """A rating recorded; with "not satisfied" the case reopens once, then closes unresolved."""

    case: Case
    reopened: bool


async def take(op: Operation, case_id: int, step: Step, *, lock: bool = True) -> Case:
    """The case, if the actor may take ``step`` on it now; raise why not otherwise."""
    case = await (cases.case_for_update if lock else cases.case_by_id)(op.session, case_id)
    if case is None or case.org_id != op.actor.org_id:
        raise NotFound
    if not may_take(op.actor, case, step):
        raise NotAllowed
    if case.status not in FROM[step]:
        raise CaseMovedOn(case.code, case.status, await cases.last_staff_step_by(op.session, case))
    return case


async def assign(
    op: Operation, case_id: int, unit_id: int, *, without_members: bool = False
) -> Assigned:
    """Accept a new case and give it to a unit of its organization; tell citizen and unit.

    A unit with no official would leave the case unseen, so that takes ``without_members``.
    """
    case = await take(op, case_id, Step.TRIAGE)
    unit = await orgs.unit_in_org(op.session, case.org_id, unit_id)
    if unit is None:
        raise NotFound
    officials = await cases.officials_of_unit(op.session, case.org_id, unit.id)
    if not officials and not without_members:
        raise UnitWithoutMembers(unit.name)
    case.status = CaseStatus.ASSIGNED
    case.unit_id = unit.id
    case.accepted_at = op.now
    resolve = deadlines.on_acceptance(
        case.kind, op.today, await load_calendar(op.session), complex=case.complex
    )
    if resolve is not None:
        case.answer_due = resolve
    await _event(op, case, "accepted")
    await _event(op, case, "assigned", note=unit.name)
    await op.audit(
        "case.assigned",
        "case",
        case.id,
        before={"status": "new"},
        after={"status": "assigned", "unit_id": unit.id},
    )
    await _tell_citizen(
        op,
        case,
        CaseAccepted(
            case=case.id, code=case.code, kind=case.kind.value, unit=unit.name, due=case.answer_due
        ),
    )
    await op.notify(
        people=officials,
        org_id=case.org_id,
        notice=CaseAssigned(case=case.id, code=case.code),
        key=f"case-assigned:{case.id}:{unit.id}",
    )
    return Assigned(case, unit.name)


async def refuse(op: Operation, case_id: int, reason: str) -> Case:
    """Refuse a new case with the reason (and where to go instead); tell the citizen."""
    case = await take(op, case_id, Step.TRIAGE)
    case.status = CaseStatus.REFUSED
    case.closed_at = op.now
    await _event(op, case, "refused", note=reason)
    await op.audit("case.refused", "case", case.id, after={"status": "refused"})
    await _tell_citizen(
        op, case, CaseRefused(case=case.id, code=case.code, kind=case.kind.value, text=reason)
    )
    return case


async def merge(op: Operation, case_id: int, target_code: str) -> tuple[Case, Case]:
    """Join a new case to the one it duplicates; tell the citizen. Returns both."""
    code = normalize_code(target_code[:40])
    target = await cases.case_by_code(op.session, code) if code else None
    if target is None or target.org_id != op.actor.org_id or target.id == case_id:
        raise NotADuplicateTarget
    case = await take(op, case_id, Step.TRIAGE)
    case.status = CaseStatus.MERGED
    case.merged_into = target.id
    case.closed_at = op.now
    await _event(op, case, "merged", note=target.code)
    await op.audit("case.merged", "case", case.id, after={"into": target.id})
    await _tell_citizen(
        op,
        case,
        CaseMerged(case=case.id, code=case.code, kind=case.kind.value, target=target.code),
    )
    if target.status in ANSWER_SENT and target.answer:
        await _copy_answer(op, target, case)
    return case, target


async def mark_complex(op: Operation, case_id: int) -> Case:
    """Mark a case complex: the legal extension applies, and the citizen is told."""
    case = await take(op, case_id, Step.COMPLEX)
    if case.complex:
        raise AlreadyDone(await cases.last_staff_step_by(op.session, case))
    case.complex = True
    if case.accepted_at is not None:
        extended = deadlines.on_acceptance(
            case.kind,
            case.accepted_at.astimezone(op.tz).date(),
            await load_calendar(op.session),
            complex=True,
        )
        case.answer_due = extended or case.answer_due
    due = case.answer_due.isoformat() if case.answer_due else None
    await _event(op, case, "complex")
    await op.audit("case.complex", "case", case.id, after={"answer_due": due})
    await _tell_citizen(
        op,
        case,
        CaseMadeComplex(case=case.id, code=case.code, kind=case.kind.value, due=case.answer_due),
    )
    return case


async def write_answer(
    op: Operation, case_id: int, text: str, document: SignedDocument | None = None
) -> Answered:
    """Record the answer (and its signed document); send it, or hold it for a leader.

    A leader's approval is needed when the commune's policy asks for it.
    """
    case = await take(op, case_id, Step.ANSWER)
    case.answer = text
    note = None
    if document is not None:
        file = await cases.add_file(
            op.session, case.id, document.filename, document.content, staff=True
        )
        # The step names its own document, so an answer after a reopening never carries
        # the document of the answer before it.
        note = f"{DOCUMENT_NOTE}{file.id}"
    await _event(op, case, "answer_written", note=note, public=False)
    policy = await op.policy(case.org_id)
    if policy.answer_approval and not op.actor.is_(Audience.LEADER):
        case.status = CaseStatus.AWAITING_APPROVAL
        await op.audit(
            "case.answer_written", "case", case.id, after={"status": "awaiting_approval"}
        )
        await op.notify(
            people=await cases.staff_of(op.session, case.org_id, [Role.LEADER]),
            org_id=case.org_id,
            notice=AnswerApproval(case=case.id, code=case.code),
            key=f"answer-approval:{case.id}:{len(case.events)}",
        )
        return Answered(case, sent=False)
    await _send_answer(op, case)
    return Answered(case, sent=True)


async def approve_answer(op: Operation, case_id: int) -> Case:
    """Approve the answer waiting for a leader and send it to the citizen."""
    case = await take(op, case_id, Step.APPROVE)
    await _send_answer(op, case)
    return case


async def rateable(op: Operation, case_id: int, *, lock: bool = False) -> Case:
    """The actor's own answered case, not rated yet; raise why not otherwise."""
    case = await (cases.case_for_update if lock else cases.case_by_id)(op.session, case_id)
    if case is None or case.citizen_id != op.actor.person_id:
        raise NotAllowed
    if case.rating is not None:
        raise CaseNotRateable(rated=True)
    if case.status != CaseStatus.ANSWERED:
        raise CaseNotRateable(rated=False)
    return case


async def rate(op: Operation, case_id: int, rating: Rating, reason: str | None = None) -> Rated:
    """Record the citizen's rating of the answer.

    Satisfied or neutral closes the case. Not satisfied (with the reason) reopens it once
    for the commune to answer again; the second time it closes as not resolved.
    """
    case = await rateable(op, case_id, lock=True)
    if rating != Rating.UNSATISFIED:
        case.rating = rating
        case.status = CaseStatus.CLOSED
        case.closed_at = op.now
        await _event(op, case, "rated")
        await op.audit("case.rated", "case", case.id, after={"rating": rating.value})
        return Rated(case, reopened=False)
    case.rating = Rating.UNSATISFIED
    case.rating_comment = reason
    if case.reopened == 0:
        case.reopened = 1
        case.status = CaseStatus.REOPENED
        case.rating = None
        await _event(op, case, "reopened", note=reason)
        people = await cases.staff_of(op.session, case.org_id, [Role.ADMIN])
        if case.unit_id is not None:
            people += await cases.officials_of_unit(op.session, case.org_id, case.unit_id)
        await op.notify(
            people=people,
            org_id=case.org_id,
            notice=CaseReopened(case=case.id, code=case.code),
            key=f"reopened:{case.id}",
        )
        await op.audit("case.reopened", "case", case.id)
        return Rated(case, reopened=True)
    case.status = CaseStatus.CLOSED_UNRESOLVED
    case.closed_at = op.now
    await _event(op, case, "closed_unresolved", note=reason)
    await op.audit("case.closed_unresolved", "case", case.id)
    return Rated(case, reopened=False)


async def _send_answer(op: Operation, case: Case) -> None:
    """Send the answer to the case's citizen and to every citizen whose duplicate joined it.

    Each duplicate takes the answer as its own, so its citizen opens it by their own code
    and rates it on their own case.
    """
    document = await _answer_document(op, case)
    await _answer_one(op, case, document.id if document else None)
    for duplicate in await cases.merged_into_for_update(op.session, case.id):
        await _copy_answer(op, case, duplicate)


async def _answer_document(op: Operation, case: Case) -> CaseFile | None:
    """The signed document written with the case's latest answer, if it had one."""
    note = await cases.last_note(op.session, case.id, "answer_written")
    if not note or not note.startswith(DOCUMENT_NOTE):
        return None
    return await cases.file_of_case(op.session, case.id, int(note.removeprefix(DOCUMENT_NOTE)))


async def _copy_answer(op: Operation, answered: Case, duplicate: Case) -> None:
    """Give a duplicate the answer, and its own copy of the signed document, and send it."""
    duplicate.answer = answered.answer
    document = await _answer_document(op, answered)
    copy = None
    if document is not None:
        copy = await cases.add_file(
            op.session, duplicate.id, document.filename, document.content, staff=True
        )
    await _answer_one(op, duplicate, copy.id if copy else None)


async def _answer_one(op: Operation, case: Case, document: int | None) -> None:
    case.status = CaseStatus.ANSWERED
    case.answered_at = op.now
    # Kept on the row so that reports count on-time answers in SQL, not row by row.
    case.on_time = None if case.answer_due is None else op.today <= case.answer_due
    await _event(op, case, "answered")
    await op.audit("case.answered", "case", case.id, after={"status": "answered"})
    # A complaint's answer says by when the citizen may complain again or sue, and why.
    rule = deadlines.rules().rule(case.kind, "appeal") if case.kind == CaseKind.COMPLAINT else None
    await _tell_citizen(
        op,
        case,
        CaseAnswered(
            case=case.id,
            code=case.code,
            kind=case.kind.value,
            text=case.answer or "",
            document=document,
            appeal_days=str(rule.limit()) if rule else None,
            appeal_basis=rule.basis if rule else None,
        ),
    )


async def _event(
    op: Operation, case: Case, action: str, *, note: str | None = None, public: bool = True
) -> None:
    await cases.add_event(
        op.session,
        case.id,
        action=action,
        at=op.now,
        actor_id=op.actor.person_id,
        note=note,
        public=public,
    )


async def _tell_citizen(op: Operation, case: Case, notice: CitizenNotice) -> None:
    await op.notify(
        people=[case.citizen_id],
        org_id=case.org_id,
        notice=notice,
        key=f"case:{case.id}:{notice.step}:{len(case.events)}",
    )
