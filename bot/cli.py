"""The command line: run the bot, chat in the console, issue invites, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleChat, ConsoleSender
from bot.clock import SystemClock
from bot.dates import DateInputError, parse_date
from bot.invites import deep_link
from bot.logs import configure_logging
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings, SettingsError, load_settings
from db import migrate
from db.engine import create_engine
from db.models import Role
from db.queries import audit, calendar, cases, invites, orgs
from jobs.scheduler import build_scheduler

log = logging.getLogger("bot")

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


class CliError(Exception):
    """A command-line request that cannot be carried out; its text is shown as is."""


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


async def _serve(runtime: Runtime, console: bool) -> None:
    scheduler = build_scheduler(runtime)
    scheduler.start()
    try:
        if console or runtime.settings.telegram_token is None:
            if not console:
                log.info("no TELEGRAM_BOT_TOKEN set: starting the console chat")
            runtime.senders[CONSOLE] = ConsoleSender(sys.stdout)
            log.info("ready: console chat on %s", runtime.engine.url.render_as_string())
            await ConsoleChat(runtime.dispatcher, sys.stdin, sys.stdout).run()
        else:
            from bot.channels.telegram import run_telegram

            await run_telegram(runtime, _stop_event())
    finally:
        scheduler.shutdown(wait=False)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot: on Telegram with a token, else the console chat."""
    async with open_runtime(settings) as runtime:
        await _serve(runtime, console=False)
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
            unit = await orgs.unit_by_name(session, org_id, args.unit)
            if unit is None:
                raise CliError(f"no unit called {args.unit!r} (add it with `units add`)")
            unit_id = unit.id
        now = clock.now()
        invite, code = await invites.create_invite(
            session,
            org_id=org_id,
            role=role,
            unit_id=unit_id,
            created_by=None,
            now=now,
            ttl=timedelta(days=args.ttl_days or settings.invite_ttl_days),
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
        print(f"Invite for role {role.value}; expires {invite.expires_at:%Y-%m-%d %H:%M} UTC.")
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


async def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Check the audit trail's hash chain."""
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        count, broken = await audit.verify(session)
    if broken is not None:
        print(f"audit chain BROKEN at entry {broken.entry_id} ({broken.reason}); {count} ok before")
        return 1
    print(f"audit chain ok: {count} entries")
    return 0


async def cmd_units(args: argparse.Namespace, settings: Settings) -> int:
    """List or add units of an organization."""
    clock = SystemClock()
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        org_id = await _org_id(session, runtime, args.org)
        if args.units_command == "add":
            name = " ".join(args.name.split())
            if not name or await orgs.unit_by_name(session, org_id, name) is not None:
                raise CliError(f"a unit called {name!r} exists already or the name is empty")
            unit = await orgs.add_unit(
                session, org_id=org_id, name=name, aliases=args.alias, now=clock.now()
            )
            await _audit(
                session,
                clock,
                org_id=org_id,
                action="unit.created",
                entity="unit",
                entity_id=unit.id,
                after={"name": name, "aliases": list(args.alias)},
            )
            print(f"added unit {unit.id}: {name}")
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


async def cmd_import_plan(args: argparse.Namespace, settings: Settings) -> int:
    """Read a plan file and store its tasks (or preview them with --dry-run / --json)."""
    from bot.i18n import Translator
    from bot.plans import PlanImportError, parse_plan, render_preview, to_json
    from bot.plans.importer import content_hash, import_plan
    from bot.plans.summary import render_report
    from bot.reminders.scheduling import replan
    from bot.timeframes import parse_timeframe

    path = Path(args.file)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    t = Translator(settings.default_locale, settings.tz)
    clock = SystemClock()
    async with open_runtime(settings, clock) as runtime, runtime.sessions() as session:
        org_id = await _org_id(session, runtime, args.org)
        directory = await orgs.unit_directory(session, org_id)
        try:
            plan = await asyncio.to_thread(parse_plan, path, year=args.year, directory=directory)
        except PlanImportError as exc:
            raise CliError(exc.message(t)) from None
        report = await import_plan(
            session,
            org_id=org_id,
            plan=plan,
            data_hash=content_hash(data),
            actor_id=None,
            now=clock.now(),
            dry_run=args.dry_run or args.json,
        )
        if args.json:
            print(json.dumps(to_json(plan, parse_timeframe), ensure_ascii=False, indent=2))
            return 0
        if args.dry_run:
            print(render_preview(plan, t))
            print()
            print(render_report(report, t))
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
            f"{line.send_at:%Y-%m-%d %H:%M}\t{line.person}\t{line.unit or '-'}\t"
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
    from handlers.cases import feedback_qr

    if not settings.telegram_bot_username:
        raise CliError("set TELEGRAM_BOT_USERNAME so the link can be made")
    png = feedback_qr(settings.telegram_bot_username)
    await asyncio.to_thread(Path(args.out).write_bytes, png)
    print(f"wrote {args.out} ({len(png)} bytes)")
    return 0


async def cmd_export_public(args: argparse.Namespace, settings: Settings) -> int:
    """Export the published questions and answers (no identities) for the web portal."""
    import csv
    import io

    from bot.feedback.catalog import topic_label
    from bot.i18n import Translator

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
    from bot.i18n import Translator
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
        payload: bytes = json.dumps(data, ensure_ascii=False, indent=2).encode()
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

    sub.add_parser("run", help="run the bot (Telegram with a token, else the console chat)")
    sub.add_parser("chat", help="chat with the bot in this terminal")

    invite = sub.add_parser("invite", help="print a one-time invite code")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--unit", help="the unit of an official (name or alias)")
    invite.add_argument("--org", help="organization name (default: the first one)")
    invite.add_argument("--ttl-days", type=int, help="days before the code expires")

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
    aud_sub.add_parser("verify", help="check the hash chain")

    units = sub.add_parser("units", help="units of an organization")
    units.add_argument("--org", help="organization name (default: the first one)")
    units_sub = units.add_subparsers(dest="units_command", required=True, metavar="ACTION")
    units_sub.add_parser("list", help="list units")
    add = units_sub.add_parser("add", help="add a unit")
    add.add_argument("name")
    add.add_argument("--alias", action="append", default=[], help="another name (repeatable)")

    org = sub.add_parser("org", help="organizations")
    org_sub = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    org_sub.add_parser("list", help="list organizations")
    org_add = org_sub.add_parser("add", help="add an organization")
    org_add.add_argument("name")
    org_add.add_argument("--level", default="commune", choices=["province", "district", "commune"])
    org_add.add_argument("--parent", help="name of the parent organization")

    imp = sub.add_parser("import-plan", help="import a plan's task table (.docx, .xlsx, .csv)")
    imp.add_argument("file")
    imp.add_argument("--org", help="organization name (default: the first one)")
    imp.add_argument("--year", type=int, help="the plan year (default: read from the file)")
    imp.add_argument("--dry-run", action="store_true", help="change nothing; print a preview")
    imp.add_argument("--json", action="store_true", help="change nothing; print the tasks as JSON")

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

    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(dest="i18n_command", required=True, metavar="ACTION")
    i18n_sub.add_parser("update", help="extract messages and merge them into the catalogs")
    i18n_sub.add_parser("check", help="list messages missing from a catalog")
    i18n_sub.add_parser("compile", help="write .mo files")
    return parser


COMMANDS: dict[str, Command] = {
    "run": cmd_run,
    "chat": cmd_chat,
    "invite": cmd_invite,
    "db": cmd_db,
    "audit": cmd_audit,
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
    configure_logging(settings.log_level)
    try:
        return asyncio.run(COMMANDS[command](args, settings))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
