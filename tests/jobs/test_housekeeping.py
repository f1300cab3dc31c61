"""Housekeeping forgets expired dialogs and every file no live dialog holds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.runtime import Runtime
from db.models import Upload, UploadReceipt
from db.queries import dialogs, uploads
from jobs.housekeeping import ORPHAN_GRACE, UPLOAD_TTL, purge_expired
from tests.db.test_dialogs import new_person


async def _upload(runtime: Runtime, person: int, name: str) -> int:
    async with runtime.sessions.begin() as session:
        upload = await uploads.save_upload(
            session, person_id=person, filename=name, content=b"x", now=runtime.clock.now()
        )
        await uploads.note_receipt(session, person_id=person, size=1, now=runtime.clock.now())
        return upload.id


async def _dialog(runtime: Runtime, person: int, data: dict[str, object], minutes: int) -> None:
    now = runtime.clock.now()
    async with runtime.sessions.begin() as session:
        await dialogs.save_dialog(
            session,
            person_id=person,
            flow="fb",
            step="files",
            data=data,
            now=now,
            expires_at=now + timedelta(minutes=minutes),
        )


async def _kept(runtime: Runtime) -> set[str]:
    async with runtime.sessions() as session:
        return set(await session.scalars(select(Upload.filename)))


async def test_files_of_dropped_and_expired_dialogs_are_forgotten(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan, hung, mai = [await new_person(runtime, n) for n in (1, 2, 3)]
    held = [await _upload(runtime, lan, f"held-{n}") for n in range(2)]
    await _upload(runtime, lan, "dropped")  # a restarted dialog no longer names it
    await _dialog(runtime, lan, {"files": held}, minutes=600)
    plan = await _upload(runtime, hung, "plan")
    await _dialog(runtime, hung, {"upload": plan}, minutes=600)
    expired = await _upload(runtime, mai, "expired")
    await _dialog(runtime, mai, {"files": [expired]}, minutes=30)
    clock.advance(ORPHAN_GRACE + timedelta(minutes=1))
    fresh = await _upload(runtime, mai, "fresh")  # may be on its way into a dialog
    assert fresh

    await purge_expired(runtime.sessions, clock)
    assert await _kept(runtime) == {"held-0", "held-1", "plan", "fresh"}

    clock.advance(ORPHAN_GRACE + timedelta(minutes=1))
    await purge_expired(runtime.sessions, clock)
    assert await _kept(runtime) == {"held-0", "held-1", "plan"}


async def test_nothing_outlives_the_longest_keep(runtime: Runtime, clock: ManualClock) -> None:
    lan = await new_person(runtime)
    held = await _upload(runtime, lan, "held")
    await _dialog(runtime, lan, {"files": [held]}, minutes=60 * 24 * 30)
    clock.advance(UPLOAD_TTL - timedelta(minutes=1))
    await purge_expired(runtime.sessions, clock)
    assert await _kept(runtime) == {"held"}
    clock.advance(timedelta(minutes=2))
    await purge_expired(runtime.sessions, clock)
    assert await _kept(runtime) == set()
    async with runtime.sessions() as session:
        assert list(await session.scalars(select(UploadReceipt))) == []
