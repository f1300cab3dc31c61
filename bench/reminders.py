"""Reminders at scale: planning 10,000 tasks, sweeping a large outbox, sending at Telegram's pace.

Three measurements, each on its own SQLite file in a temporary folder (migrations not timed),
with a ``ManualClock`` on a working day (Tuesday 2024-06-11, Asia/Ho_Chi_Minh):

1. **planning** — an organization with 30 units (one official each), a leader and an admin,
   and 10,000 tasks of a 2024 plan (60 % one date, 25 % quarterly, 10 % monthly, 5 % ongoing;
   1-2 lead units, 0-3 partners), inserted in bulk through the models. Occurrences before
   "today" are 90 % done, 10 % still pending (overdue). Timed at 07:00: the first ``replan`` of
   the organization (rows added, in one transaction with its commit), then the second one,
   which adds nothing: the steady-state cost the hourly planning job pays (median of 3). Then,
   untimed in the figures above, ``load_facts`` and ``plan_window`` alone.
2. **sweep** — N pending outbox rows (core INSERTs in batches) of which D are due now and the
   rest due over the next 90 days, spread over 1,000 people; one ``Sweeper.sweep()`` at 09:00
   with a sender that does nothing. Median of 3 sweeps (the D rows are put back to pending
   between sweeps), for N = 10,000 and N = 1,000,000 with the same D = 500; the ratio large /
   small should stay within 2.
3. **telegram** — 5,000 people, each a user of the Bot API emulator with one due notice; a
   ``Sweeper`` whose sender is ``TelegramSender`` over the application of
   ``build_application`` (its default ``TelegramFloodLimiter``), the emulator enforcing 1
   message/s per chat and 30/s overall. Timed: the sweeps until every notice is delivered;
   reported as messages/s, the fraction of 30/s, and the emulator's flood errors (must be 0).
   This takes ~170 s at full size.

    .venv/bin/python -m bench.reminders [--quick] [--tasks N] [--small N] [--large N] [--due N]
                                        [--people N] [--batch N] [--limiter-rate R]
                                        [--only PART ...]

``--quick``: 300 tasks; 10,000 vs 100,000 rows with 100 due; 150 people.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from sqlalchemy import Table, func, insert, select, update

from bench._support import BOT_USERNAME, TOKEN, emit, log, median, rounded, setup_logging
from bot.channels.flood import FloodControl, Limits
from bot.channels.telegram import TelegramFloodLimiter, TelegramSender, build_application
from bot.clock import ManualClock
from bot.messages import Reply
from bot.reminders.planner import plan_window
from bot.reminders.policy import policy_from
from bot.reminders.scheduling import AHEAD, replan
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.workcal import load_calendar
from db.base import Base
from db.models import (
    Identity,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    Plan,
    Role,
    Task,
    TaskRole,
    TaskState,
    TaskUnit,
)
from db.queries import orgs, people, reminders
from jobs.outbox import Sweeper
from tests.support.botapi import BotApiEmulator

VN: Final = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR: Final = 2024
TODAY: Final = date(2024, 6, 11)  # a Tuesday, a working day
PLAN_AT: Final = datetime.combine(TODAY, dtime(7, 0), tzinfo=VN)
SWEEP_AT: Final = datetime.combine(TODAY, dtime(9, 0), tzinfo=VN)
UNITS: Final = 30
SWEEP_PEOPLE: Final = 1_000
INSERT_BATCH: Final = 20_000
RUNS: Final = 3
TELEGRAM_OVERALL_PER_SECOND: Final = 30.0
FIRST_USER_ID: Final = 800_000
TELEGRAM_TIMEOUT: Final = 1200.0
BLOCKED: Final = {"notice": "blocked", "name": "Nguyễn Văn A", "code": "1.1", "reason": "r"}


def settings(path: Path, **extra: Any) -> Settings:
    """Settings for a bot on a SQLite file (a data key given, so no key file is written)."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        org_name="UBND phường Đo Tốc Độ",
        data_key=Fernet.generate_key().decode(),
        audit_key=secrets.token_urlsafe(32),
        **extra,
    )


