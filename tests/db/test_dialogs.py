"""Dialogs live in the database: they expire, and they survive a restart."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from db.models import Dialog, Role, Unit, UnitAlias
from db.queries import dialogs, people
from tests.conftest import Person
from tests.handlers.test_common import count, issue_code, snapshot

TIMED_OUT = "That conversation timed out, so it was closed. Please start again."


async def new_person(runtime: Runtime, user_id: int = 1) -> int:
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(user_id),
            chat_id=str(user_id),
            display_name="Lan",
            username=None,
            now=runtime.clock.now(),
        )
        return person.id


async def test_save_replace_and_end(runtime: Runtime, clock: ManualClock) -> None:
    who = await new_person(runtime)
    now = clock.now()
    async with runtime.sessions.begin() as session:
        assert await dialogs.current_dialog(session, who) is None
        await dialogs.save_dialog(
            session,
            person_id=who,
            flow="addunit",
            step="name",
            data={"a": 1},
            now=now,
            expires_at=now + timedelta(minutes=60),
        )
    async with runtime.sessions.begin() as session:
        await dialogs.save_dialog(
            session,
            person_id=who,
            flow="join",
            step="code",
            data={"b": "Tư pháp"},
            now=now,
            expires_at=now + timedelta(minutes=5),
        )
    async with runtime.sessions() as session:
        dialog = await dialogs.current_dialog(session, who)
        assert dialog is not None
        assert (dialog.flow, dialog.step, dialog.data) == ("join", "code", {"b": "Tư pháp"})
        assert dialog.expires_at == now + timedelta(minutes=5)
        assert dialog.updated_at == now
    assert await count(runtime, Dialog) == 1
    async with runtime.sessions.begin() as session:
        await dialogs.end_dialog(session, who)
        await dialogs.end_dialog(session, who)  # ending twice is harmless
    assert await count(runtime, Dialog) == 0


async def test_purge_expired(runtime: Runtime, clock: ManualClock) -> None:
    first, second = await new_person(runtime, 1), await new_person(runtime, 2)
    now = clock.now()
    async with runtime.sessions.begin() as session:
        for who, minutes in ((first, 5), (second, 60)):
            await dialogs.save_dialog(
                session,
                person_id=who,
                flow="join",
                step="code",
                data={},
                now=now,
                expires_at=now + timedelta(minutes=minutes),
            )
    async with runtime.sessions.begin() as session:
        assert await dialogs.purge_expired_dialogs(session, now + timedelta(minutes=5)) == 1
    async with runtime.sessions() as session:
        assert list(await session.scalars(select(Dialog.person_id))) == [second]


async def test_dialog_expires_after_the_set_time(runtime: Runtime, clock: ManualClock) -> None:
    admin = Person(runtime, 9, "Thu", "en")
    await admin.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    await admin.say("/addunit")
    async with runtime.sessions() as session:
        dialog = await session.scalar(select(Dialog))
    assert dialog is not None
    assert dialog.expires_at == clock.now() + timedelta(minutes=60)

    clock.advance(timedelta(minutes=59))
    assert "“Tư pháp”" in await admin.text_of("Tư pháp")  # moving on renews the time
    clock.advance(timedelta(minutes=60))
    before = await snapshot(runtime)
    assert await admin.text_of("TP") == TIMED_OUT
    after = await snapshot(runtime)
    assert after["dialogs"] == []
    assert {k: v for k, v in after.items() if k != "dialogs"} == {
        k: v for k, v in before.items() if k != "dialogs"
    }
    # Afterwards plain text is just unknown text again.
    assert "did not understand" in await admin.text_of("TP")


async def test_expired_dialog_in_vietnamese(runtime: Runtime, clock: ManualClock) -> None:
    hoa = Person(runtime, 2, "Hoa", "vi")
    await hoa.say("/join")
    clock.advance(timedelta(hours=2))
    assert await hoa.text_of("ABCD") == (
        "Cuộc trao đổi đã quá thời gian chờ nên đã được đóng lại. Vui lòng bắt đầu lại."
    )


async def test_command_after_expiry_runs_normally(runtime: Runtime, clock: ManualClock) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    await lan.say("/join")
    clock.advance(timedelta(minutes=60))
    assert (await lan.text_of("/help")).startswith("What you can do:")
    assert await count(runtime, Dialog) == 0
    assert await lan.text_of("/cancel") == "There is nothing to cancel."


async def test_button_after_expiry_runs_normally(runtime: Runtime, clock: ManualClock) -> None:
    lan = Person(runtime, 1, "Lan", "en")
    await lan.say("/join")
    clock.advance(timedelta(days=1))
    assert [r.text for r in (await lan.press("lang:set:vi")).replies] == [
        "Đã chuyển sang tiếng Việt."
    ]
    assert await count(runtime, Dialog) == 0
    assert await lan.text_of("/whoami") == "Bạn là Lan.\nVai trò: người dân.\nNgôn ngữ: Tiếng Việt."


async def test_a_new_dialog_replaces_the_old(runtime: Runtime) -> None:
    admin = Person(runtime, 9, "Thu", "en")
    await admin.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    await admin.say("/addunit")
    await admin.say("/join")
    async with runtime.sessions() as session:
        dialog = await session.scalar(select(Dialog))
    assert dialog is not None
    assert dialog.flow == "join"
    assert await count(runtime, Dialog) == 1


async def test_people_have_separate_dialogs(runtime: Runtime) -> None:
    lan, hoa = Person(runtime, 1, "Lan", "en"), Person(runtime, 2, "Hoa", "vi")
    await lan.say("/join")
    assert await hoa.text_of("ABCD") == "Tôi chưa hiểu ý bạn. Gửi /help để xem tôi có thể làm gì."
    assert "not valid" in await lan.text_of("ABCD")


async def test_addunit_dialog_survives_a_restart(settings: Settings, clock: ManualClock) -> None:
    async with open_runtime(settings, clock) as first:
        admin = Person(first, 9, "Thu", "en")
        await admin.say(f"/start {await issue_code(first, Role.ADMIN)}")
        assert await admin.text_of("/addunit") == "Send the unit's full name (or /cancel)."
        assert "“Tư pháp - Hộ tịch”" in await admin.text_of("Tư pháp - Hộ tịch")

    clock.advance(timedelta(minutes=30))
    async with open_runtime(settings, clock) as second:
        admin = Person(second, 9, "Thu", "en")
        assert await admin.text_of("TP-HT; tư pháp") == "Unit “Tư pháp - Hộ tịch” added."
        async with second.sessions() as session:
            assert list(await session.scalars(select(Unit.name))) == ["Tư pháp - Hộ tịch"]
            assert set(await session.scalars(select(UnitAlias.alias))) == {"TP-HT", "tư pháp"}
        assert await count(second, Dialog) == 0


async def test_expiry_survives_a_restart(settings: Settings, clock: ManualClock) -> None:
    async with open_runtime(settings, clock) as first:
        await Person(first, 1, "Lan", "en").say("/join")
    clock.advance(timedelta(minutes=61))
    async with open_runtime(settings, clock) as second:
        assert await Person(second, 1, "Lan", "en").text_of("ABCD") == TIMED_OUT


async def test_dialog_time_follows_the_setting(settings: Settings, clock: ManualClock) -> None:
    short = Settings(database_url=settings.database_url, dialog_ttl_minutes=5)
    async with open_runtime(short, clock) as rt:
        lan = Person(rt, 1, "Lan", "en")
        await lan.say("/join")
        clock.advance(timedelta(minutes=4, seconds=59))
        assert await lan.text_of("/cancel") == "Cancelled. Nothing was saved."
        await lan.say("/join")
        clock.advance(timedelta(minutes=5))
        assert await lan.text_of("ABCD") == TIMED_OUT
