"""How a case reads: its status, its card for the citizen or for staff, its history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from bot.feedback.catalog import kind_label, topic_label
from bot.i18n import N_, Translator
from db.models import Case, CaseKind, CaseStatus

STATUS_LABELS: Final = {
    CaseStatus.NEW: N_("received, waiting to be accepted"),
    CaseStatus.ASSIGNED: N_("accepted and being handled"),
    CaseStatus.AWAITING_APPROVAL: N_("answer written, waiting for a leader's approval"),
    CaseStatus.ANSWERED: N_("answered"),
    CaseStatus.REOPENED: N_("reopened after your rating"),
    CaseStatus.CLOSED: N_("closed"),
    CaseStatus.CLOSED_UNRESOLVED: N_("closed, not resolved"),
    CaseStatus.REFUSED: N_("not accepted"),
    CaseStatus.MERGED: N_("joined to another case"),
}

# A complaint or a denunciation is accepted for resolution (thụ lý) and resolved; the law
# uses those words for them only. Other kinds read as received and answered.
LEGAL_STATUS_LABELS: Final = {
    CaseStatus.NEW: N_("received, waiting to be accepted for resolution"),
    CaseStatus.ASSIGNED: N_("accepted for resolution and being resolved"),
    CaseStatus.REFUSED: N_("not accepted for resolution"),
}
STAFF_STATUS_LABELS: Final = {
    CaseStatus.REOPENED: N_("reopened after the citizen's rating"),
}

EVENT_LABELS: Final = {
    "received": N_("received"),
    "accepted": N_("accepted"),
    "assigned": N_("assigned to {unit}"),
    "refused": N_("not accepted"),
    "merged": N_("joined to {target}"),
    "complex": N_("marked complex; the deadline is extended"),
    "answer_written": N_("answer written"),
    "answered": N_("answered"),
    "rated": N_("rated"),
    "reopened": N_("reopened"),
    "closed": N_("closed"),
    "closed_unresolved": N_("closed, not resolved"),
    "erased": N_("the sender withdrew consent: their data was erased"),
}
LEGAL_EVENT_LABELS: Final = {
    "accepted": N_("accepted for resolution"),
    "refused": N_("not accepted for resolution"),
}
LEGAL_KINDS: Final = frozenset({CaseKind.COMPLAINT, CaseKind.DENUNCIATION})


def status_label(
    status: CaseStatus, t: Translator, kind: CaseKind | None = None, *, staff: bool = False
) -> str:
    """The status in words, in the law's terms for the case's kind and for who reads it."""
    if staff and status in STAFF_STATUS_LABELS:
        return t._(STAFF_STATUS_LABELS[status])
    if kind in LEGAL_KINDS and status in LEGAL_STATUS_LABELS:
        return t._(LEGAL_STATUS_LABELS[status])
    return t._(STATUS_LABELS[status])


def seal_contact(contact: Mapping[str, str]) -> str:
    """The contact details as the text that gets sealed."""
    return json.dumps(dict(contact), ensure_ascii=False, sort_keys=True)


def unseal_contact(text: str) -> dict[str, str]:
    """The contact details from their opened text."""
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def case_card(
    case: Case,
    t: Translator,
    *,
    unit: str | None,
    contact: Mapping[str, str] | None,
    staff: bool,
) -> str:
    """The case as its sender (or, with ``staff``, the people handling it) sees it."""
    lines = [
        f"{case.code} — {kind_label(case.kind, t)} · {topic_label(case.topic, t)}",
        t._("Status: {status}", status=status_label(case.status, t, case.kind, staff=staff)),
        t._("Received: {when}", when=t.datetime(case.received_at)),
    ]
    legal = case.kind in LEGAL_KINDS
    if case.accept_due and case.status == CaseStatus.NEW:
        accept = (
            t._("To be accepted for resolution by: {date}", date=t.date(case.accept_due))
            if legal
            else t._("To be accepted by: {date}", date=t.date(case.accept_due))
        )
        lines.append(accept)
    if case.answer_due and case.status not in {CaseStatus.CLOSED, CaseStatus.REFUSED}:
        due = (
            t._("Resolution due by: {date}", date=t.date(case.answer_due))
            if legal
            else t._("Answer due by: {date}", date=t.date(case.answer_due))
        )
        lines.append(due)
    if unit:
        lines.append(t._("Handled by: {unit}", unit=unit))
    lines.append(t._("Content: {text}", text=case.text))
    if case.address:
        lines.append(t._("Place: {address}", address=case.address))
    if case.latitude is not None and case.longitude is not None:
        lines.append(t._("Location: {lat}, {lon}", lat=case.latitude, lon=case.longitude))
    if staff and contact:
        lines.append(
            t._(
                "Sender: {name}, {contact}",
                name=contact.get("name", "—"),
                contact=contact.get("phone", "—"),
            )
        )
        if contact.get("home"):
            lines.append(t._("Sender's address: {address}", address=contact["home"]))
    if case.answer and (staff or case.status != CaseStatus.AWAITING_APPROVAL):
        lines.append(t._("Answer: {text}", text=case.answer))
    if case.rating:
        lines.append(t._("Rating: {rating}", rating=t._(RATING_LABELS[case.rating])))
    history = [e for e in case.events if staff or e.public]
    if history:
        lines.append(t._("History:"))
        for event in history[-12:]:
            labels = (
                LEGAL_EVENT_LABELS if legal and event.action in LEGAL_EVENT_LABELS else EVENT_LABELS
            )
            label = t._(
                labels.get(event.action, event.action),
                unit=unit or "",
                target=event.note or "",
            )
            note = (
                f": {event.note}" if event.note and event.action in {"refused", "reopened"} else ""
            )
            lines.append(f"• {t.datetime(event.at)} {label}{note}")
    return "\n".join(lines)


RATING_LABELS: Final = {
    "satisfied": N_("satisfied"),
    "neutral": N_("neutral"),
    "unsatisfied": N_("not satisfied"),
}
