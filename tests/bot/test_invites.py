"""Invite codes: issuing, redeeming, expiry, reuse, wrong codes and guessing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import invites
from bot.clock import ManualClock
from bot.invites import (
    ALPHABET,
    CODE_LENGTH,
    FAILURE_WINDOW,
    MAX_FAILURES,
    InviteExpired,
    InviteNotFound,
    InviteUsed,
    TooManyAttempts,
    deep_link,
    hash_code,
    new_code,
    normalize_code,
)
from bot.runtime import Runtime
from db.models import AuditEntry, Invite, InviteAttempt, Membership, Role
from db.queries import people
from tests.conftest import Person
from tests.handlers.test_common import add_unit, count, issue_code, root_org, snapshot

NOT_VALID = "This invite code is not valid. Check it and try again."
TOO_MANY = "Too many wrong codes. Try again in {n} minutes."


async def person_id(runtime: Runtime, user_id: int) -> int:
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(user_id),
            chat_id=str(user_id),
            display_name="X",
            username=None,
            now=runtime.clock.now(),
        )
        return person.id


# Codes


def test_new_codes_are_unambiguous_and_distinct() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)


def test_codes_are_normalized_before_hashing() -> None:
    assert normalize_code(" abcd-efgh  jkmn_pqrs ") == "ABCDEFGHJKMNPQRS"
    assert hash_code("abcd-efgh jkmn pqrs") == hash_code("ABCDEFGHJKMNPQRS")
    assert hash_code("ABCDEFGHJKMNPQRS") != hash_code("ABCDEFGHJKMNPQRT")
    assert len(hash_code("x")) == 64


def test_deep_link() -> None:
    assert deep_link("XaBot", "ABCD") == "https://t.me/XaBot?start=ABCD"


# Redeeming


async def test_only_the_hash_is_stored(runtime: Runtime) -> None:
    code = await issue_code(runtime, Role.LEADER)
    async with runtime.sessions() as session:
        invite = await session.scalar(select(Invite))
    assert invite is not None
    assert invite.code_hash == hash_code(code)
    assert code not in str((await snapshot(runtime))["invites"])


async def test_redeem_grants_the_role_once(runtime: Runtime, clock: ManualClock) -> None:
    code = await issue_code(runtime, Role.LEADER)
    who = await person_id(runtime, 1)
    async with runtime.sessions.begin() as session:
        invite, membership = await invites.redeem_invite(
            session, person_id=who, code=code.lower(), now=clock.now()
        )
        assert invite.used_by == who
        assert invite.used_at == clock.now()
        assert membership.role == Role.LEADER
        assert membership.org_id == root_org(runtime)
    assert await count(runtime, Membership) == 1


async def test_used_code_is_refused_for_everyone(runtime: Runtime, clock: ManualClock) -> None:
    code = await issue_code(runtime, Role.ADMIN)
    first, second = await person_id(runtime, 1), await person_id(runtime, 2)
    async with runtime.sessions.begin() as session:
        await invites.redeem_invite(session, person_id=first, code=code, now=clock.now())
    for who in (first, second):
        async with runtime.sessions.begin() as session:
            with pytest.raises(InviteUsed):
                await invites.redeem_invite(session, person_id=who, code=code, now=clock.now())
    assert await count(runtime, Membership) == 1
    assert await count(runtime, InviteAttempt) == 0


async def test_expired_code_is_refused(runtime: Runtime, clock: ManualClock) -> None:
    code = await issue_code(runtime, Role.LEADER, ttl=timedelta(days=7))
    who = await person_id(runtime, 1)
    clock.advance(timedelta(days=7))
    async with runtime.sessions.begin() as session:
        with pytest.raises(InviteExpired):
            await invites.redeem_invite(session, person_id=who, code=code, now=clock.now())
    assert await count(runtime, Membership) == 0


async def test_code_works_until_just_before_expiry(runtime: Runtime, clock: ManualClock) -> None:
    code = await issue_code(runtime, Role.LEADER, ttl=timedelta(days=7))
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    lan = Person(runtime, 1, "Lan", "en")
    assert (await lan.say(f"/start {code}")).roles == {"citizen", "leader"}


async def test_wrong_code_is_counted(runtime: Runtime, clock: ManualClock) -> None:
    await issue_code(runtime, Role.LEADER)
    who = await person_id(runtime, 1)
    async with runtime.sessions.begin() as session:
        with pytest.raises(InviteNotFound):
            await invites.redeem_invite(session, person_id=who, code="WRONG", now=clock.now())
    assert await count(runtime, InviteAttempt) == 1


async def test_expired_reused_and_wrong_codes_through_the_bot(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan, hoa = Person(runtime, 1, "Lan", "en"), Person(runtime, 2, "Hoa", "vi")
    code = await issue_code(runtime, Role.LEADER, ttl=timedelta(days=1))
    old = await issue_code(runtime, Role.ADMIN, ttl=timedelta(days=1))
    assert (await lan.say(f"/start {code}")).roles == {"citizen", "leader"}
    assert await hoa.text_of(f"/start {code}") == (
        "Mã mời đã được sử dụng. Vui lòng đề nghị Văn phòng cấp mã mới."
    )
    assert await lan.text_of(f"/start {code}") == (
        "This invite code has already been used. Ask the office for a new one."
    )
    clock.advance(timedelta(days=2))
    assert await hoa.text_of(f"/join {old}") == (
        "Mã mời đã hết hạn. Vui lòng đề nghị Văn phòng cấp mã mới."
    )
    assert await lan.text_of(f"/start {old}") == (
        "This invite code has expired. Ask the office for a new one."
    )
    assert await hoa.text_of("/start NOPE") == (
        "Mã mời không hợp lệ. Vui lòng kiểm tra lại và thử lần nữa."
    )
    assert await count(runtime, Membership) == 1


async def test_role_in_a_unit(runtime: Runtime, clock: ManualClock) -> None:
    unit_id = await add_unit(runtime, "Tư pháp")
    code = await issue_code(runtime, Role.OFFICIAL, unit_id=unit_id)
    lan = Person(runtime, 1, "Lan", "en")
    await lan.say(f"/start {code}")
    async with runtime.sessions() as session:
        membership = await session.scalar(select(Membership))
    assert membership is not None
    assert (membership.role, membership.unit_id) == (Role.OFFICIAL, unit_id)


async def test_second_invite_for_the_same_role_adds_nothing(runtime: Runtime) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    await lan.say(f"/start {await issue_code(runtime, Role.LEADER)}")
    await lan.say(f"/start {await issue_code(runtime, Role.LEADER)}")
    assert await count(runtime, Membership) == 1
    assert await count(runtime, Invite) == 2


async def test_redemption_is_audited(runtime: Runtime) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    await lan.say(f"/start {await issue_code(runtime, Role.LEADER)}")
    async with runtime.sessions() as session:
        entry = await session.scalar(select(AuditEntry))
        membership = await session.scalar(select(Membership))
    assert entry is not None
    assert membership is not None
    assert entry.action == "invite.redeemed"
    assert entry.entity == "membership"
    assert entry.entity_id == str(membership.id)
    assert entry.actor_id == membership.person_id
    assert entry.after == {"role": "leader", "org_id": root_org(runtime), "unit_id": None}


async def test_refused_codes_are_not_audited(runtime: Runtime) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    await lan.say("/start WRONG")
    assert await count(runtime, AuditEntry) == 0


# Guessing


async def test_more_than_five_wrong_codes_are_refused_for_a_while(
    runtime: Runtime, clock: ManualClock
) -> None:
    assert MAX_FAILURES == 5
    assert timedelta(minutes=10) == FAILURE_WINDOW
    code = await issue_code(runtime, Role.ADMIN)
    lan = Person(runtime, 1, "Lan", "en")
    for n in range(MAX_FAILURES):
        clock.advance(timedelta(minutes=1))
        assert await lan.text_of(f"/start WRONG{n}") == NOT_VALID
    # 5 wrong codes from 09:01 to 09:05: the sixth try is refused, even with the right code.
    assert await lan.text_of(f"/start {code}") == TOO_MANY.format(n=6)
    assert await lan.text_of("/start WRONG") == TOO_MANY.format(n=6)
    assert await count(runtime, Membership) == 0
    assert await count(runtime, InviteAttempt) == MAX_FAILURES  # refusals are not counted

    # Someone else is not affected.
    hoa = Person(runtime, 2, "Hoa", "vi")
    assert await hoa.text_of("/start WRONG") == (
        "Mã mời không hợp lệ. Vui lòng kiểm tra lại và thử lần nữa."
    )

    clock.advance(timedelta(minutes=5, seconds=30))
    assert await lan.text_of(f"/start {code}") == "Too many wrong codes. Try again in 1 minute."
    clock.advance(timedelta(seconds=30))  # the first wrong code is now 10 minutes old
    outcome = await lan.say(f"/start {code}")
    assert outcome.roles == {"citizen", "admin"}


async def test_the_refusal_is_in_the_persons_language(runtime: Runtime, clock: ManualClock) -> None:
    hoa = Person(runtime, 2, "Hoa", "vi")
    for _ in range(MAX_FAILURES):
        await hoa.say("/start SAI")
    assert await hoa.text_of("/start SAI") == (
        "Bạn đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau 10 phút."
    )


async def test_wrong_codes_in_the_join_dialog_count_too(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    for _ in range(MAX_FAILURES):
        await lan.say("/join")
        assert await lan.text_of("WRONG") == NOT_VALID
    await lan.say("/join")
    assert await lan.text_of("WRONG") == TOO_MANY.format(n=10)


async def test_spread_out_wrong_codes_are_never_refused(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    for n in range(3 * MAX_FAILURES):
        assert await lan.text_of(f"/start WRONG{n}") == NOT_VALID
        clock.advance(FAILURE_WINDOW / MAX_FAILURES)


async def test_rate_limit_in_queries(runtime: Runtime, clock: ManualClock) -> None:
    who = await person_id(runtime, 1)
    for _ in range(MAX_FAILURES):
        async with runtime.sessions.begin() as session:
            with pytest.raises(InviteNotFound):
                await invites.redeem_invite(session, person_id=who, code="X", now=clock.now())
    async with runtime.sessions.begin() as session:
        with pytest.raises(TooManyAttempts) as caught:
            await invites.redeem_invite(session, person_id=who, code="X", now=clock.now())
    assert caught.value.retry_minutes == 10
    clock.advance(FAILURE_WINDOW)
    async with runtime.sessions.begin() as session:
        with pytest.raises(InviteNotFound):
            await invites.redeem_invite(session, person_id=who, code="X", now=clock.now())


async def test_old_attempts_are_purged(runtime: Runtime, clock: ManualClock) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    await lan.say("/start WRONG")
    clock.advance(timedelta(minutes=3))
    await lan.say("/start WRONG")
    clock.advance(timedelta(minutes=7))
    async with runtime.sessions.begin() as session:
        await invites.purge_old_attempts(session, clock.now())
    assert await count(runtime, InviteAttempt) == 1
