"""People, their channel identities and their roles."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import event, select

from bot.clock import ManualClock
from bot.runtime import Runtime
from db.engine import single_reads
from db.models import Identity, Membership, Role
from db.models import Person as PersonRow
from db.queries import dialogs, people
from tests.conftest import Person
from tests.handlers.test_common import add_unit, count, root_org

BIG_ID = 8_123_456_789_012  # Telegram and Zalo ids do not fit in 32 bits


async def test_first_contact_creates_person_and_identity(
    runtime: Runtime, clock: ManualClock
) -> None:
    async with runtime.sessions.begin() as session:
        person, created = await people.person_for_identity(
            session,
            channel="telegram",
            user_id=str(BIG_ID),
            chat_id=str(BIG_ID),
            display_name="  Nguyễn Thị Lan ",
            username="lan",
            now=clock.now(),
        )
        assert created
        assert person.display_name == "Nguyễn Thị Lan"
        assert person.locale is None
        assert person.created_at == clock.now()
    async with runtime.sessions.begin() as session:
        again, created = await people.person_for_identity(
            session,
            channel="telegram",
            user_id=str(BIG_ID),
            chat_id=str(-BIG_ID),
            display_name="Lan (new name)",
            username=None,
            now=clock.now(),
        )
        assert not created
        assert again.id == person.id
        assert again.display_name == "Nguyễn Thị Lan"
        (identity,) = await people.identities_of(session, person.id)
        assert identity.user_id == str(BIG_ID)
        assert identity.chat_id == str(-BIG_ID)
        assert identity.username is None


async def test_same_user_id_on_another_channel_is_another_person(
    runtime: Runtime, clock: ManualClock
) -> None:
    ids = []
    async with runtime.sessions.begin() as session:
        for channel in ("telegram", "zalo"):
            person, created = await people.person_for_identity(
                session,
                channel=channel,
                user_id=str(42),
                chat_id=str(42),
                display_name="An",
                username=None,
                now=clock.now(),
            )
            assert created
            ids.append(person.id)
    assert ids[0] != ids[1]
    assert await count(runtime, Identity) == 2


async def test_display_names_are_bounded(runtime: Runtime, clock: ManualClock) -> None:
    async with runtime.sessions.begin() as session:
        blank, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(77),
            chat_id=str(77),
            display_name=" \n ",
            username=None,
            now=clock.now(),
        )
        huge, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(78),
            chat_id=str(78),
            display_name="Ư" * 100_000,
            username=None,
            now=clock.now(),
        )
    assert blank.display_name == "77"
    assert huge.display_name == "Ư" * people.DISPLAY_NAME_LIMIT


async def test_big_ids_through_the_bot(runtime: Runtime) -> None:
    lan = Person(runtime, BIG_ID, "Lan", "en")
    assert (await lan.text_of("/whoami")).startswith("You are Lan.")
    async with runtime.sessions() as session:
        assert await session.scalar(select(Identity.user_id)) == str(BIG_ID)


async def test_zalo_ids_beyond_64_bits_are_kept_exactly(
    runtime: Runtime, clock: ManualClock
) -> None:
    zalo_id = "9223372036854775999"  # 19 digits, above the largest signed 64-bit integer
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel="zalo_oa",
            user_id=zalo_id,
            chat_id=zalo_id,
            display_name="Hoa",
            username=None,
            now=clock.now(),
        )
        same, created = await people.person_for_identity(
            session,
            channel="zalo_oa",
            user_id=zalo_id,
            chat_id=zalo_id,
            display_name="Hoa",
            username=None,
            now=clock.now(),
        )
    assert not created
    assert same.id == person.id
    async with runtime.sessions() as session:
        assert await session.scalar(select(Identity.chat_id)) == zalo_id


async def test_grant_role_is_idempotent(runtime: Runtime, clock: ManualClock) -> None:
    unit_id = await add_unit(runtime, "Tư pháp")
    org = root_org(runtime)
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(1),
            chat_id=str(1),
            display_name="Lan",
            username=None,
            now=clock.now(),
        )
        grants = [
            (Role.OFFICIAL, unit_id),
            (Role.OFFICIAL, unit_id),
            (Role.LEADER, None),
            (Role.LEADER, None),
            (Role.OFFICIAL, None),
        ]
        ids = [
            (
                await people.grant_role(
                    session, person_id=person.id, org_id=org, role=r, unit_id=u, now=clock.now()
                )
            ).id
            for r, u in grants
        ]
        assert ids[0] == ids[1]
        assert ids[2] == ids[3]
        assert len(set(ids)) == 3
        memberships = await people.memberships_of(session, person.id)
    assert [(m.role, m.unit_id) for m in memberships] == [
        (Role.OFFICIAL, unit_id),
        (Role.LEADER, None),
        (Role.OFFICIAL, None),
    ]
    assert await count(runtime, Membership) == 3


async def test_memberships_are_per_person(runtime: Runtime, clock: ManualClock) -> None:
    async with runtime.sessions.begin() as session:
        someone = PersonRow(display_name="A", locale=None, created_at=clock.now())
        other = PersonRow(display_name="B", locale="en", created_at=clock.now())
        session.add_all([someone, other])
        await session.flush()
        await people.grant_role(
            session,
            person_id=someone.id,
            org_id=root_org(runtime),
            role=Role.ADMIN,
            unit_id=None,
            now=clock.now(),
        )
        assert len(await people.memberships_of(session, someone.id)) == 1
        assert await people.memberships_of(session, other.id) == []
        assert await people.identities_of(session, other.id) == []


async def test_the_caller_comes_with_roles_and_dialog_and_writes_only_changes(
    runtime: Runtime, clock: ManualClock
) -> None:
    account: dict[str, Any] = {
        "channel": "zalo_oa",
        "user_id": str(BIG_ID),
        "chat_id": str(BIG_ID),
        "display_name": "Lan",
        "username": "lan",
        "now": clock.now(),
    }
    async with runtime.sessions.begin() as session:
        first = await people.caller(session, **account)
        assert (first.created, first.changed, first.memberships, first.dialog) == (
            True,
            True,
            [],
            None,
        )
        for role in (Role.LEADER, Role.ADMIN):
            await people.grant_role(
                session,
                person_id=first.person.id,
                org_id=root_org(runtime),
                role=role,
                unit_id=None,
                now=clock.now(),
            )
    async with runtime.sessions.begin() as session:
        again = await people.caller(session, **account)
        assert (again.created, again.changed) == (False, False)
        assert again.person.id == first.person.id
        assert [m.role for m in again.memberships] == [Role.LEADER, Role.ADMIN]
        assert not session.dirty
    async with runtime.sessions.begin() as session:
        moved = await people.caller(session, **{**account, "chat_id": "42"})
        assert moved.changed
    async with runtime.sessions() as session:
        (identity,) = await people.identities_of(session, first.person.id)
        assert identity.chat_id == "42"


async def test_the_caller_read_outside_a_transaction_is_attached_without_sql(
    runtime: Runtime, clock: ManualClock
) -> None:
    reads = single_reads(runtime.engine)
    assert await people.read_caller(reads, channel="telegram", user_id=str(BIG_ID)) is None
    account: dict[str, Any] = {
        "channel": "telegram",
        "user_id": str(BIG_ID),
        "chat_id": str(BIG_ID),
        "display_name": "Lan",
        "username": None,
        "now": clock.now(),
    }
    async with runtime.sessions.begin() as session:
        first = await people.caller(session, **account)
        for role in (Role.LEADER, Role.ADMIN):
            await people.grant_role(
                session,
                person_id=first.person.id,
                org_id=root_org(runtime),
                role=role,
                unit_id=None,
                now=clock.now(),
            )
        await dialogs.save_dialog(
            session,
            person_id=first.person.id,
            flow="feedback",
            step="text",
            data={"kind": "feedback", "n": 1},
            now=clock.now(),
            expires_at=clock.now() + timedelta(hours=1),
        )
    known = await people.read_caller(reads, channel="telegram", user_id=str(BIG_ID))
    assert known is not None
    assert known.person["id"] == first.person.id
    assert [m["role"] for m in known.memberships] == [Role.LEADER, Role.ADMIN]
    assert known.dialog is not None
    assert (known.dialog["step"], known.dialog["data"]) == ("text", {"kind": "feedback", "n": 1})
    statements: list[str] = []
    listen = partial(event.listen, runtime.engine.sync_engine, "before_cursor_execute")
    listen(lambda *args: statements.append(args[2]))
    async with runtime.sessions() as session:
        same = people.attach(
            session, known, chat_id=str(BIG_ID), language_code=None, now=clock.now()
        )
        assert (same.created, same.changed) == (False, False)
        assert [m.role for m in same.memberships] == [Role.LEADER, Role.ADMIN]
        assert same.dialog is not None
        assert same.dialog.flow == "feedback"
        assert not session.dirty
        assert not session.new
        await session.commit()
    assert statements == []
    async with runtime.sessions() as session:
        moved = people.attach(session, known, chat_id="42", language_code="vi", now=clock.now())
        assert moved.changed
        moved.person.locale = "en"
        await session.commit()
    async with runtime.sessions() as session:
        (identity,) = await people.identities_of(session, first.person.id)
        assert (identity.chat_id, identity.language_code) == ("42", "vi")
        person = await session.get(PersonRow, first.person.id)
        assert person is not None
        assert person.locale == "en"
        assert len(await people.memberships_of(session, first.person.id)) == 2
