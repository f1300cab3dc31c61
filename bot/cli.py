"""The command line: run the bot, chat in the console, issue invites, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import cli_ops, invites
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleChat, ConsoleSender
from bot.clock import SystemClock
from bot.dates import EARLIEST, LATEST, DateInputError, DateOutOfRange, parse_date
from bot.errors import BotError
from bot.i18n import Translator
from bot.invites import deep_link
from bot.logs import configure_logging
from bot.plans.mapping import MAPPING_TARGETS, TARGET_LABELS, Choice, Question
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings, SettingsError, load_settings
from bot.startup import StartupRefused
from db import migrate
from db.engine import create_engine
from db.models import Role, Unit
from db.queries import audit, calendar, cases, orgs
from jobs.scheduler import build_scheduler

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("bot")

CONSOLE_LOG = Path("data/bot.log")

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


class CliError(Exception):
    """A command-line request that cannot be carried out; its text is shown as is."""


def _ttl_days(raw: str) -> int:
    """An invite's lifetime in days: a code that is born expired helps nobody."""
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 365:
        raise argparse.ArgumentTypeError(f"must be a whole number of days from 1 to 365: {raw!r}")
    return int(raw)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _org_id(session: AsyncSession, runtime: Runtime, name: str | None) -> int:
    """The organization named on the command line, or the first one."""
    if not name:
        return runtime.dispatcher.deployment.root_org_id
    org = await orgs.org_by_name(session, name)
    if org is None:
        raise CliError(f"no organization called {name!r} (see `org list`)")
    return org.id


