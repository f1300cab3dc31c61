"""The dispatcher: routing, who may do what, errors undo everything, one update at a time."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import event, select

from bot.context import Context, Deployment
from bot.dispatcher import Dispatcher
from bot.errors import BotError
from bot.i18n import Translator
from bot.messages import Incoming, Outcome
from bot.roles import ADMINS, STAFF
from bot.router import Router
from bot.runtime import Runtime
from db.models import AuditEntry, Dialog, Role, Unit
from db.models import Person as PersonRow
from db.queries import orgs
from tests.conftest import Person
from tests.handlers.test_common import count, issue_code, member, snapshot

GENERIC = "Something went wrong on our side. Nothing was changed; try again."


class NoSuchTask(BotError):
    """A domain error with its own message."""

    def message(self, t: Translator) -> str:
        return t._("This invite code is not valid. Check it and try again.")


async def add_unit_and_audit(ctx: Context) -> None:
    unit = await orgs.add_unit(
        ctx.session, org_id=ctx.org_id, name="Tư pháp", aliases=["TP"], now=ctx.now
    )
    await ctx.audit("unit.created", "unit", unit.id, after={"name": unit.name})
    ctx.reply("added")


async def add_then_fail(ctx: Context) -> None:
    await add_unit_and_audit(ctx)
    ctx.outcome.roles_changed = True
    raise NoSuchTask


async def add_then_plain_bot_error(ctx: Context) -> None:
    await add_unit_and_audit(ctx)
    raise BotError


async def add_then_crash(ctx: Context) -> None:
    await add_unit_and_audit(ctx)
    ctx.outcome.roles_changed = True
    raise RuntimeError("disk on fire")


async def change_language_then_crash(ctx: Context) -> None:
    ctx.person.locale = "en"
    await ctx.start_dialog("flow", "step", {"a": 1})
    raise RuntimeError("half-way")


async def echo(ctx: Context) -> None:
    ctx.reply("args=" + ",".join(ctx.args) + " roles=" + ",".join(sorted(ctx.audiences)))


async def begin(ctx: Context) -> None:
    await ctx.start_dialog("flow", "first", {"n": 0})
    ctx.reply("begun")


async def first_step(ctx: Context) -> None:
    assert ctx.dialog is not None
    await ctx.move_dialog("second", text=ctx.incoming.text)
    ctx.reply("first:" + str(ctx.incoming.text))


async def second_step(ctx: Context) -> None:
    assert ctx.dialog is not None
    data = dict(ctx.dialog.data)
    await ctx.end_dialog()
    ctx.reply(f"second:{data['text']}+{ctx.incoming.text}")


async def count_up(ctx: Context) -> None:
    """Read a number, yield to the database, write it back plus one."""
    n = int(ctx.dialog.data["n"]) if ctx.dialog is not None else 0
    await ctx.session.flush()
    await ctx.session.scalar(select(Dialog.person_id).limit(1))
    await ctx.start_dialog("count", "n", {"n": n + 1})


async def fallback(ctx: Context) -> None:
    ctx.reply("fallback:" + str(ctx.incoming.text))


def make_router(*, with_fallback: bool = True) -> Router:
    router = Router()
    router.command("ok", add_unit_and_audit, description="x")
    router.command("fail", add_then_fail, description="x")
    router.command("plain", add_then_plain_bot_error, description="x")
    router.command("crash", add_then_crash, description="x")
    router.command("half", change_language_then_crash, description="x")
    router.command("echo", echo, description="x")
    router.command("staff", echo, description="x", audiences=STAFF)
    router.command("begin", begin, description="x")
    router.command("count", count_up, description="x")
    router.button("x:echo", echo)
    router.button("x:admin", echo, audiences=ADMINS)
    router.step("flow", "first", first_step)
    router.step("flow", "second", second_step)
    if with_fallback:
        router.fallback(fallback)
    return router


def dispatcher_for(runtime: Runtime, router: Router) -> Dispatcher:
    deployment = Deployment(
        settings=runtime.settings,
        router=router,
        root_org_id=runtime.dispatcher.deployment.root_org_id,
        sealer=runtime.dispatcher.deployment.sealer,
    )
    return Dispatcher(deployment, runtime.sessions, runtime.clock)


def incoming(
    text: str | None = None,
    button: str | None = None,
    user_id: int = 1,
    language: str | None = "en",
) -> Incoming:
    return Incoming(
        channel="test",
        user_id=str(user_id),
        chat_id=str(user_id),
        display_name="Lan",
        language_code=language,
        text=text,
        button=button,
    )


@pytest.fixture
def dispatcher(runtime: Runtime) -> Dispatcher:
    return dispatcher_for(runtime, make_router())


def texts(outcome: Outcome) -> list[str]:
    return [r.text for r in outcome.replies]


async def test_command_runs_and_commits(runtime: Runtime, dispatcher: Dispatcher) -> None:
    outcome = await dispatcher.handle(incoming("/ok"))
    assert texts(outcome) == ["added"]
    assert outcome.locale == "en"
    assert outcome.roles == {"citizen"}
    assert await count(runtime, Unit) == 1
    assert await count(runtime, AuditEntry) == 1


async def test_command_arguments(dispatcher: Dispatcher) -> None:
    outcome = await dispatcher.handle(incoming("/echo  a  b\tc "))
    assert texts(outcome) == ["args=a,b,c roles=citizen"]
    assert texts(await dispatcher.handle(incoming(button="x:echo:1:2"))) == [
        "args=1,2 roles=citizen"
    ]


async def test_domain_error_undoes_the_handlers_writes(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    await dispatcher.handle(incoming("/echo"))
    before = await snapshot(runtime)
    outcome = await dispatcher.handle(incoming("/fail"))
    assert texts(outcome) == ["This invite code is not valid. Check it and try again."]
    assert not outcome.roles_changed
    assert await snapshot(runtime) == before


async def test_plain_domain_error_has_a_default_message(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    outcome = await dispatcher.handle(incoming("/plain", language="vi"))
    assert texts(outcome) == [
        "Thao tác không thành công và không có gì bị thay đổi. Vui lòng thử lại."
    ]
    assert await count(runtime, Unit) == 0


async def test_crash_undoes_the_handlers_writes_and_is_logged(
    runtime: Runtime, dispatcher: Dispatcher, caplog: pytest.LogCaptureFixture
) -> None:
    await dispatcher.handle(incoming("/echo"))
    before = await snapshot(runtime)
    with caplog.at_level(logging.ERROR, logger="bot.dispatcher"):
        outcome = await dispatcher.handle(incoming("/crash"))
    assert texts(outcome) == [GENERIC]
    assert not outcome.roles_changed
    assert await snapshot(runtime) == before
    (record,) = [r for r in caplog.records if r.name == "bot.dispatcher"]
    assert "add_then_crash" in record.getMessage()
    assert record.exc_info is not None
    assert "disk on fire" in str(record.exc_info[1])


async def test_crash_undoes_unflushed_changes(runtime: Runtime, dispatcher: Dispatcher) -> None:
    await dispatcher.handle(incoming("/echo", language="vi"))
    before = await snapshot(runtime)
    outcome = await dispatcher.handle(incoming("/half", language="vi"))
    assert texts(outcome) == ["Hệ thống gặp sự cố. Không có gì bị thay đổi; vui lòng thử lại."]
    assert outcome.locale == "vi"
    assert await snapshot(runtime) == before
    async with runtime.sessions() as session:
        assert await session.scalar(select(PersonRow.locale)) is None


async def test_the_next_update_works_after_a_crash(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    await dispatcher.handle(incoming("/crash"))
    assert texts(await dispatcher.handle(incoming("/ok"))) == ["added"]
    assert await count(runtime, Unit) == 1


async def test_unknown_command_and_button(dispatcher: Dispatcher) -> None:
    assert texts(await dispatcher.handle(incoming("/nope"))) == [
        "I do not know that command. Send /help to see what I can do."
    ]
    assert texts(await dispatcher.handle(incoming(button="x:nope:1"))) == [
        "This button is no longer valid. Nothing was changed."
    ]


async def test_audiences_are_checked(runtime: Runtime, dispatcher: Dispatcher) -> None:
    assert texts(await dispatcher.handle(incoming("/staff"))) == [
        "You are not allowed to use this command."
    ]
    assert texts(await dispatcher.handle(incoming(button="x:admin", language="vi"))) == [
        "Nút này không dành cho bạn. Không có gì bị thay đổi."
    ]
    leader = Person(runtime, 1, "Lan", "en")
    await leader.say(f"/start {await issue_code(runtime, Role.LEADER)}")
    assert texts(await dispatcher.handle(incoming("/staff"))) == ["args= roles=citizen,leader"]
    assert texts(await dispatcher.handle(incoming(button="x:admin"))) == [
        "This button is not for you. Nothing was changed."
    ]


async def test_dialog_steps_and_fallback(dispatcher: Dispatcher) -> None:
    assert texts(await dispatcher.handle(incoming("hello"))) == ["fallback:hello"]
    assert texts(await dispatcher.handle(incoming("/begin"))) == ["begun"]
    assert texts(await dispatcher.handle(incoming("one"))) == ["first:one"]
    # A command in the middle of a dialog is a command, and the dialog waits.
    assert texts(await dispatcher.handle(incoming("/echo x"))) == ["args=x roles=citizen"]
    assert texts(await dispatcher.handle(incoming("two"))) == ["second:one+two"]
    assert texts(await dispatcher.handle(incoming("three"))) == ["fallback:three"]


async def test_dialog_at_an_unregistered_step_falls_back(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    await dispatcher.handle(incoming("/count"))
    assert await count(runtime, Dialog) == 1
    assert texts(await dispatcher.handle(incoming("text"))) == ["fallback:text"]


async def test_without_fallback_unclaimed_text_gets_no_reply(runtime: Runtime) -> None:
    dispatcher = dispatcher_for(runtime, make_router(with_fallback=False))
    outcome = await dispatcher.handle(incoming("hello"))
    assert outcome.replies == []
    assert outcome.roles == {"citizen"}


async def test_locale_comes_from_the_person_then_the_client_then_the_default(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    assert (await dispatcher.handle(incoming("/echo", language=None))).locale == "vi"
    assert (await dispatcher.handle(incoming("/echo", language="en-GB"))).locale == "en"
    assert (await dispatcher.handle(incoming("/echo", language="ja"))).locale == "vi"
    await Person(runtime, 1, "Lan", "vi").press("lang:set:en")
    assert (await dispatcher.handle(incoming("/echo", language="vi"))).locale == "en"


async def test_one_persons_updates_run_one_at_a_time(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    await asyncio.gather(*(dispatcher.handle(incoming("/count")) for _ in range(20)))
    async with runtime.sessions() as session:
        dialog = await session.scalar(select(Dialog))
    assert dialog is not None
    assert dialog.data["n"] == 20


async def test_many_people_at_once(runtime: Runtime, dispatcher: Dispatcher) -> None:
    outcomes = await asyncio.gather(
        *(dispatcher.handle(incoming("/count", user_id=100 + n)) for n in range(20))
    )
    assert all(o.replies == [] for o in outcomes)
    assert await count(runtime, Dialog) == 20
    assert await count(runtime, PersonRow) == 20


async def test_roles_changed_is_reported_for_language_and_roles(runtime: Runtime) -> None:
    minh = await member(runtime, None, user_id=5, name="Minh")
    outcome = await minh.press("lang:set:vi")
    assert outcome.roles_changed
    assert outcome.roles == {"citizen"}
    outcome = await minh.say(f"/start {await issue_code(runtime, Role.ADMIN)}")
    assert outcome.roles_changed
    assert outcome.roles == {"citizen", "admin"}
    assert not (await minh.say("/help")).roles_changed


async def test_a_usual_update_writes_nothing(runtime: Runtime, dispatcher: Dispatcher) -> None:
    await dispatcher.handle(incoming("/echo"))
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", seen)
    try:
        assert texts(await dispatcher.handle(incoming("/echo"))) == ["args= roles=citizen"]
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", seen)
    assert statements
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements)
    assert statements.count("SELECT") == 1  # the person, roles and dialog together


async def test_a_read_only_update_does_not_wait_for_a_writer(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    await dispatcher.handle(incoming("/echo"))
    async with runtime.sessions.begin() as writer:
        await orgs.add_unit(
            writer,
            org_id=runtime.dispatcher.deployment.root_org_id,
            name="Văn hóa",
            aliases=[],
            now=runtime.clock.now(),
        )
        # SQLite's busy timeout is 30 s: a reader queued behind the writer would time out here.
        outcome = await asyncio.wait_for(dispatcher.handle(incoming("/echo")), 10)
    assert texts(outcome) == ["args= roles=citizen"]


async def test_an_update_whose_snapshot_went_stale_runs_again(runtime: Runtime) -> None:
    attempts: list[int] = []

    async def read_then_write(ctx: Context) -> None:
        attempts.append(len(await orgs.unit_directory(ctx.session, ctx.org_id)))
        if len(attempts) == 1:  # another writer commits between this read and the write
            async with runtime.sessions.begin() as other:
                await orgs.add_unit(
                    other, org_id=ctx.org_id, name="Văn hóa", aliases=[], now=ctx.now
                )
        await add_unit_and_audit(ctx)

    router = make_router()
    router.command("stale", read_then_write, description="x")
    dispatcher = dispatcher_for(runtime, router)
    await dispatcher.handle(incoming("/echo"))
    assert texts(await dispatcher.handle(incoming("/stale"))) == ["added"]
    async with runtime.sessions() as session:
        names = set(await session.scalars(select(Unit.name)))
    assert names == {"Văn hóa", "Tư pháp"}
    # SQLite refuses a write on a stale snapshot, so the update ran again and saw the new
    # unit; PostgreSQL lets it write in place.
    sqlite = runtime.engine.dialect.name == "sqlite"
    assert attempts == ([0, 1] if sqlite else [0])
