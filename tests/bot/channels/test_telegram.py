"""End to end: the real python-telegram-bot Application polling a Bot API emulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx

from bot import invites
from bot.clock import ManualClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Role
from tests.support.botapi import BotApiEmulator, SentMessage, SimulatedUser
from tests.support.running import running_bot


async def _invite(settings: Settings, clock: ManualClock, role: Role) -> str:
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        _, code = await invites.create_invite(
            session,
            org_id=runtime.dispatcher.deployment.root_org_id,
            role=role,
            unit_id=None,
            created_by=None,
            now=clock.now(),
            ttl=timedelta(days=7),
        )
    return code


async def _say(user: SimulatedUser, text: str) -> SentMessage:
    before = len(user.messages())
    await user.send(text)
    return (await user.wait_for(before + 1))[-1]


async def _press(user: SimulatedUser, message: SentMessage, button: str) -> SentMessage:
    before = len(user.messages())
    await user.press(message, button)
    return (await user.wait_for(before + 1))[-1]


async def test_people_use_the_bot_through_telegram(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    code = await _invite(tg_settings, clock, Role.ADMIN)
    admin = emulator.user(111, "Chủ tịch", language_code="vi")
    citizen = emulator.user(222, "Lan", language_code="en")
    official = emulator.user(333, "Minh", language_code="vi")

    async with running_bot(tg_settings, clock):
        citizen_menu = [name for name, _ in emulator.commands(language_code="en")]
        assert "help" in citizen_menu
        assert "invite" not in citizen_menu
        vi_menu = emulator.commands(language_code="vi")
        assert ("help", "Xem các việc bạn có thể làm") in vi_menu

        welcome = await _say(admin, f"/start {code}")
        assert welcome.text == (
            "Chào mừng! Bạn đã trở thành quản trị viên.\nGửi /help để xem các lệnh của bạn."
        )
        admin_menu = emulator.commands(scope={"type": "chat", "chat_id": 111})
        assert "invite" in [name for name, _ in admin_menu]
        assert "/invite" in ((await _say(admin, "/help")).text or "")

        citizen_help = (await _say(citizen, "/help")).text or ""
        assert "/lang — Change the language" in citizen_help
        assert "/invite" not in citizen_help
        refused = await _say(citizen, "/invite admin")
        assert refused.text == "You are not allowed to use this command."
        before = len(citizen.messages())
        await citizen.press_data(refused.message_id, "invite:role:admin")
        forged = (await citizen.wait_for(before + 1))[-1]
        assert forged.text == "This button is not for you. Nothing was changed."
        assert (await _say(citizen, "hello?")).text == (
            "I did not understand that. Send /help to see what I can do."
        )

        choose = await _say(citizen, "/lang")
        assert choose.callback_data == ["lang:set:vi", "lang:set:en"]
        switched = await _press(citizen, choose, "Tiếng Việt")
        assert switched.text == "Đã chuyển sang tiếng Việt."

        asked = await _say(admin, "/addunit")
        assert asked.text == "Gửi tên đầy đủ của đơn vị (hoặc /cancel để hủy)."

    # The bot stops in the middle of the dialog; what the admin types meanwhile waits.
    await admin.send("Tư pháp - Hộ tịch")

    async with running_bot(tg_settings, clock):
        aliases = (await admin.wait_for(len(admin.messages()) + 1))[-1]
        assert "Tư pháp - Hộ tịch" in (aliases.text or "")
        assert (await _say(admin, "TP-HT; CC TP-HT")).text == "Đã thêm đơn vị “Tư pháp - Hộ tịch”."

        roles = await _say(admin, "/invite")
        units = await _press(admin, roles, "công chức")
        issued = await _press(admin, units, "Tư pháp - Hộ tịch")
        official_code = (issued.text or "").split("/start ")[1].split()[0]
        assert "https://t.me/commune_test_bot?start=" in (issued.text or "")

        joined = await _say(official, f"/start {official_code}")
        assert joined.text is not None
        assert joined.text.startswith(
            "Chào mừng! Bạn đã trở thành công chức của Tư pháp - Hộ tịch."
        )
        official_help = (await _say(official, "/help")).text or ""
        assert "/units" in official_help
        assert "/invite" not in official_help
        reused = await _say(citizen, f"/start {official_code}")
        assert reused.text == "Mã mời đã được sử dụng. Vui lòng đề nghị Văn phòng cấp mã mới."


async def test_flood_replies_are_waited_out_and_nothing_is_lost(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    users = [emulator.user(500 + i, f"User {i}", language_code="en") for i in range(5)]
    emulator.flood(retry_after=1, count=3)
    async with running_bot(tg_settings, clock):
        for user in users:
            await user.send("/help")
        for user in users:
            replies = await user.wait_for(1, timeout=15)
            assert len(replies) == 1
            assert (replies[0].text or "").startswith("What you can do:")
    rejected = emulator.calls("sendMessage", delivered=False)
    assert len(rejected) == 3


async def test_webhook_mode_receives_updates_with_the_secret(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    settings = replace(
        tg_settings,
        telegram_mode="webhook",
        public_url=f"http://127.0.0.1:{tg_settings.http_port}",
        webhook_secret="s3cret-token",
    )
    citizen = emulator.user(777, "Hoa", language_code="en")
    async with running_bot(settings, clock):
        assert emulator.webhook_url == f"http://127.0.0.1:{tg_settings.http_port}/telegram"
        await citizen.send("/help")
        assert await emulator.push_to_webhook() == 1
        reply = (await citizen.wait_for(1))[-1]
        assert (reply.text or "").startswith("What you can do:")


async def test_webhook_refuses_a_wrong_secret_and_bad_bodies(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    settings = replace(
        tg_settings,
        telegram_mode="webhook",
        public_url=f"http://127.0.0.1:{tg_settings.http_port}",
        webhook_secret="s3cret-token",
    )
    url = f"http://127.0.0.1:{tg_settings.http_port}/telegram"
    update = {
        "update_id": 5,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 9, "type": "private"},
            "from": {"id": 9, "is_bot": False, "first_name": "X"},
            "text": "/help",
        },
    }
    good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    async with running_bot(settings, clock), httpx.AsyncClient() as http:
        assert (await http.post(url, json=update)).status_code == 401
        forged = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-tokem"}
        assert (await http.post(url, json=update, headers=forged)).status_code == 401
        assert (await http.post(url, content=b"{not json", headers=good)).status_code == 400
        assert (await http.post(url, content=b"[1, 2]", headers=good)).status_code == 400
        wrong_id = {**update, "update_id": "5"}
        assert (await http.post(url, json=wrong_id, headers=good)).status_code == 400
        for odd in (
            {"update_id": 6, "message": [1]},
            {"update_id": 7, "message": {"chat": "x", "text": "/help"}},
            {"update_id": 8, "callback_query": {"message": 3, "from": None}},
            {"update_id": 9, "edited_message": update["message"]},
        ):
            # Telegram's own update, of a shape we do not answer: taken, so it moves on.
            assert (await http.post(url, json=odd, headers=good)).status_code == 200
        huge = b"{" + b" " * (2 * 1024 * 1024) + b"}"
        assert (await http.post(url, content=huge, headers=good)).status_code == 413
        assert (await http.get(url)).status_code == 405
    assert not emulator.calls("sendMessage")