async def _audit(
    session: AsyncSession,
    clock: SystemClock,
    *,
    org_id: int | None,
    action: str,
    entity: str,
    entity_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record an operator's change made from the command line."""
    await audit.record(
        session,
        at=clock.now(),
        actor_id=None,
        org_id=org_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after={**(after or {})},
    )


def serving_scheduler(runtime: Runtime, workers: int) -> AsyncIOScheduler | None:
    """The jobs the process serving HTTP runs itself when it has ``workers`` inbox workers.

    With workers the first one runs the jobs, off the event loop that answers webhooks;
    only a polled Telegram's sender lives here alone, so the outbox sweep stays for it.
    """
    if workers == 0:
        return build_scheduler(runtime)
    if runtime.settings.telegram_polls:
        return build_scheduler(runtime, only_sweep=True)
    return None


async def _serve(runtime: Runtime, console: bool) -> None:
    from bot.serving import has_channels, run_bot

    settings = runtime.settings
    chat = console or not has_channels(runtime)
    workers = 0 if chat or not settings.inbox_channels else settings.inbox_workers
    scheduler = serving_scheduler(runtime, workers)
    if scheduler is not None:
        scheduler.start()
    try:
        if chat:
            if not console:
                log.info("no channel configured (Telegram, Zalo): starting the console chat")
            runtime.senders[CONSOLE] = ConsoleSender(runtime, sys.stdout)
            log.info("ready: console chat on %s", runtime.engine.url.render_as_string())
            await ConsoleChat(runtime, sys.stdin, sys.stdout).run()
        else:
            from bot.http.server import HttpServerError

            try:
                await run_bot(runtime, _stop_event(), workers)
            except HttpServerError as exc:
                raise CliError(f"{exc} (set BOT_HTTP_HOST / BOT_HTTP_PORT)") from None
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot on every configured channel (Telegram, Zalo), else the console chat."""
    async with open_runtime(settings) as runtime:
        await _serve(runtime, console=False)
    return 0


async def cmd_inbox_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Handle stored webhook events (``run`` starts these; more may run on other machines)."""
    from bot.inbox import collector
    from bot.inbox.processes import die_with_parent, run_as_batch, watch_parent
    from bot.serving import run_handlers

    if args.parent is not None and not die_with_parent(args.parent):
        return 0
    run_as_batch()
    stop = _stop_event()
    async with open_runtime(settings) as runtime:
        collector.install(runtime.engine)
        scheduler = build_scheduler(runtime) if args.jobs else None
        if scheduler is not None:
            scheduler.start()
        watching = None
        if args.parent is not None:
            watching = asyncio.create_task(watch_parent(args.parent, stop))
        try:
            await run_handlers(runtime, stop)
        finally:
            stop.set()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if watching is not None:
                await watching
    return 0


async def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Chat with the bot in this terminal."""
    async with open_runtime(settings) as runtime:
        await _serve(runtime, console=True)
    return 0


async def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    """Print a one-time invite code (the code is the last line)."""
    role = Role(args.role)
    if role is Role.OFFICIAL and not args.unit:
        raise CliError("--unit is required for --role official")
    clock = SystemClock()
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        org_id = await _org_id(session, runtime, args.org)
        unit_id = None
        if args.unit:
            unit_id = (await _find_unit(session, org_id, args.unit)).id
        now = clock.now()
        invite, code = await invites.create_invite(
            session,
            org_id=org_id,
            role=role,
            unit_id=unit_id,
            created_by=None,
            now=now,
            ttl=timedelta(
                days=settings.invite_ttl_days if args.ttl_days is None else args.ttl_days
            ),
        )
        await _audit(
            session,
            clock,
            org_id=org_id,
            action="invite.created",
            entity="invite",
            entity_id=invite.id,
            after={"role": role.value, "unit_id": unit_id},
        )
        expires = invite.expires_at.astimezone(settings.tz)
        print(
            f"Invite for role {role.value}; expires {expires:%Y-%m-%d %H:%M} ({settings.timezone})."
        )
        print(f"Send to the bot: /start {code}")
        if settings.telegram_bot_username:
            print(deep_link(settings.telegram_bot_username, code))
        print(code)
    return 0


async def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """Apply, inspect or create migrations."""
    engine = create_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            await migrate.upgrade(engine, args.revision, timezone=settings.timezone)
            print(f"database at {args.revision}")
        elif args.db_command == "downgrade":
            await migrate.downgrade(engine, args.revision)
            print(f"database at {args.revision}")
        elif args.db_command == "current":
            print("up to date" if await migrate.is_current(engine) else "migrations pending")
        else:
            await migrate.revision(engine, args.message)
    finally:
        await engine.dispose()
    return 0


async def _find_unit(session: AsyncSession, org_id: int, name: str) -> Unit:
    from bot.units import find_unit

    return await find_unit(session, org_id, name)


async def cmd_units(args: argparse.Namespace, settings: Settings) -> int:
    """List units or add, rename, merge, delete one, or give it aliases."""
    from bot import units

    clock = SystemClock()
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        org_id = await _org_id(session, runtime, args.org)
        actor = units.Actor(org_id, None, clock.now())
        command = args.units_command
        if command == "add":
            added = await units.add_unit(session, actor, args.name, args.alias)
            print(f"added unit {added.unit_id}: {added.name}")
        elif command == "alias":
            unit = await _find_unit(session, org_id, args.name)
            aliased = await units.add_aliases(session, actor, unit, args.aliases)
            print(f"{aliased.name}: added {len(aliased.added)} aliases")
        elif command == "rename":
            unit = await _find_unit(session, org_id, args.name)
            renamed = await units.rename_unit(session, actor, unit, args.new_name)
            print(f"renamed unit {renamed.unit_id}: {renamed.old_name} -> {renamed.name}")
        elif command == "merge":
            source = await _find_unit(session, org_id, args.source)
            target = await _find_unit(session, org_id, args.target)
            merged = await units.merge_units(session, actor, source, target)
            moved = ", ".join(f"{n} {what}" for what, n in merged.moved.items())
            print(f"merged {merged.source_name} into {merged.target_name}: moved {moved}")
        elif command == "delete":
            unit = await _find_unit(session, org_id, args.name)
            deleted = await units.delete_unit(session, actor, unit)
            print(f"deleted unit {deleted.unit_id}: {deleted.name}")
        else:
            for unit in await orgs.list_units(session, org_id):
                aliases = ", ".join(a.alias for a in unit.aliases)
                print(f"{unit.id}\t{unit.name}\t{aliases}")
    return 0


async def cmd_org(args: argparse.Namespace, settings: Settings) -> int:
    """List organizations or add one under a parent (province → district → commune)."""
    clock = SystemClock()
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        if args.org_command == "add":
            parent_id = None
            if args.parent:
                parent = await orgs.org_by_name(session, args.parent)
                if parent is None:
                    raise CliError(f"no organization called {args.parent!r}")
                parent_id = parent.id
            org = await orgs.add_org(
                session, name=args.name, level=args.level, parent_id=parent_id, now=clock.now()
            )
            print(f"added organization {org.id}: {org.name}")
        elif args.org_command == "rename":
            from bot.orgs import rename_org

            org_id = await _org_id(session, runtime, args.org)
            renamed = await rename_org(
                session, org_id=org_id, name=args.name, actor_id=None, now=clock.now()
            )
            print(f"renamed organization {renamed.org_id}: {renamed.old_name} -> {renamed.name}")
        else:
            for org in await orgs.list_orgs(session):
                print(f"{org.id}\t{org.level}\t{org.name}\tparent={org.parent_id or '-'}")
    return 0


async def cmd_calendar(args: argparse.Namespace, settings: Settings) -> int:
    """List or change the local working-day overrides."""
    clock = SystemClock()
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        if args.calendar_command == "list":
            for override in await calendar.list_overrides(session):
                kind = "working day" if override.working else "day off"
                print(f"{override.day.isoformat()}\t{kind}\t{override.note}")
            return 0
        try:
            day = parse_date(args.date)
        except DateInputError:
            raise CliError(f"not a date: {args.date!r} (use DD/MM/YYYY or YYYY-MM-DD)") from None
        if args.calendar_command == "clear":
            found = await calendar.clear_override(session, day)
            print(f"{day.isoformat()}: {'cleared' if found else 'had no override'}")
            if found:
                await _audit(
                    session,
                    clock,
                    org_id=None,
                    action="calendar.cleared",
                    entity="calendar",
                    entity_id=day.isoformat(),
                )
            return 0
        working = args.calendar_command == "workday"
        _, before = await calendar.set_override(
            session, day=day, working=working, note=args.note, actor_id=None, now=clock.now()
        )
        await _audit(
            session,
            clock,
            org_id=None,
            action="calendar.set",
            entity="calendar",
            entity_id=day.isoformat(),
            before=None if before is None else {"working": before},
            after={"working": working, "note": args.note},
        )
        print(f"{day.isoformat()}: {'working day' if working else 'day off'}")
    return 0


_CHOICE_WORDS = ("new", "committee", "outside", "villages")


def _split_map(item: str) -> tuple[str, str]:
    name, sep, target = item.rpartition("=")
    if not sep or not name.strip() or not target.strip():
        raise CliError(f"expected --map NAME=UNIT, got {item!r}")
    return name.strip(), target.strip()


async def _choice_of(session: AsyncSession, org_id: int, target: str) -> Choice:
    """A ``--map`` target: a unit's name, or new, committee, outside, villages."""
    from bot.plans.mapping import TARGET_WORDS, Choice, Target

    word = target.lower()
    if word in TARGET_WORDS:
        return Choice(TARGET_WORDS[word])
    return Choice(Target.UNIT, (await _find_unit(session, org_id, target)).id)


async def _ask(
    session: AsyncSession,
    org_id: int,
    question: Question,
    unit_names: dict[int, str],
    t: Translator,
) -> Choice:
    """Ask on the terminal where one name's tasks go, until the answer is usable."""
    from bot.plans.mapping import Choice, Target
    from bot.plans.summary import describe_question
    from bot.units import UnitError

    options: list[tuple[Target, int | None]] = [
        (Target.UNIT, i) for i in question.candidates if i in unit_names
    ]
    options += [(target, None) for target in MAPPING_TARGETS]
    print(describe_question(question, unit_names, t))
    for number, (target, unit_id) in enumerate(options, start=1):
        label = unit_names[unit_id] if unit_id is not None else t._(TARGET_LABELS[target])
        print(f"  [{number}] {label}")
    while True:
        answer = (
            await asyncio.to_thread(input, t._("Number, or an existing unit's name: "))
        ).strip()
        if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(options):
            target, unit_id = options[int(answer) - 1]
            return Choice(target, unit_id)
        if answer:
            try:
                return Choice(Target.UNIT, (await _find_unit(session, org_id, answer)).id)
            except UnitError as exc:
                print(exc.message(t))


@asynccontextmanager
async def frozen_heap() -> AsyncIterator[None]:
    """Keep the garbage collector out of a heavy command's way while it works.

    What start-up made (modules, mappers, migration scripts) outlives the command, yet each
    full collection walked it again: a tenth to a fifth of a 2,000-task import. It is frozen,
    and the collector paused: what the command makes is bounded by the file limits and lives
    until it ends anyway. Both are given back afterwards, so a process that goes on (tests)
    collects as before.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


async def cmd_import_plan(args: argparse.Namespace, settings: Settings) -> int:
    """Read a plan file and store its tasks (or preview them with --dry-run / --json)."""
    from bot.plans import MAX_BYTES, FileTooLarge, PlanImportError, render_preview, to_json
    from bot.plans.importer import content_hash, import_plan
    from bot.plans.mapping import UnmappedUnits, find_question, unit_questions
    from bot.plans.summary import render_questions, render_report
    from bot.plans.worker import start_parse
    from bot.reminders.scheduling import replan
    from bot.timeframes import parse_timeframe

    path = Path(args.file)
    t = Translator(settings.default_locale, settings.tz)
    if args.year is not None and not EARLIEST.year <= args.year <= LATEST.year:
        raise CliError(DateOutOfRange(str(args.year)).message(t))
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
        if size > MAX_BYTES:
            raise CliError(FileTooLarge(path.name, size, MAX_BYTES).message(t))
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    clock = SystemClock()
    async with (
        # The bounded child starts and parses while this process opens the database; it
        # waits for the unit directory only to flag the plan's units.
        start_parse(path, year=args.year) as parsing,
        open_runtime(settings, clock) as runtime,
        runtime.sessions() as session,
        frozen_heap(),
    ):
        org_id = await _org_id(session, runtime, args.org)
        directory = await orgs.unit_directory(session, org_id)
        try:
            plan = await parsing.plan(directory)
        except PlanImportError as exc:
            raise CliError(exc.message(t)) from None
        questions = unit_questions(plan, directory)
        mapping: dict[str, Choice] = {}
        rest: Choice | None = None
        for item in args.map:
            name, target = _split_map(item)
            choice = await _choice_of(session, org_id, target)
            question = find_question(questions, name)
            if name == "*":
                rest = choice
            elif question is None:
                print(f"note: --map {name!r}: the plan needs no answer for it", file=sys.stderr)
            else:
                mapping[question.key] = choice
        if rest is not None:
            # "*" answers every name no other --map names.
            mapping = {q.key: rest for q in questions} | mapping
        unit_names = {u.id: u.name for u in await orgs.list_units(session, org_id)}
        open_questions = [q for q in questions if q.key not in mapping]
        preview_only = args.dry_run or args.json
        if open_questions and not preview_only and sys.stdin.isatty():
            for question in open_questions:
                mapping[question.key] = await _ask(session, org_id, question, unit_names, t)
            open_questions = []
        if open_questions and not preview_only:
            print(render_questions(open_questions, unit_names, t), file=sys.stderr)
            print(
                "answer with --map NAME=UNIT (a unit's name, new, committee, outside or "
                "villages), or run in a terminal to be asked",
                file=sys.stderr,
            )
            raise UnmappedUnits([q.name for q in open_questions])
        report = await import_plan(
            session,
            org_id=org_id,
            plan=plan,
            data_hash=content_hash(data),
            actor_id=None,
            now=clock.now(),
            dry_run=preview_only,
            mapping=mapping,
        )
        if args.json:
            print(json.dumps(to_json(plan, parse_timeframe), ensure_ascii=False, indent=2))
            return 0
        if args.dry_run:
            print(render_preview(plan, t))
            print()
            print(render_report(report, t))
            if open_questions:
                print()
                print(render_questions(open_questions, unit_names, t))
            return 0
        await replan(session, org_id=org_id, now=clock.now(), tz=settings.tz)
        await session.commit()
        print(render_report(report, t))
    return 0


async def cmd_reminders(args: argparse.Namespace, settings: Settings) -> int:
    """List what the reminders will send in a window, sending nothing."""
    from bot.reminders.scheduling import preview

    try:
        start, end = parse_date(args.start), parse_date(args.end)
    except DateInputError as exc:
        raise CliError(f"not a date: {exc.text!r} (use DD/MM/YYYY or YYYY-MM-DD)") from None
    if end < start:
        raise CliError("--to is before --from")
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        org_id = await _org_id(session, runtime, args.org)
        lines = await preview(session, org_id=org_id, tz=settings.tz, start=start, end=end)
    if args.json:
        print(json.dumps([line.to_json() for line in lines], ensure_ascii=False, indent=2))
        return 0
    for line in lines:
        print(
            f"{line.send_at.astimezone(settings.tz):%Y-%m-%d %H:%M}\t{line.person}\t"
            f"{line.unit or '-'}\t"
            f"{line.task or '-'}\t{line.step}"
        )
    return 0


async def cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    """Show or change an organization's reminder policy."""
    from bot.reminders.policy import PolicyError, policy_from

    clock = SystemClock()
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        org_id = await _org_id(session, runtime, args.org)
        stored = await orgs.org_policy(session, org_id)
        if args.policy_command == "set":
            changes = dict(stored or {})
            for item in args.values:
                key, sep, raw = item.partition("=")
                if not sep:
                    raise CliError(f"expected KEY=VALUE, got {item!r}")
                try:
                    changes[key.strip()] = json.loads(raw)
                except json.JSONDecodeError:
                    changes[key.strip()] = raw.strip()
            try:
                policy_from(changes)
            except PolicyError as exc:
                raise CliError(f"policy {exc}") from None
            await orgs.set_org_policy(session, org_id, changes)
            await _audit(
                session,
                clock,
                org_id=org_id,
                action="policy.set",
                entity="organization",
                entity_id=org_id,
                before=stored,
                after=changes,
            )
            stored = changes
        print(json.dumps(policy_from(stored).to_json(), indent=2))
    return 0


async def cmd_qr(args: argparse.Namespace, settings: Settings) -> int:
    """Write the PNG QR code of the bot's feedback link."""
    from bot.feedback.links import feedback_link, feedback_qr

    link = feedback_link(settings.public_url, settings.telegram_bot_username)
    if link is None:
        raise CliError("set BOT_PUBLIC_URL or TELEGRAM_BOT_USERNAME so the link can be made")
    png = feedback_qr(link)
    await asyncio.to_thread(Path(args.out).write_bytes, png)
    print(f"wrote {args.out} ({len(png)} bytes) opening {link}")
    return 0


async def cmd_apikey(args: argparse.Namespace, settings: Settings) -> int:
    """Issue or revoke a key another system uses with the Open311 API."""
    from bot.apikeys import BadKeyName, issue_key, revoke_key

    clock = SystemClock()
    async with open_runtime(settings) as runtime, runtime.sessions.begin() as session:
        org_id = await _org_id(session, runtime, args.org)
        if args.apikey_command == "add":
            try:
                issued = await issue_key(session, name=args.name, org_id=org_id, now=clock.now())
            except BadKeyName:
                raise CliError(
                    f"a key needs a new name of at most 100 characters, not {args.name!r}"
                ) from None
            print(f"key for {issued.name} (jurisdiction_id {org_id}); shown only now:")
            print(issued.secret)
            return 0
        if not await revoke_key(session, name=args.name, org_id=org_id, now=clock.now()):
            raise CliError(f"no live key called {args.name!r}")
        print(f"revoked the key of {args.name}")
    return 0


async def cmd_export_public(args: argparse.Namespace, settings: Settings) -> int:
    """Export the published questions and answers (no identities) for the web portal."""
    import csv
    import io

    from bot.feedback.catalog import topic_label

    t = Translator(settings.default_locale, settings.tz)
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        org_id = await _org_id(session, runtime, args.org)
        shown = await cases.public_cases(session, org_id, limit=args.limit)
    rows = [
        {
            "code": c.code,
            "topic": topic_label(c.topic, t),
            "question": c.text,
            "answer": c.answer or "",
            "answered_at": c.answered_at.isoformat() if c.answered_at else "",
        }
        for c in shown
    ]
    if args.format == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=["code", "topic", "question", "answer", "answered_at"]
        )
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    if args.out == "-":
        print(text)
    else:
        await asyncio.to_thread(Path(args.out).write_text, text, "utf-8")
        print(f"wrote {len(rows)} answers to {args.out}")
    return 0


