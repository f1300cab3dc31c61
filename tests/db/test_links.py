"""The person merge behind /link: every reference read from the schema, moved or kept on
purpose; unique keys settled; one code redeemed by exactly one of two people at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, UniqueConstraint, select

from bot.clock import ManualClock
from bot.i18n import Translator
from bot.operations import Actor, Operation
from bot.people import linking
from bot.people.errors import LinkCodeUsed
from bot.runtime import Runtime
from db.base import Base
from db.models import (
    Dialog,
    Identity,
    InviteAttempt,
    Membership,
    OutboxMessage,
    Person,
    Role,
    Upload,
)
from db.queries import links, outbox, people
from tests.conftest import VN
from tests.conftest import Person as Speaker


def _people_table(metadata: MetaData) -> Table:
    return Table("people", metadata, Column("id", Integer, primary_key=True))


def test_every_reference_to_a_person_is_moved_unless_kept_on_purpose() -> None:
    found = {r.name for r in links.person_references(list(Base.metadata.sorted_tables))}
    every = {
        f"{t.name}.{fk.parent.name}"
        for t in Base.metadata.sorted_tables
        for fk in t.foreign_keys
        if fk.column.table.name == "people"
    }
    assert every - found == {"audit_log.actor_id"}
    assert {"cases.citizen_id", "outbox.person_id", "memberships.person_id"} <= found


def test_a_table_added_later_is_moved_without_being_named() -> None:
    metadata = MetaData()
    _people_table(metadata)
    notes = Table(
        "visit_notes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("written_for", ForeignKey("people.id")),
    )
    assert [r.name for r in links.person_references([notes])] == ["visit_notes.written_for"]


def test_a_table_unique_per_person_must_be_taught_to_the_merge() -> None:
    metadata = MetaData()
    _people_table(metadata)
    prefs = Table(
        "preferences",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("person_id", ForeignKey("people.id")),
        Column("key", Integer),
        UniqueConstraint("person_id", "key"),
    )
    with pytest.raises(links.UnsettledReference) as raised:
        links.person_references([prefs])
    assert (raised.value.table, raised.value.column) == ("preferences", "person_id")


async def _person(runtime: Runtime, channel: str, user_id: str, *, staff_of: int | None) -> int:
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel=channel,
            user_id=user_id,
            chat_id=user_id,
            display_name=f"P{user_id}",
            username=None,
            now=runtime.clock.now(),
        )
        if staff_of is not None:
            await people.grant_role(
                session,
                person_id=person.id,
                org_id=staff_of,
                role=Role.ADMIN,
                unit_id=None,
                now=runtime.clock.now(),
            )
        return person.id


def _op(runtime: Runtime, session: object, person_id: int) -> Operation:
    org = runtime.dispatcher.deployment.root_org_id
    return Operation(
        session,  # type: ignore[arg-type]
        Actor(person_id, org, frozenset()),
        runtime.clock.now(),
        VN,
    )


async def test_the_newer_person_is_emptied_into_the_older_one(
    runtime: Runtime, clock: ManualClock
) -> None:
    org = runtime.dispatcher.deployment.root_org_id
    older = await _person(runtime, "telegram", "1", staff_of=org)
    clock.advance(timedelta(days=3))
    newer = await _person(runtime, "zalo_oa", "2", staff_of=org)
    now = clock.now()
    async with runtime.sessions.begin() as session:
        for who in (older, newer):
            session.add(
                Dialog(
                    person_id=who,
                    flow="feedback",
                    step="text",
                    data={"who": who},
                    expires_at=now + timedelta(hours=1),
                    updated_at=now,
                )
            )
        session.add(InviteAttempt(person_id=newer, at=now))
        session.add(
            Upload(person_id=newer, filename="a.jpg", sha256="0" * 64, content=b"x", created_at=now)
        )
        await outbox.enqueue(
            session,
            outbox.Wanted(
                key="n:test:1",
                person_id=newer,
                channel="zalo_oa",
                chat_id="2",
                kind="notice",
                due_at=now,
                params={"notice": "unreachable", "name": ""},
            ),
        )
        (await session.get_one(Person, newer)).locale = "en"
    async with runtime.sessions.begin() as session:
        issued = await linking.issue_code(
            _op(runtime, session, newer), person_id=newer, channel="zalo_oa"
        )
    async with runtime.sessions.begin() as session:
        linked = await linking.redeem_code(
            _op(runtime, session, older), person_id=older, text=issued.code
        )
    assert (linked.person_id, linked.merged_id) == (older, newer)
    assert linked.moved["identities.person_id"] == 1
    assert linked.moved["outbox.person_id"] == 1
    async with runtime.sessions() as session:
        assert set(await links.remaining_references(session, newer)) <= {"audit_log.actor_id"}
        # One admin role (the same role twice is kept once), the older dialog only.
        roles = (
            await session.scalars(select(Membership).where(Membership.person_id == older))
        ).all()
        assert [(m.org_id, m.role) for m in roles] == [(org, Role.ADMIN)]
        dialog = await session.get_one(Dialog, older)
        assert dialog.data["who"] == older
        channels = (
            await session.scalars(select(Identity.channel).where(Identity.person_id == older))
        ).all()
        assert sorted(channels) == ["telegram", "zalo_oa"]
        kept = await session.get_one(Person, older)
        gone = await session.get_one(Person, newer)
        assert kept.locale == "en"  # the older person had not chosen; the newer had
        assert gone.merged_into == older
        assert gone.name_sealed is None
        assert (await session.scalar(select(OutboxMessage.person_id))) == older


async def test_people_sending_one_code_at_once_exactly_one_is_linked(
    runtime: Runtime,
) -> None:
    owner = Speaker(runtime, 500, "Chủ mã", "en")
    text = "\n".join(r.text for r in (await owner.say("/link")).replies)
    code = text.split("Your link code: ", 1)[1].split()[0]
    racers = [Speaker(runtime, 600 + i, f"Người {i}", "en") for i in range(4)]
    for racer in racers:
        await racer.say("/whoami")  # both exist before the race

    answers = await asyncio.gather(*(r.text_of(f"/link {code}") for r in racers))

    assert (
        sorted(answers, key=lambda a: not a.startswith("Done:"))[1:]
        == [LinkCodeUsed().message(Translator("en", VN))] * 3
    )
    assert sum(a.startswith("Done:") for a in answers) == 1
    async with runtime.sessions() as session:
        owners = {i.user_id: i.person_id for i in (await session.scalars(select(Identity))).all()}
    winner = next(r for r, a in zip(racers, answers, strict=True) if a.startswith("Done:"))
    assert owners[str(winner.user_id)] == owners["500"]
    for loser in (r for r in racers if r is not winner):
        assert owners[str(loser.user_id)] != owners["500"]
