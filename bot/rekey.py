"""Re-seal every sealed value under a new data key, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Sealer
from bot.keys import DATA, check_value
from db.queries import audit
from db.queries import keys as stored

# Dialog fields that hold sealed values (the feedback dialog's name and contact).
SEALED_DIALOG_FIELDS = ("name", "home", "phone")


@dataclass(frozen=True, slots=True)
class RekeyResult:
    """How many sealed values of each kind were re-sealed."""

    contacts: int
    names: int
    dialogs: int


async def rotate_data_key(
    session: AsyncSession, *, old: Sealer, new_key: str, now: datetime
) -> RekeyResult:
    """Open every sealed value with ``old``, seal it with ``new_key``, record the new check.

    Fails (``SealError``) without changing anything if a value does not open with ``old``;
    the caller's transaction makes it all or nothing.
    """
    new = Sealer(new_key)
    contacts = await stored.sealed_contacts(session)
    for case_id, sealed in contacts:
        await stored.set_sealed_contact(session, case_id, new.seal(old.open(sealed)))
    names = await stored.sealed_names(session)
    for person_id, sealed in names:
        await stored.set_sealed_name(session, person_id, new.seal(old.open(sealed)))
    dialogs = 0
    for dialog in await stored.dialogs_with_sealed_fields(session, SEALED_DIALOG_FIELDS):
        data = dict(dialog.data)
        for field in SEALED_DIALOG_FIELDS:
            if data.get(field):
                data[field] = new.seal(old.open(str(data[field])))
        dialog.data = data
        dialogs += 1
    await stored.save_key_check(session, DATA, check_value(new_key), now)
    await audit.record(
        session,
        at=now,
        actor_id=None,
        org_id=None,
        action="key.rotated",
        entity="key",
        entity_id=DATA,
        after={"contacts": len(contacts), "names": len(names), "dialogs": dialogs},
    )
    await session.flush()
    return RekeyResult(len(contacts), len(names), dialogs)
