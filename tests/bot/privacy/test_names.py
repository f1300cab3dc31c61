"""Display names: sealed for citizens from the first message, in clear only for staff."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import ManualClock
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from db.models import Identity, Person, Role
from db.queries import people
from tests.conftest import Person as Chat
from tests.handlers.test_common import issue_code

NAME = "Nguyễn Văn Tố"


async def _row(runtime: Runtime, user_id: int) -> tuple[Person, Identity]:
    async with runtime.sessions() as session:
        identity = await session.scalar(select(Identity).where(Identity.user_id == str(user_id)))
        assert identity is not None
        return await session.get_one(Person, identity.person_id), identity


async def test_a_citizens_name_is_sealed_from_the_first_message(runtime: Runtime) -> None:
    chat = Chat(runtime, 5001, NAME, "en")
    assert (await chat.text_of("/whoami")).startswith(f"You are {NAME}.")
    person, identity = await _row(runtime, 5001)
    assert person.display_name == ""
    assert person.name_sealed is not None
    assert NAME not in person.name_sealed
    assert runtime.keys.sealer.open(person.name_sealed) == NAME
    assert identity.username is None


async def test_joining_the_staff_puts_the_name_in_clear(runtime: Runtime) -> None:
    chat = Chat(runtime, 5002, "Hải", "en")
    await chat.say("/help")
    assert (await _row(runtime, 5002))[0].display_name == ""
    code = await issue_code(runtime, Role.ADMIN)
    await chat.say(f"/start {code}")
    assert (await _row(runtime, 5002))[0].display_name == "Hải"


async def test_names_stored_in_clear_before_are_sealed_at_start(
    settings: Settings, clock: ManualClock
) -> None:
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        for user_id, name in ((6001, NAME), (6002, "Thu")):
            person, _ = await people.person_for_identity(
                session,
                channel="test",
                user_id=str(user_id),
                chat_id=str(user_id),
                display_name=name,
                username="legacy_username",
                now=clock.now(),
            )
            identity = await session.scalar(
                select(Identity).where(Identity.user_id == str(user_id))
            )
            assert identity is not None
            identity.username = "legacy_username"
            if name == "Thu":
                await people.grant_role(
                    session,
                    person_id=person.id,
                    org_id=runtime.dispatcher.deployment.root_org_id,
                    role=Role.ADMIN,
                    unit_id=None,
                    now=clock.now(),
                )
    async with open_runtime(settings, clock) as runtime:
        citizen, citizen_identity = await _row(runtime, 6001)
        staff, _ = await _row(runtime, 6002)
        assert citizen.display_name == ""
        assert citizen.name_sealed is not None
        assert runtime.keys.sealer.open(citizen.name_sealed) == NAME
        assert citizen_identity.username is None
        assert staff.display_name == "Thu"