@asynccontextmanager
async def timed_phase(name: str) -> AsyncIterator[None]:
    """Log how long a setup phase took."""
    started = time.perf_counter()
    yield
    log.info("%s: %.1f s", name, time.perf_counter() - started)


# -- 1. planning ---------------------------------------------------------------------------


def task_dates(rng: random.Random, kind: str) -> list[date]:
    """The due dates of one generated task of the year."""
    if kind == "once":
        return [date(YEAR, 1, 1) + timedelta(days=rng.randrange(366))]
    day = rng.randint(1, 28)
    months = (3, 6, 9, 12) if kind == "quarterly" else range(1, 13)
    return [date(YEAR, m, day) for m in months]


def generated_tasks(
    rng: random.Random, count: int, plan_id: int, units: Sequence[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of tasks, task units and occurrences (ids given, so they insert in bulk)."""
    tasks: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    occurrences: list[dict[str, Any]] = []
    done_at = datetime.combine(TODAY, dtime(7, 0), tzinfo=VN)
    for i in range(1, count + 1):
        kind = rng.choices(("once", "quarterly", "monthly", "ongoing"), (60, 25, 10, 5))[0]
        tasks.append(
            {
                "id": i,
                "plan_id": plan_id,
                "match_key": f"t:{i}",
                "position": i,
                "code": f"{i // 100 + 1}.{i % 100 + 1}",
                "section": "I",
                "text": f"Nhiệm vụ số {i}: tổ chức thực hiện và báo cáo kết quả",
                "timeframe_text": kind,
                "timeframe_kind": "ongoing" if kind == "ongoing" else kind,
                "offset_working_days": False,
                "flags": {"flags": []},
                "state": TaskState.ACTIVE,
            }
        )
        chosen = rng.sample(list(units), rng.randint(1, 2) + rng.randint(0, 3))
        lead_count = 1 if len(chosen) == 1 else rng.randint(1, 2)
        for position, unit in enumerate(chosen):
            role = TaskRole.LEAD if position < lead_count else TaskRole.PARTNER
            links.append({"task_id": i, "unit_id": unit, "role": role, "position": position})
        if kind == "ongoing":
            continue
        for due in task_dates(rng, kind):
            done = due < TODAY - timedelta(days=1) and rng.random() < 0.9
            occurrences.append(
                {
                    "task_id": i,
                    "planned_date": due,
                    "due_date": due,
                    "status": OccurrenceStatus.DONE if done else OccurrenceStatus.PENDING,
                    "done_at": done_at if done else None,
                }
            )
    return tasks, links, occurrences


async def add_member(
    runtime: Runtime, name: str, user_id: int, role: Role, unit_id: int | None
) -> None:
    """A person reachable on the ``bench`` channel, with one role in the root organization."""
    now = runtime.clock.now()
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel="bench",
            user_id=str(user_id),
            chat_id=str(user_id),
            display_name=name,
            username=None,
            now=now,
        )
        await people.grant_role(
            session,
            person_id=person.id,
            org_id=runtime.dispatcher.deployment.root_org_id,
            role=role,
            unit_id=unit_id,
            now=now,
        )


async def measure_planning(tmp: Path, count: int) -> dict[str, Any]:
    """Time the first and the steady-state ``replan`` of an organization with ``count`` tasks."""
    clock = ManualClock(PLAN_AT)
    async with open_runtime(settings(tmp / "plan.sqlite3"), clock) as runtime:
        org_id = runtime.dispatcher.deployment.root_org_id
        now = clock.now()
        async with timed_phase(f"planning: {count} tasks generated"):
            units: list[int] = []
            async with runtime.sessions.begin() as session:
                for n in range(1, UNITS + 1):
                    unit = await orgs.add_unit(
                        session, org_id=org_id, name=f"Đơn vị số {n}", aliases=[], now=now
                    )
                    units.append(unit.id)
            for n, unit_id in enumerate(units, start=1):
                await add_member(runtime, f"Cán bộ {n}", 1000 + n, Role.OFFICIAL, unit_id)
            await add_member(runtime, "Chủ tịch", 1, Role.LEADER, None)
            await add_member(runtime, "Quản trị", 2, Role.ADMIN, None)
            async with runtime.sessions.begin() as session:
                plan = Plan(
                    org_id=org_id,
                    title="Kế hoạch đo tốc độ",
                    title_key="ke hoach do toc do",
                    year=YEAR,
                    source="bench",
                    content_hash="0" * 64,
                    imported_at=now,
                )
                session.add(plan)
                await session.flush()
                tasks, links, occurrences = generated_tasks(
                    random.Random(YEAR), count, plan.id, units
                )
                await session.execute(insert(Task), tasks)
                await session.execute(insert(TaskUnit), links)
                await session.execute(insert(Occurrence), occurrences)
        pending = sum(1 for o in occurrences if o["status"] == OccurrenceStatus.PENDING)

        async def one_replan() -> tuple[float, int]:
            started = time.perf_counter()
            async with runtime.sessions.begin() as session:
                result = await replan(session, org_id=org_id, now=now, tz=VN)
            return time.perf_counter() - started, result.added + result.revived

        first_s, first_added = await one_replan()
        log.info("planning: first replan %.2f s, %d rows added", first_s, first_added)
        again = [await one_replan() for _ in range(RUNS)]
        again_added = max(added for _, added in again)
        log.info("planning: replan again %s s", [round(s, 3) for s, _ in again])

        async with runtime.sessions() as session:
            started = time.perf_counter()
            facts = await reminders.load_facts(session, org_id)
            load_s = time.perf_counter() - started
            cal = await load_calendar(session)
        started = time.perf_counter()
        planned = plan_window(facts, cal, policy_from(facts.policy), VN, TODAY, TODAY + AHEAD)
        window_s = time.perf_counter() - started
    return {
        "plan_tasks": count,
        "plan_occurrences": len(occurrences),
        "plan_pending_occurrences": pending,
        "plan_units": UNITS,
        "plan_first_replan_s": rounded(first_s, 3),
        "plan_first_rows_added": first_added,
        "plan_again_replan_s": rounded(median(s for s, _ in again), 3),
        "plan_again_rows_added": again_added,
        "plan_load_facts_s": rounded(load_s, 3),
        "plan_window_s": rounded(window_s, 3),
        "plan_window_rows": len(planned),
    }


# -- 2. one sweep over a large outbox --------------------------------------------------------


def table(model: type[Base]) -> Table:
    """The Core table of a model (for executemany of plain INSERTs)."""
    return model.metadata.tables[model.__tablename__]


class NullSender:
    """A channel that delivers instantly and keeps nothing but a count."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Count the message."""
        self.sent += 1


def batches(
    rows: Iterator[dict[str, Any]], size: int = INSERT_BATCH
) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of ``size``."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def add_people(runtime: Runtime, count: int, channel: str, first_user_id: int) -> list[int]:
    """``count`` people with one identity each on ``channel`` (core INSERTs); their ids."""
    async with runtime.sessions() as session:
        start = int(await session.scalar(select(func.coalesce(func.max(Person.id), 0))) or 0) + 1
    ids = list(range(start, start + count))
    now = runtime.clock.now()
    async with runtime.engine.begin() as conn:
        await conn.execute(
            insert(table(Person)),
            [
                {"id": pid, "display_name": f"Người {n}", "locale": "vi", "created_at": now}
                for n, pid in enumerate(ids)
            ],
        )
        await conn.execute(
            insert(table(Identity)),
            [
                {
                    "person_id": pid,
                    "channel": channel,
                    "user_id": first_user_id + n,
                    "chat_id": first_user_id + n,
                }
                for n, pid in enumerate(ids)
            ],
        )
    return ids


def outbox_row(
    n: int, person_id: int, chat_id: int, channel: str, due_at: datetime, org_id: int
) -> dict[str, Any]:
    """One pending notice, as a core INSERT's parameters."""
    return {
        "dedupe_key": f"bench:{n:08d}",
        "person_id": person_id,
        "org_id": org_id,
        "task_id": None,
        "channel": channel,
        "chat_id": chat_id,
        "kind": "notice",
        "params": BLOCKED,
        "due_at": due_at,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
    }


async def fill_outbox(runtime: Runtime, rows: Iterator[dict[str, Any]]) -> None:
    """Insert the rows with executemany of core INSERTs, in batches, one transaction."""
    async with runtime.engine.begin() as conn:
        for batch in batches(rows):
            await conn.execute(insert(table(OutboxMessage)), batch)


async def measure_sweep(tmp: Path, total: int, due: int) -> dict[str, Any]:
    """Median time of one sweep over ``total`` pending rows of which ``due`` are due now."""
    clock = ManualClock(SWEEP_AT)
    path = tmp / f"sweep-{total}.sqlite3"
    async with open_runtime(settings(path), clock) as runtime:
        org_id = runtime.dispatcher.deployment.root_org_id
        now = clock.now()
        person_ids = await add_people(runtime, max(SWEEP_PEOPLE, due), "bench", 1)

        def rows() -> Iterator[dict[str, Any]]:
            for n in range(total):
                person = n % len(person_ids)  # the due rows: ``due`` different people
                if n < due:
                    at = now - timedelta(minutes=1)
                else:
                    at = now + timedelta(minutes=1 + (n * 7919) % (90 * 24 * 60))
                yield outbox_row(n, person_ids[person], person + 1, "bench", at, org_id)

        started = time.perf_counter()
        await fill_outbox(runtime, rows())
        build_s = time.perf_counter() - started
        log.info("sweep: %d rows inserted in %.1f s", total, build_s)
        sender = NullSender()
        sweeper = Sweeper(runtime.sessions, clock, {"bench": sender}, VN, worker="bench")
        times: list[float] = []
        for run in range(RUNS):
            if run:
                async with runtime.sessions.begin() as session:
                    await session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.due_at <= now)
                        .values(
                            status=OutboxStatus.PENDING,
                            claimed_by=None,
                            claimed_at=None,
                            sent_at=None,
                        )
                    )
            started = time.perf_counter()
            stats = await sweeper.sweep()
            times.append(time.perf_counter() - started)
            if stats.messages != due:
                raise RuntimeError(f"the sweep sent {stats.messages} messages, expected {due}")
        log.info("sweep: %d rows, %d due: %s s", total, due, [round(t, 3) for t in times])
    return {"seconds": median(times), "build_s": build_s, "mib": path.stat().st_size / 2**20}


