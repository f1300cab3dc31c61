"""Tests of the Bot API emulator, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession, web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.support.botapi import BotApiEmulator

TOKEN = "123:ABC"
ALICE = 1001


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without it PTB warns (an error here) whenever it builds a RetryAfter."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, username="commune_test_bot", clock=clock) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as tg_bot:
        yield tg_bot


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


# -- basics ---------------------------------------------------------------------------------


async def test_get_me(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "commune_test_bot", True)
    assert emu.base_url.startswith("http://127.0.0.1:")
    assert emu.base_url.endswith("/bot")
    assert emu.base_file_url == emu.base_url.replace("/bot", "/file/bot")


async def test_wrong_token_is_unauthorized(emu: BotApiEmulator) -> None:
    async with ClientSession() as http, http.get(f"{emu.base_url}999:WRONG/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    wrong = Bot("999:WRONG", base_url=emu.base_url, base_file_url=emu.base_file_url)
    with pytest.raises(InvalidToken):
        async with wrong:  # getMe on entering; the Bot shuts down again when it fails
            pass


async def test_unknown_method_is_not_found(emu: BotApiEmulator, bot: Bot) -> None:
    url = f"{emu.base_url}{TOKEN}/frobnicate"
    async with ClientSession() as http, http.post(url) as response:
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicate")


async def test_json_bodies_and_case_insensitive_methods(emu: BotApiEmulator) -> None:
    emu.user(ALICE, "Alice")
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    async with ClientSession() as http:
        body = {"chat_id": ALICE, "text": "hi", "reply_markup": markup}
        async with http.post(f"{emu.base_url}{TOKEN}/SENDMESSAGE", json=body) as response:
            answer = await response.json()
    assert answer["ok"] is True
    assert answer["result"]["reply_markup"] == markup
    [sent] = emu.messages(ALICE)
    assert sent.buttons == [[("OK", "ok")]]


# -- sending --------------------------------------------------------------------------------


async def test_send_message_is_recorded(emu: BotApiEmulator, bot: Bot, clock: FakeClock) -> None:
    emu.user(ALICE, "Alice")
    first = await bot.send_message(ALICE, "Xin chào", reply_markup=keyboard([("A", "a")]))
    clock.now += 2.5
    second = await bot.send_message(ALICE, "Tạm biệt")
    assert (first.message_id, second.message_id) == (1, 2)
    assert first.from_user is not None
    assert first.from_user.id == 123
    assert first.chat.id == ALICE
    assert first.reply_markup == keyboard([("A", "a")])
    records = emu.messages(ALICE)
    assert [r.text for r in records] == ["Xin chào", "Tạm biệt"]
    assert records[0].buttons == [[("A", "a")]]
    assert records[1].at - records[0].at == 2.5
    [call, _] = emu.calls("sendMessage")
    assert (call.chat_id, call.payload["text"], call.delivered) == (ALICE, "Xin chào", True)


async def test_sending_to_an_unknown_chat_fails(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hello?")


async def test_html_is_resolved_into_entities(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    message = await bot.send_message(
        ALICE, "<b>Kế hoạch</b> &amp; <i>tiến độ</i> 1 &lt; 2", parse_mode=ParseMode.HTML
    )
    assert message.text == "Kế hoạch & tiến độ 1 < 2"
    assert message.text_html == "<b>Kế hoạch</b> &amp; <i>tiến độ</i> 1 &lt; 2"
    [record] = emu.messages(ALICE)
    assert record.text == "Kế hoạch & tiến độ 1 < 2"
    assert record.raw_text == "<b>Kế hoạch</b> &amp; <i>tiến độ</i> 1 &lt; 2"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1 < 2", r'(?i)unexpected "<"'),
        ("<b>bold", r"(?i)can't find end tag"),
        ("<b><i>x</b></i>", r'(?i)unmatched end tag "b"'),
        ("<script>x</script>", r'(?i)unsupported start tag "script"'),
    ],
)
async def test_malformed_html_is_rejected(
    emu: BotApiEmulator, bot: Bot, text: str, error: str
) -> None:
    emu.user(ALICE, "Alice")
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(ALICE, text, parse_mode=ParseMode.HTML)
    assert emu.messages(ALICE) == []
    [call] = emu.calls("sendMessage")
    assert (call.delivered, call.status) == (False, 400)


async def test_telegram_limits_on_content(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(ALICE, "x", reply_markup=keyboard([("A", "d" * 65)]))
    await bot.send_message(ALICE, "x" * 4096, reply_markup=keyboard([("A", "d" * 64)]))


async def test_edits(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    sent = await bot.send_message(ALICE, "Chọn", reply_markup=keyboard([("A", "a"), ("B", "b")]))
    edited = await bot.edit_message_text(
        "Đã chọn A", chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard([("C", "c")])
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert emu.current(ALICE, sent.message_id).text == "Đã chọn A"
    await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Đã chọn A", chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", chat_id=ALICE, message_id=99)
    records = emu.messages(ALICE)
    assert [(r.method, r.edited, r.text, r.buttons) for r in records] == [
        ("sendMessage", False, "Chọn", [[("A", "a"), ("B", "b")]]),
        ("editMessageText", True, "Đã chọn A", [[("C", "c")]]),
        ("editMessageReplyMarkup", True, "Đã chọn A", []),
    ]


async def test_commands_per_scope_and_language(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    await bot.set_my_commands([BotCommand("start", "Bắt đầu")], language_code="vi")
    await bot.set_my_commands([BotCommand("report", "Báo cáo")], scope=BotCommandScopeChat(ALICE))
    assert await bot.get_my_commands(language_code="vi") == (BotCommand("start", "Bắt đầu"),)
    assert await bot.get_my_commands() == ()
    assert emu.commands({"type": "chat", "chat_id": ALICE}) == [("report", "Báo cáo")]
    await bot.delete_my_commands(language_code="vi")
    assert emu.commands(language_code="vi") == []
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert await bot.set_chat_menu_button(ALICE, MenuButtonCommands())
    assert emu.menu_button(ALICE) == {"type": "commands"}
    assert await bot.send_chat_action(ALICE, "typing")
    assert await bot.close()
    assert await bot.log_out()


# -- updates --------------------------------------------------------------------------------


async def test_long_poll_waits_for_a_message(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(ALICE, "Alice", username="alice")

    async def send_later() -> None:
        await asyncio.sleep(0.2)
        await alice.send("/start ABC123")

    sender = asyncio.create_task(send_later())
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    waited = time.monotonic() - started
    await sender
    assert 0.15 < waited < 2.0
    [update] = updates
    assert update.message is not None
    assert update.message.text == "/start ABC123"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "vi"
    assert update.message.parse_entities() != {}
    [entity] = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)

    # Unconfirmed updates come again; an offset past them confirms them.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert emu.pending_updates == 0


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert 0.25 < time.monotonic() - started < 2.0


async def test_limit_and_negative_offset(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(ALICE, "Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    first_two = await bot.get_updates(limit=2)
    assert [u.message.text for u in first_two if u.message] == ["one", "two"]
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["three"]
    assert emu.pending_updates == 1


async def test_a_newer_poll_terminates_an_older_one(emu: BotApiEmulator, bot: Bot) -> None:
    # Each Bot has a one-connection pool for getUpdates: a second instance polls concurrently.
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(TOKEN, base_url=emu.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getupdates request"):
        await older


async def test_location_and_group_messages(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(ALICE, "Alice")
    group = emu.group(-100123, "UBND xã")
    await alice.send_location(21.03, 105.85)
    await alice.send("/report@commune_test_bot", chat=group)
    location, in_group = await bot.get_updates()
    assert location.message is not None
    assert location.message.location is not None
    assert location.message.location.latitude == pytest.approx(21.03)
    assert in_group.message is not None
    assert (in_group.message.chat.type, in_group.message.chat.title) == ("supergroup", "UBND xã")
    await bot.send_message(group.chat_id, "Đã nhận")
    assert [m.text for m in emu.messages(group.chat_id)] == ["Đã nhận"]


# -- buttons --------------------------------------------------------------------------------


async def test_press_arrives_as_callback_query(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(ALICE, "Alice")
    await bot.send_message(ALICE, "Ngôn ngữ?", reply_markup=keyboard([("Tiếng Việt", "lang:vi")]))
    [sent] = await emu.wait_for(ALICE, 1)
    query_id = await alice.press(sent, "Tiếng Việt")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert isinstance(query, CallbackQuery)
    assert (query.id, query.data, query.from_user.id) == (query_id, "lang:vi", ALICE)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("OK")
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await query.answer("twice")

    # By callback_data too; an unknown button is a test error, not an update.
    await alice.press(sent.message_id, "lang:vi")
    with pytest.raises(AssertionError, match="no button 'English'"):
        await alice.press(sent, "English")


async def test_press_data_forges_any_data(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(ALICE, "Alice")
    sent = await bot.send_message(ALICE, "x", reply_markup=keyboard([("A", "a")]))
    await alice.press_data(sent.message_id, "admin:delete_all")
    await alice.press_data(77, "stale")
    forged, stale = await bot.get_updates()
    assert forged.callback_query is not None
    assert forged.callback_query.data == "admin:delete_all"
    assert stale.callback_query is not None
    assert stale.callback_query.message is not None
    assert not stale.callback_query.message.is_accessible


# -- faults ---------------------------------------------------------------------------------


async def test_flood_raises_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    emu.flood(retry_after=3, count=1)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE, "first")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(ALICE, "second")
    assert [m.text for m in emu.messages(ALICE)] == ["second"]
    assert [(c.payload["text"], c.status) for c in emu.calls("sendMessage")] == [
        ("first", 429),
        ("second", 200),
    ]
    assert [c.payload["text"] for c in emu.calls("sendMessage", delivered=True)] == ["second"]


async def test_flood_answer_is_telegrams(emu: BotApiEmulator) -> None:
    emu.user(ALICE, "Alice")
    emu.flood(retry_after=7, count=1)
    async with ClientSession() as http:
        body = {"chat_id": ALICE, "text": "x"}
        async with http.post(f"{emu.base_url}{TOKEN}/sendMessage", data=body) as response:
            assert response.status == 429
            assert await response.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            }


async def test_blocked_user_raises_forbidden(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    emu.block(ALICE)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(ALICE, "hello")
    assert emu.messages(ALICE) == []
    emu.unblock(ALICE)
    await bot.send_message(ALICE, "hello")


async def test_fail_next_answers_server_errors(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    emu.fail_next("sendMessage", count=2, status=502)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(ALICE, "x")
    await bot.send_message(ALICE, "x")
    assert [c.status for c in emu.calls("sendMessage")] == [502, 502, 200]


async def test_enforced_limits(emu: BotApiEmulator, bot: Bot, clock: FakeClock) -> None:
    for user_id in range(1, 5):
        emu.user(user_id, f"U{user_id}")
    emu.enforce_limits(per_chat_per_second=1, overall_per_second=3)
    await bot.send_message(1, "a")
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "b")  # same chat within a second
    await bot.send_message(2, "c")
    await bot.send_message(3, "d")
    with pytest.raises(RetryAfter):
        await bot.send_message(4, "e")  # fourth delivery within a second
    assert emu.flood_errors == 2
    clock.now += 1.0
    await bot.send_message(1, "b")
    await bot.send_message(4, "e")
    assert emu.flood_errors == 2
    assert sum(len(emu.messages(user_id)) for user_id in range(1, 5)) == 5


async def test_wait_for_explains_a_timeout(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")
    await bot.send_message(ALICE, "only one")
    emu.block(ALICE)
    with pytest.raises(Forbidden):
        await bot.send_message(ALICE, "never")
    with pytest.raises(AssertionError) as caught:
        await emu.wait_for(ALICE, 2, timeout=0.1)
    assert "expected at least 2 message(s)" in str(caught.value)
    assert "'only one'" in str(caught.value)
    assert "Forbidden: bot was blocked by the user" in str(caught.value)


# -- files ----------------------------------------------------------------------------------


async def test_documents_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(ALICE, "Alice")
    data = "kế hoạch,hạn\nhọp dân,2024-05-01\n".encode()
    await alice.send_document("ke-hoach.csv", data, "text/csv", caption="Kế hoạch")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.document is not None
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "ke-hoach.csv",
        "text/csv",
        len(data),
    )
    file = await document.get_file()
    assert bytes(await file.download_as_bytearray()) == data

    report = b"PK\x03\x04 fake docx"
    sent = await bot.send_document(
        ALICE, report, filename="bao-cao.docx", caption="<b>Báo cáo</b>", parse_mode=ParseMode.HTML
    )
    photo = await bot.send_photo(ALICE, b"\x89PNG fake", filename="chart.png")
    assert sent.document is not None
    assert sent.document.file_name == "bao-cao.docx"
    assert sent.caption == "Báo cáo"
    assert photo.photo
    doc_record, photo_record = emu.messages(ALICE)
    assert (doc_record.document, doc_record.filename, doc_record.text) == (
        report,
        "bao-cao.docx",
        "Báo cáo",
    )
    assert (photo_record.photo, photo_record.filename) == (b"\x89PNG fake", "chart.png")

    # The bot can send a stored file again by its file_id.
    again = await bot.send_document(ALICE, document.file_id)
    assert again.document is not None
    assert again.document.file_id == document.file_id
    assert emu.messages(ALICE)[-1].document == data


# -- webhook --------------------------------------------------------------------------------


async def test_push_to_webhook(emu: BotApiEmulator, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (
                request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                json.loads(await request.text()),
            )
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        alice = emu.user(ALICE, "Alice")
        await alice.send("before")
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        await alice.send("after")
        assert (await bot.get_webhook_info()).pending_update_count == 2
        assert await emu.push_to_webhook() == 2
        assert [secret for secret, _ in received] == ["s3cret", "s3cret"]
        texts = [Update.de_json(update, bot).message.text for _, update in received]  # type: ignore[union-attr]
        assert texts == ["before", "after"]
        assert emu.pending_updates == 0
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()


# -- a whole Application --------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    assert update.effective_user is not None
    payload = " ".join(context.args or [])
    await update.effective_message.reply_text(
        f"Xin chào {update.effective_user.first_name}! {payload}".strip(),
        reply_markup=keyboard([("Tiếng Việt", "lang:vi"), ("English", "lang:en")]),
    )


async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    await query.answer()
    await query.edit_message_text(f"Đã chọn {query.data.removeprefix('lang:')}")


def build_application(emu: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=r"^lang:"))
    return app


async def test_application_polls_and_answers(emu: BotApiEmulator) -> None:
    app = build_application(emu)
    alice = emu.user(ALICE, "Alice")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await alice.send("/start INVITE42")
            [greeting] = await emu.wait_for(ALICE, 1)
            assert greeting.text == "Xin chào Alice! INVITE42"
            await alice.press(greeting, "English")
            _, edit = await emu.wait_for(ALICE, 2)
            assert (edit.edited, edit.text, edit.buttons) == (True, "Đã chọn en", [])
            await emu.wait_for_calls("answerCallbackQuery", 1)
        finally:
            await app.updater.stop()
            await app.stop()
    assert emu.pending_updates == 0


async def test_application_serves_many_users_at_once(emu: BotApiEmulator) -> None:
    app = build_application(emu)
    users = [emu.user(2000 + n, f"User {n}") for n in range(40)]
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await asyncio.gather(*(user.send(f"/start {n}") for n, user in enumerate(users)))
            for n, user in enumerate(users):
                [greeting] = await user.wait_for(1)
                assert greeting.text == f"Xin chào User {n}! {n}"
        finally:
            await app.updater.stop()
            await app.stop()
    assert len(emu.calls("sendMessage", delivered=True)) == len(users)


async def test_latency_delays_every_answer() -> None:
    async with (
        BotApiEmulator(token=TOKEN, latency=0.2) as slow,
        Bot(TOKEN, base_url=slow.base_url) as tg_bot,  # getMe on entering
    ):
        started = time.monotonic()
        await tg_bot.get_me()
        assert time.monotonic() - started >= 0.2


async def test_wait_for_calls(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE, "Alice")

    async def act() -> None:
        await asyncio.sleep(0.05)
        await bot.send_chat_action(ALICE, "typing")

    task = asyncio.create_task(act())
    [call] = await emu.wait_for_calls("sendChatAction", 1)
    await task
    assert (call.chat_id, call.payload["action"]) == (ALICE, "typing")
    with pytest.raises(AssertionError, match="expected at least 2 sendChatAction"):
        await emu.wait_for_calls("sendChatAction", 2, timeout=0.05)