async def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Build a period report as JSON figures, an .xlsx, a .docx or a chart."""
    from bot.periods import PeriodError, parse_period
    from bot.reports.charts import render_chart
    from bot.reports.document import render_document
    from bot.reports.figures import figures
    from bot.reports.workbook import render_workbook

    t = Translator(args.lang or settings.default_locale, settings.tz)
    clock = SystemClock()
    today = clock.now().astimezone(settings.tz).date()
    try:
        period = parse_period(args.period, today, closing=args.closing)
    except PeriodError as exc:
        raise CliError(exc.message(t)) from None
    async with open_runtime(settings, clock) as runtime, runtime.sessions() as session:
        org_id = await _org_id(session, runtime, args.org)
        data = await figures(session, org_id=org_id, period=period, as_of=today, tz=settings.tz)
    if args.format == "json":
        payload: bytes = json.dumps(data.to_json(), ensure_ascii=False, indent=2).encode()
    else:
        render = {"xlsx": render_workbook, "docx": render_document, "png": render_chart}
        payload = render[args.format](data, t)
    if args.out in {None, "-"}:
        if args.format != "json":
            raise CliError("--out FILE is required for xlsx, docx and png")
        print(payload.decode())
    else:
        await asyncio.to_thread(Path(args.out).write_bytes, payload)
        print(f"wrote {args.out} ({len(payload)} bytes)")
    return 0


async def cmd_zalo(args: argparse.Namespace, settings: Settings) -> int:
    """Connect the Zalo Official Account, store a token, or show the connection's state."""
    import httpx

    from bot.channels.zalo_oa import CHANNEL as ZALO
    from bot.channels.zalo_oa.channel import token_store
    from bot.channels.zalo_oa.tokens import NotConnected, OAuthRefused, OAuthUnavailable
    from bot.channels.zalo_oa.window import (
        MessageClass,
        month_costs,
        months_between,
    )
    from bot.http.links import public_base
    from db.queries import inbox

    if not settings.zalo_configured:
        raise CliError("set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_SECRET_KEY first")
    async with open_runtime(settings) as runtime, httpx.AsyncClient(timeout=15) as http:
        tokens = token_store(runtime, http)
        if args.zalo_command == "connect":
            callback = f"{public_base(settings)}/zalo/oauth"
            url = await tokens.consent_url(callback)
            print(f"1. In the Zalo app settings, set the callback URL to {callback}")
            print("2. With the bot running, open this link as the OA's admin (valid 10 minutes):")
            print(url)
            return 0
        if args.zalo_command == "token":
            refresh = args.refresh_token
            if refresh == "-":
                refresh = sys.stdin.readline().strip()
            if not refresh or len(refresh) > 2000:
                raise CliError("give the refresh token (or - to read it from standard input)")
            try:
                await tokens.store_refresh_token(refresh)
            except (NotConnected, OAuthRefused, OAuthUnavailable) as exc:
                raise CliError(f"Zalo did not accept the refresh token ({exc})") from None
            status = await tokens.status()
            print(f"Zalo token stored; access token valid until {status.access_expires_at}")
            return 0
        status = await tokens.status()
        today = runtime.clock.now().astimezone(settings.tz).date()
        async with runtime.sessions() as session:
            last = await inbox.last_received(session, ZALO)
            waiting = await inbox.count_open(session, ZALO)
            [month] = await month_costs(session, ZALO, months_between(today, today))
    print(f"connected: {'yes' if status.connected else 'no'}")
    print(f"OA id: {status.account_id or '-'}")
    print(f"access token valid until: {status.access_expires_at or '-'}")
    print(f"last refreshed: {status.refreshed_at or '-'}")
    if status.failure:
        print(f"last failure: {status.failure} (run `python -m bot zalo connect`)")
    print(f"last event received: {last or '-'}")
    print(f"events waiting: {waiting}")
    print(f"quota seen: {json.dumps(status.quota) if status.quota else '-'}")
    counts = ", ".join(f"{c} {month.counts.get(c, 0)}" for c in MessageClass)
    print(f"messages in {month.month}: {counts}")
    print(f"estimated cost in {month.month}: {month.cost} VND (2023 price list, verify)")
    return 0 if status.connected else 1