# -- 3. sending through the emulator at Telegram's pace ------------------------------------


async def measure_telegram(
    tmp: Path, count: int, batch: int | None, limiter_rate: float | None
) -> dict[str, Any]:
    """Send one notice to each of ``count`` Telegram people under the emulator's limits.

    ``limiter_rate`` (a diagnostic): our limiter's overall rate instead of its default 30/s.
    """
    clock = ManualClock(SWEEP_AT)
    async with BotApiEmulator(token=TOKEN, username=BOT_USERNAME) as emu:
        emu.enforce_limits(per_chat_per_second=1, overall_per_second=30)
        config = settings(
            tmp / "telegram.sqlite3",
            telegram_token=TOKEN,
            telegram_api_base_url=emu.base_url,
            telegram_file_base_url=emu.base_file_url,
        )
        async with open_runtime(config, clock) as runtime:
            org_id = runtime.dispatcher.deployment.root_org_id
            now = clock.now()
            users = [emu.user(FIRST_USER_ID + n, f"Người {n}") for n in range(count)]
            person_ids = await add_people(runtime, count, "telegram", FIRST_USER_ID)
            await fill_outbox(
                runtime,
                (
                    outbox_row(n, pid, user.chat_id, "telegram", now - timedelta(minutes=1), org_id)
                    for n, (pid, user) in enumerate(zip(person_ids, users, strict=True))
                ),
            )
            limiter = (
                None
                if limiter_rate is None
                else TelegramFloodLimiter(FloodControl(Limits(overall_per_second=limiter_rate)))
            )
            app = build_application(runtime, limiter)
            async with app:
                senders = {"telegram": TelegramSender(app)}
                sweeper = (
                    Sweeper(runtime.sessions, clock, senders, VN, worker="bench")
                    if batch is None
                    else Sweeper(runtime.sessions, clock, senders, VN, worker="bench", batch=batch)
                )
                sweeps = retried = failed = 0
                started = time.perf_counter()
                delivered = 0
                while delivered < count and time.perf_counter() - started < TELEGRAM_TIMEOUT:
                    stats = await sweeper.sweep()
                    sweeps += 1
                    retried += stats.retried
                    failed += stats.failed
                    delivered = len(emu.calls("sendMessage", delivered=True))
                    if not stats.messages and delivered < count:
                        # Retries wait for a later moment: move the clock on.
                        clock.advance(timedelta(minutes=1))
                elapsed = time.perf_counter() - started
            received = sum(1 for user in users if user.messages())
    rate = delivered / elapsed
    log.info(
        "telegram: %d delivered in %.1f s (%.2f/s), %d flood errors, %d sweeps",
        delivered,
        elapsed,
        rate,
        emu.flood_errors,
        sweeps,
    )
    if received != count:
        raise RuntimeError(f"{received} of {count} people received their notice")
    return {
        "tg_people": count,
        "tg_delivered": delivered,
        "tg_seconds": rounded(elapsed, 2),
        "tg_messages_per_s": rounded(rate, 2),
        "tg_fraction_of_30": rounded(rate / TELEGRAM_OVERALL_PER_SECOND, 3),
        "tg_flood_errors": emu.flood_errors,
        "tg_sweeps": sweeps,
        "tg_retried_rows": retried,
        "tg_failed_rows": failed,
        "tg_sweeper_batch": batch or "default",
        "tg_limiter_per_s": limiter_rate or "default",
    }


