"""What the bot holds about a person, as one JSON file they can take away (``/mydata``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Sealer, SealError
from bot.feedback.views import unseal_contact
from db.models import Case, Person
from db.queries import privacy


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _opened(sealer: Sealer, sealed: str | None) -> Any:
    if sealed is None:
        return None
    try:
        return sealer.open(sealed)
    except SealError:
        return "(sealed with an earlier key)"


def _case(case: Case, sealer: Sealer) -> dict[str, Any]:
    contact = _opened(sealer, case.contact_sealed)
    return {
        "code": case.code,
        "kind": case.kind.value,
        "topic": case.topic,
        "status": case.status.value,
        "received_at": _when(case.received_at),
        "consent_at": _when(case.consent_at),
        "text": case.text,
        "address": case.address,
        "location": (
            None
            if case.latitude is None or case.longitude is None
            else {"latitude": case.latitude, "longitude": case.longitude}
        ),
        "contact": unseal_contact(contact) if isinstance(contact, str) and contact else contact,
        "publishable": case.publishable,
        "answer": case.answer,
        "answered_at": _when(case.answered_at),
        "rating": case.rating.value if case.rating else None,
        "rating_comment": case.rating_comment,
        "files": [f.filename for f in case.files if not f.from_staff],
        "history": [
            {"at": _when(e.at), "step": e.action, "note": e.note}
            for e in case.events
            if e.public or e.actor_id == case.citizen_id
        ],
    }


async def export_person(
    session: AsyncSession, *, person: Person, sealer: Sealer, now: datetime
) -> bytes:
    """The person's identities, roles, contacts, cases and texts as UTF-8 JSON."""
    identities = await privacy.identities_of(session, person.id)
    roles = await privacy.memberships_of(session, person.id)
    dialog = await privacy.current_dialog(session, person.id)
    data = {
        "generated_at": _when(now),
        "person": {
            "name": person.display_name or _opened(sealer, person.name_sealed),
            "language": person.locale,
            "first_contact": _when(person.created_at),
            "erasure_requested_at": _when(person.forget_requested_at),
        },
        "identities": [
            {
                "channel": i.channel,
                "user_id": str(i.user_id),
                "chat_id": str(i.chat_id),
                "language_code": i.language_code,
                "unreachable_since": _when(i.unreachable_since),
            }
            for i in identities
        ],
        "roles": [
            {"role": str(m.role), "organization": m.org_id, "unit": m.unit_id} for m in roles
        ],
        "cases": [_case(c, sealer) for c in await privacy.cases_of(session, person.id)],
        "unfinished_dialog": (
            None if dialog is None else {"flow": dialog.flow, "step": dialog.step}
        ),
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode()