async def cmd_i18n(args: argparse.Namespace, settings: Settings) -> int:
    """Extract messages into the catalogs, check them or compile them."""
    from bot import catalogs

    if args.i18n_command == "compile":
        for path in catalogs.compile_all():
            print(f"wrote {path}")
        return 0
    problems = catalogs.update() if args.i18n_command == "update" else catalogs.check()
    for lang, missing in problems.items():
        print(f"{lang}: {len(missing)} messages missing or untranslated")
        for message in missing:
            print(f"  {message}")
    return 1 if problems and args.i18n_command == "check" else 0


def build_parser() -> argparse.ArgumentParser:
    """Describe every command and option."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Commune governance bot: PAPI plan tasks, reminders, citizens' feedback.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="run the bot on every configured channel, else the console chat")
    sub.add_parser("chat", help="chat with the bot in this terminal")
    worker = sub.add_parser(
        "inbox-worker", help="only handle stored webhook events (`run` starts its own)"
    )
    worker.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    worker.add_argument(
        "--jobs", action="store_true", help="run the scheduled jobs too (`run` asks its first)"
    )

    invite = sub.add_parser("invite", help="print a one-time invite code")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--unit", help="the unit of an official (name or alias)")
    invite.add_argument("--org", help="organization name (default: the first one)")
    invite.add_argument(
        "--ttl-days", type=_ttl_days, help="days before the code expires (1 to 365)"
    )

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    down = db_sub.add_parser("downgrade", help="undo migrations")
    down.add_argument("revision")
    db_sub.add_parser("current", help="tell whether migrations are pending")
    rev = db_sub.add_parser("revision", help="write a migration from model changes")
    rev.add_argument("-m", "--message", required=True)

    aud = sub.add_parser("audit", help="audit trail")
    aud_sub = aud.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    aud_sub.add_parser(
        "verify", help="check the chain, each entry's signature and the signed checkpoints"
    )
    aud_sub.add_parser("checkpoint", help="write a signed checkpoint of the trail now")

    units = sub.add_parser("units", help="units of an organization")
    units.add_argument("--org", help="organization name (default: the first one)")
    units_sub = units.add_subparsers(dest="units_command", required=True, metavar="ACTION")
    units_sub.add_parser("list", help="list units")
    add = units_sub.add_parser("add", help="add a unit")
    add.add_argument("name")
    add.add_argument("--alias", action="append", default=[], help="another name (repeatable)")
    alias = units_sub.add_parser("alias", help="give a unit other names used in plans")
    alias.add_argument("name", help="the unit (name or alias, loosely matched)")
    alias.add_argument("aliases", nargs="+")
    rename = units_sub.add_parser("rename", help="rename a unit (the old name stays an alias)")
    rename.add_argument("name")
    rename.add_argument("new_name")
    merge = units_sub.add_parser("merge", help="move a unit's tasks, people and cases into another")
    merge.add_argument("source", help="the unit that goes away")
    merge.add_argument("target", help="the unit that stays")
    delete = units_sub.add_parser("delete", help="delete a unit nothing refers to")
    delete.add_argument("name")

    org = sub.add_parser("org", help="organizations")
    org_sub = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    org_sub.add_parser("list", help="list organizations")
    org_add = org_sub.add_parser("add", help="add an organization")
    org_add.add_argument("name")
    org_add.add_argument("--level", default="commune", choices=["province", "district", "commune"])
    org_add.add_argument("--parent", help="name of the parent organization")
    org_rename = org_sub.add_parser("rename", help="give an organization its real name")
    org_rename.add_argument("name", help='the new name, e.g. "UBND xã Hòa An"')
    org_rename.add_argument("--org", help="its current name (default: the first one)")

    imp = sub.add_parser("import-plan", help="import a plan's task table (.docx, .xlsx, .csv)")
    imp.add_argument("file")
    imp.add_argument("--org", help="organization name (default: the first one)")
    imp.add_argument("--year", type=int, help="the plan year (default: read from the file)")
    imp.add_argument("--dry-run", action="store_true", help="change nothing; print a preview")
    imp.add_argument("--json", action="store_true", help="change nothing; print the tasks as JSON")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="NAME=UNIT",
        help="where a unit name of the plan goes: a unit's name, new, committee, outside or "
        "villages; NAME * answers every other name (repeatable; remembered as aliases)",
    )

    rem = sub.add_parser("reminders", help="list what reminders will send (sends nothing)")
    rem.add_argument("--from", dest="start", required=True, help="first day (DD/MM/YYYY)")
    rem.add_argument("--to", dest="end", required=True, help="last day (DD/MM/YYYY)")
    rem.add_argument("--org", help="organization name (default: the first one)")
    rem.add_argument("--json", action="store_true", help="print a JSON list")

    pol = sub.add_parser("policy", help="an organization's reminder policy")
    pol.add_argument("--org", help="organization name (default: the first one)")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    pol_sub.add_parser("show", help="print the policy in force")
    pol_set = pol_sub.add_parser("set", help="change settings, e.g. lead_before=[5,2,1]")
    pol_set.add_argument("values", nargs="+", metavar="KEY=VALUE")

    qr = sub.add_parser("qr", help="write the QR code of the feedback link (PNG)")
    qr.add_argument("--out", default="gop-y-qr.png", help="the PNG file to write")

    key = sub.add_parser("apikey", help="keys for the Open311 API")
    key.add_argument("--org", help="organization name (default: the first one)")
    key_sub = key.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    key_sub.add_parser("add", help="issue a key (printed once)").add_argument("name")
    key_sub.add_parser("revoke", help="stop a key from working").add_argument("name")

    exp = sub.add_parser("export-public", help="export published answers for the web portal")
    exp.add_argument("--out", default="-", help="file to write (default: print)")
    exp.add_argument("--format", choices=["json", "csv"], default="json")
    exp.add_argument("--org", help="organization name (default: the first one)")
    exp.add_argument("--limit", type=int, default=1000)

    rep = sub.add_parser("report", help="a period report (figures as JSON, .xlsx, .docx, .png)")
    rep.add_argument("--period", required=True, help="Q3/2024, 6T/2024, 9T/2024, 2024 or a range")
    rep.add_argument("--format", choices=["json", "xlsx", "docx", "png"], default="json")
    rep.add_argument("--out", help="file to write (json may print)")
    rep.add_argument("--closing", action="store_true", help="figure-closing periods (TT 02/2021)")
    rep.add_argument("--org", help="organization name (default: the first one)")
    rep.add_argument("--lang", choices=["vi", "en"], help="language of the documents")

    cal = sub.add_parser("calendar", help="local working-day calendar")
    cal_sub = cal.add_subparsers(dest="calendar_command", required=True, metavar="ACTION")
    cal_sub.add_parser("list", help="list local overrides")
    for name, what in (("dayoff", "make DATE a day off"), ("workday", "make DATE a working day")):
        change = cal_sub.add_parser(name, help=what)
        change.add_argument("date", help="DD/MM/YYYY or YYYY-MM-DD")
        change.add_argument("--note", default="", help="why (shown to people)")
    clear = cal_sub.add_parser("clear", help="follow the national calendar on DATE again")
    clear.add_argument("date")

    zalo = sub.add_parser("zalo", help="the Zalo Official Account channel")
    zalo_sub = zalo.add_subparsers(dest="zalo_command", required=True, metavar="ACTION")
    zalo_sub.add_parser("connect", help="print the consent link for the OA's admin (PKCE)")
    ztoken = zalo_sub.add_parser("token", help="store a refresh token obtained elsewhere")
    ztoken.add_argument("--refresh-token", required=True, help="the token, or - to read stdin")
    zalo_sub.add_parser("status", help="token expiry, last event, quota seen")

    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(dest="i18n_command", required=True, metavar="ACTION")
    i18n_sub.add_parser("update", help="extract messages and merge them into the catalogs")
    i18n_sub.add_parser("check", help="list messages missing from a catalog")
    i18n_sub.add_parser("compile", help="write .mo files")
    cli_ops.add_parsers(sub)
    return parser


COMMANDS: dict[str, Command] = {
    "run": cmd_run,
    "chat": cmd_chat,
    "invite": cmd_invite,
    "db": cmd_db,
    "audit": cli_ops.cmd_audit,
    "units": cmd_units,
    "org": cmd_org,
    "i18n": cmd_i18n,
    "calendar": cmd_calendar,
    "import-plan": cmd_import_plan,
    "reminders": cmd_reminders,
    "policy": cmd_policy,
    "qr": cmd_qr,
    "report": cmd_report,
    "export-public": cmd_export_public,
    "zalo": cmd_zalo,
    "inbox-worker": cmd_inbox_worker,
    "key": cli_ops.cmd_key,
    "backup": cli_ops.cmd_backup,
    "restore": cli_ops.cmd_restore,
    "apikey": cmd_apikey,
    "tallies": cli_ops.cmd_tallies,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the command; return the exit status."""
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    console = command == "chat" or (command == "run" and not settings.networked)
    log_file = CONSOLE_LOG if console else None
    configure_logging(settings.log_level, log_file)
    if log_file is not None:
        print(f"(log: {log_file})", file=sys.stderr)
    # Everything the bot writes (database, keys, backups, checkpoints) is for its user only.
    os.umask(0o077)
    try:
        return asyncio.run(COMMANDS[command](args, settings))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StartupRefused as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    except BotError as exc:
        t = Translator(settings.default_locale, settings.tz)
        print(f"error: {exc.message(t)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