# -- main ------------------------------------------------------------------------------------


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the parts asked for, each on its own database, in one temporary folder."""
    figures: dict[str, Any] = {"database": "sqlite", "today": TODAY.isoformat()}
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as name:
        tmp = Path(name)
        if "plan" in args.only:
            figures |= await measure_planning(tmp, args.tasks)
        if "sweep" in args.only:
            small = await measure_sweep(tmp, args.small, args.due)
            large = await measure_sweep(tmp, args.large, args.due)
            figures |= {
                "sweep_due": args.due,
                "sweep_small_rows": args.small,
                "sweep_large_rows": args.large,
                "sweep_small_s": rounded(small["seconds"], 3),
                "sweep_large_s": rounded(large["seconds"], 3),
                "sweep_large_over_small": rounded(large["seconds"] / small["seconds"], 2),
                "sweep_large_build_s": rounded(large["build_s"], 1),
                "sweep_large_db_mib": rounded(large["mib"], 1),
            }
        if "telegram" in args.only:
            figures |= await measure_telegram(tmp, args.people, args.batch, args.limiter_rate)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="300 tasks; 10,000 vs 100,000 rows; 150 people"
    )
    parser.add_argument("--tasks", type=int, help="tasks to plan (default 10,000)")
    parser.add_argument("--small", type=int, help="pending rows, small outbox (default 10,000)")
    parser.add_argument("--large", type=int, help="pending rows, large outbox (default 1,000,000)")
    parser.add_argument("--due", type=int, help="rows due now in each outbox (default 500)")
    parser.add_argument("--people", type=int, help="Telegram people (default 5,000)")
    parser.add_argument("--batch", type=int, help="the Telegram sweeper's batch (its default)")
    parser.add_argument(
        "--limiter-rate", type=float, help="diagnostic: our limiter's overall rate (default 30/s)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("plan", "sweep", "telegram"),
        default=["plan", "sweep", "telegram"],
        help="run only these parts",
    )
    args = parser.parse_args(argv)
    setup_logging()
    args.tasks = args.tasks or (300 if args.quick else 10_000)
    args.small = args.small or 10_000
    args.large = args.large or (100_000 if args.quick else 1_000_000)
    args.due = args.due or (100 if args.quick else 500)
    args.people = args.people or (150 if args.quick else 5_000)
    emit("reminders", asyncio.run(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
