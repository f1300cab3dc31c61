"""Leaders' reports at province scale: ``/status`` and ``/report Q3/2024``.

One SQLite file in a temporary folder (or ``--database-url``, an empty database), a
``ManualClock`` on Friday 2024-11-29 09:00 (Asia/Ho_Chi_Minh), late in Q4, so ``/status``
counts the whole 2024 plan and the feedback of Q4 so far (Oct 1 – Nov 28).

Built (not timed), all with core INSERTs except the 100 organizations and their units:
a province (the deployment's root organization) → one district → C communes (100), each with
5 units, a 2024 plan of T/C tasks (10,000 in all; 55 % one date, 25 % quarterly, 10 % monthly,
5 % ongoing, 5 % waiting for an event; dimensions D1–D8; 1 lead unit and 0–2 partners) and its
occurrences: before the as-of day 70 % done on time, 15 % done late, 15 % still open
(overdue); later ones 10 % done early, the rest pending. A done event (the evidence) for every
done occurrence, a blocker note on a third of the overdue ones, and an approved extension
(in time, +14 days) on 3 %. Then K/C feedback cases per commune (1,000,000 in all) received
between 2024-01-01 and the as-of day, from 2,000 citizens: kinds 50 % reflection, 20 %
suggestion, 15 % petition, 10 % complaint, 5 % denunciation; the nine topics; statuses new,
assigned, awaiting approval, answered, closed, closed unresolved, reopened, refused, merged;
answers 3–45 days after receipt against a 30-day deadline (some late); ratings on closed ones.
Codes are numbered per kind and year as the app does (``PA-2024-00001``...).

Timed, each as wall seconds (median of ``--runs``) and, in a separate run, tracemalloc's peak:

* ``figures`` — ``bot.reports.figures.figures`` for the province, Q3/2024 (what /report computes);
* ``report`` — ``bot.reports.delivery.period_report``: figures + chart + .xlsx + .docx;
* ``status_commune`` / ``status_province`` — ``/status`` sent through the dispatcher by a leader
  of one commune / of the province (role granted with ``db.queries.people.grant_role``);
* the province's ``/status`` against one indexed single-row lookup (``status_goal``), also
  right after a write that is not about a case (an audit entry of the province about
  something else: the province's own tasks counted again), right after a citizen's case
  arrives (the quarter's cases read from the case tallies), and right after a due date is
  marked done in a commune (``mark_done``: that commune's tasks counted again);
* a breakdown of the province's ``/status``: its queries alone (the year's occurrences counted
  by state, the overdue ones listed, the undated tasks, the quarter's cases counted) and the
  two figure functions the screen calls (``task_figures`` without details, ``feedback_summary``).

``--profile`` prints cProfile's top functions of one province ``/status`` and one ``/report``
on stderr.

    .venv/bin/python -m bench.reports [--quick] [--communes N] [--tasks N] [--cases N]
                                      [--runs N] [--profile] [--database-url URL]

``--quick``: 10 communes, 1,000 tasks, 50,000 cases.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import math
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from bench._support import emit, log, median, rounded, setup_logging
from bot.clock import ManualClock
from bot.feedback.catalog import KINDS, TOPICS, format_code
from bot.i18n import Translator
from bot.messages import Incoming
from bot.operations import Actor, Operation
from bot.periods import current_quarter, parse_period
from bot.reports.delivery import period_report
from bot.reports.figures import (
    case_scope,
    feedback_summary,
    figures,
    task_figures,
    task_scope,
)
from bot.reports.model import ReportFigures
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.tasks.progress import Evidence, mark_done
from db.base import Base
from db.models import (
    Case,
    CaseKind,
    CaseStatus,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Occurrence,
    OccurrenceStatus,
    Organization,
    Person,
    Plan,
    Rating,
    Role,
    Task,
    TaskEvent,
    TaskRole,
    TaskState,
    TaskUnit,
)
from db.queries import audit, orgs, people, reports, tallies

VN: Final = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR: Final = 2024
AS_OF: Final = date(2024, 11, 29)  # a Friday, late in Q4
NOW: Final = datetime.combine(AS_OF, dtime(9, 0), tzinfo=VN)
UNIT_NAMES: Final = (
    "Văn phòng - Thống kê",
    "Địa chính - Xây dựng",
    "Văn hóa - Xã hội",
    "Tư pháp - Hộ tịch",
    "Công an xã",
)
CITIZENS: Final = 2_000
INSERT_BATCH: Final = 20_000
CHANNEL: Final = "bench"
LEADER_USER_IDS: Final = (1, 2)
T = TypeVar("T")


def table(model: type[Base]) -> Table:
    """The Core table of a model (for executemany of plain INSERTs)."""
    return model.metadata.tables[model.__tablename__]


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


def at_nine(day: date) -> datetime:
    """09:00 local time on ``day``."""
    return datetime.combine(day, dtime(9, 0), tzinfo=VN)


# -- building the data ---------------------------------------------------------------------


async def build_tree(
    runtime: Runtime, communes: int
) -> tuple[int, list[int], dict[int, list[int]]]:
    """Province (the root) → district → communes with 5 units each; (province, communes, units)."""
    province = runtime.dispatcher.deployment.root_org_id
    commune_ids: list[int] = []
    units: dict[int, list[int]] = {}
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(Organization)
            .where(Organization.id == province)
            .values(name="UBND tỉnh Đo Tốc Độ", level="province")
        )
        district = await orgs.add_org(
            session, name="UBND huyện Đo Tốc Độ", level="district", parent_id=province, now=NOW
        )
        for c in range(communes):
            commune = await orgs.add_org(
                session, name=f"UBND xã số {c + 1}", level="commune", parent_id=district.id, now=NOW
            )
            commune_ids.append(commune.id)
            units[commune.id] = []
            for name in UNIT_NAMES:
                unit = await orgs.add_unit(
                    session, org_id=commune.id, name=name, aliases=[], now=NOW
                )
                units[commune.id].append(unit.id)
    return province, commune_ids, units


def due_dates(rng: random.Random, kind: str) -> list[date]:
    """The planned dates of one task of the year."""
    if kind == "once":
        return [date(YEAR, 1, 15) + timedelta(days=rng.randrange(340))]
    day = rng.randint(1, 28)
    months = (3, 6, 9, 12) if kind == "quarterly" else range(1, 13)
    return [date(YEAR, m, day) for m in months]


async def build_plans(
    runtime: Runtime, rng: random.Random, units: dict[int, list[int]], per_commune: int, actor: int
) -> dict[str, int]:
    """A 2024 plan per commune with tasks, units, occurrences, events and extensions."""
    kinds = ("once", "quarterly", "monthly", "ongoing", "event")
    weights = (55, 25, 10, 5, 5)
    counts = {"tasks": 0, "occurrences": 0, "task_events": 0, "extensions": 0}
    for org_id, org_units in units.items():
        async with runtime.sessions.begin() as session:
            plan = Plan(
                org_id=org_id,
                title="Kế hoạch nâng cao chỉ số PAPI năm 2024",
                title_key="ke hoach nang cao chi so papi nam 2024",
                year=YEAR,
                source="bench",
                content_hash="0" * 64,
                imported_at=NOW,
            )
            session.add(plan)
            await session.flush()
            plan_id = plan.id
        tasks = []
        task_kinds: list[str] = []
        for i in range(1, per_commune + 1):
            kind = rng.choices(kinds, weights)[0]
            task_kinds.append(kind)
            tasks.append(
                {
                    "plan_id": plan_id,
                    "match_key": f"t:{i}",
                    "position": i,
                    "code": f"{(i - 1) // 10 + 1}.{(i - 1) % 10 + 1}",
                    "section": "II",
                    "dimension": f"D{rng.randint(1, 8)}",
                    "text": f"Nhiệm vụ số {i}: tổ chức thực hiện, kiểm tra và báo cáo kết quả",
                    "timeframe_text": kind,
                    "timeframe_kind": kind,
                    "offset_working_days": False,
                    "flags": {"flags": []},
                    "state": TaskState.ACTIVE,
                }
            )
        async with runtime.engine.begin() as conn:
            await conn.execute(insert(table(Task)), tasks)
            result = await conn.execute(
                select(Task.id, Task.position).where(Task.plan_id == plan_id)
            )
            task_ids = {position: task_id for task_id, position in result}
            links, occurrences = [], []
            for i, kind in enumerate(task_kinds, start=1):
                task_id = task_ids[i]
                chosen = rng.sample(org_units, 1 + rng.randint(0, 2))
                for position, unit in enumerate(chosen):
                    role = TaskRole.LEAD if position == 0 else TaskRole.PARTNER
                    links.append(
                        {"task_id": task_id, "unit_id": unit, "role": role, "position": position}
                    )
                if kind in {"ongoing", "event"}:
                    continue
                for planned in due_dates(rng, kind):
                    extended = rng.random() < 0.03
                    due = planned + timedelta(days=14) if extended else planned
                    roll = rng.random()
                    done_at: datetime | None = None
                    if due < AS_OF:
                        if roll < 0.70:
                            done_at = at_nine(due - timedelta(days=rng.randint(0, 10)))
                        elif roll < 0.85:
                            late = due + timedelta(days=rng.randint(1, 20))
                            done_at = at_nine(min(late, AS_OF - timedelta(days=1)))
                    elif roll < 0.10:
                        done_at = at_nine(AS_OF - timedelta(days=rng.randint(1, 5)))
                    occurrences.append(
                        {
                            "task_id": task_id,
                            "planned_date": planned,
                            "due_date": due,
                            "status": OccurrenceStatus.DONE
                            if done_at
                            else OccurrenceStatus.PENDING,
                            "done_at": done_at,
                            "done_by": actor if done_at else None,
                        }
                    )
            await conn.execute(insert(table(TaskUnit)), links)
            await conn.execute(insert(table(Occurrence)), occurrences)
            stored = await conn.execute(
                select(
                    Occurrence.id,
                    Occurrence.task_id,
                    Occurrence.planned_date,
                    Occurrence.due_date,
                    Occurrence.done_at,
                ).where(Occurrence.task_id.in_(list(task_ids.values())))
            )
            events, extensions = [], []
            for occ_id, task_id, planned, due, done_at in stored:
                if done_at is not None:
                    events.append(
                        {
                            "task_id": task_id,
                            "occurrence_id": occ_id,
                            "person_id": actor,
                            "kind": EventKind.DONE,
                            "note": "Đã hoàn thành, có biên bản kèm theo",
                            "file_name": f"bien-ban-{occ_id}.pdf",
                            "late": done_at.astimezone(VN).date() > due,
                            "at": done_at,
                        }
                    )
                elif due < AS_OF and rng.random() < 0.33:
                    events.append(
                        {
                            "task_id": task_id,
                            "occurrence_id": occ_id,
                            "person_id": actor,
                            "kind": EventKind.BLOCKED,
                            "note": "Chưa bố trí được kinh phí",
                            "file_name": None,
                            "late": None,
                            "at": at_nine(due - timedelta(days=2)),
                        }
                    )
                if due != planned:
                    decided = at_nine(planned - timedelta(days=2))
                    extensions.append(
                        {
                            "occurrence_id": occ_id,
                            "requested_by": actor,
                            "proposed": due,
                            "reason": "Chờ hướng dẫn của cấp trên",
                            "status": ExtensionStatus.APPROVED,
                            "decided_by": actor,
                            "decided_at": decided,
                            "created_at": decided - timedelta(days=3),
                        }
                    )
            if events:
                await conn.execute(insert(table(TaskEvent)), events)
            if extensions:
                await conn.execute(insert(table(ExtensionRequest)), extensions)
        counts["tasks"] += len(tasks)
        counts["occurrences"] += len(occurrences)
        counts["task_events"] += len(events)
        counts["extensions"] += len(extensions)
    return counts


async def add_citizens(runtime: Runtime, count: int) -> list[int]:
    """``count`` people (core INSERTs, no explicit ids); their ids."""
    async with runtime.engine.begin() as conn:
        await conn.execute(
            insert(table(Person)),
            [
                {"display_name": f"Công dân {n}", "locale": "vi", "created_at": NOW}
                for n in range(count)
            ],
        )
        result = await conn.execute(
            select(Person.id).where(Person.display_name.like("Công dân %")).order_by(Person.id)
        )
        return [int(i) for i in result.scalars()]


KIND_WEIGHTS: Final = {
    CaseKind.REFLECTION: 50,
    CaseKind.SUGGESTION: 20,
    CaseKind.PETITION: 15,
    CaseKind.COMPLAINT: 10,
    CaseKind.DENUNCIATION: 5,
}
LATE_STATUSES: Final = (
    (CaseStatus.CLOSED, 45),
    (CaseStatus.ANSWERED, 25),
    (CaseStatus.ASSIGNED, 8),
    (CaseStatus.NEW, 4),
    (CaseStatus.CLOSED_UNRESOLVED, 5),
    (CaseStatus.REOPENED, 3),
    (CaseStatus.AWAITING_APPROVAL, 3),
    (CaseStatus.REFUSED, 4),
    (CaseStatus.MERGED, 3),
)
RATINGS: Final = ((Rating.SATISFIED, 60), (Rating.NEUTRAL, 25), (Rating.UNSATISFIED, 15))


def case_rows(
    rng: random.Random, units: dict[int, list[int]], per_commune: int, citizens: list[int]
) -> Iterator[dict[str, Any]]:
    """Generated cases received in 2024 up to the day before the as-of day."""
    start = datetime.combine(date(YEAR, 1, 1), dtime(0, 0), tzinfo=VN)
    span = int((datetime.combine(AS_OF, dtime(0, 0), tzinfo=VN) - start).total_seconds())
    kinds, kind_w = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    late, late_w = [s for s, _ in LATE_STATUSES], [w for _, w in LATE_STATUSES]
    ratings, rating_w = [r for r, _ in RATINGS], [w for _, w in RATINGS]
    topics = list(TOPICS)
    numbers: dict[str, int] = dict.fromkeys((info.prefix for info in KINDS.values()), 0)
    n = 0
    for org_id, org_units in units.items():
        for _ in range(per_commune):
            n += 1
            kind = rng.choices(kinds, kind_w)[0]
            prefix = KINDS[kind].prefix
            numbers[prefix] += 1
            topic = rng.choice(topics)
            received = start + timedelta(seconds=rng.randrange(span))
            age = (NOW - received).days
            if age < 5:
                status = CaseStatus.NEW
            elif age < 12:
                status = rng.choice((CaseStatus.ASSIGNED, CaseStatus.ANSWERED, CaseStatus.NEW))
            else:
                status = rng.choices(late, late_w)[0]
            answered_at = None
            if status in {CaseStatus.ANSWERED, CaseStatus.CLOSED, CaseStatus.CLOSED_UNRESOLVED}:
                answered_at = min(received + timedelta(days=rng.uniform(3, 45)), NOW)
            rating = None
            if status == CaseStatus.CLOSED and rng.random() < 0.8:
                rating = rng.choices(ratings, rating_w)[0]
            elif status == CaseStatus.CLOSED_UNRESOLVED:
                rating = Rating.UNSATISFIED
            body = f"Phản ánh số {n}: đường liên thôn hư hỏng, đề nghị xã kiểm tra và sửa chữa."
            yield {
                "code": format_code(prefix, YEAR, numbers[prefix]),
                "org_id": org_id,
                "citizen_id": citizens[n % len(citizens)],
                "channel": CHANNEL,
                "chat_id": str(10_000 + n % len(citizens)),
                "kind": kind,
                "topic": topic,
                "dimension": TOPICS[topic].dimension,
                "text": body,
                "text_hash": hashlib.sha256(body.encode()).hexdigest(),
                "publishable": n % 3 == 0,
                "consent_at": received,
                "status": status,
                "unit_id": None if status == CaseStatus.NEW else rng.choice(org_units),
                "complex": False,
                "received_at": received,
                "accept_due": (received + timedelta(days=10)).date(),
                "answer_due": (received + timedelta(days=30)).date(),
                "accepted_at": None if status == CaseStatus.NEW else received + timedelta(days=2),
                "answered_at": answered_at,
                "on_time": None
                if answered_at is None
                else answered_at.astimezone(VN).date() <= (received + timedelta(days=30)).date(),
                "closed_at": answered_at if status == CaseStatus.CLOSED else None,
                "answer": "Xã đã kiểm tra và trả lời." if answered_at else None,
                "rating": rating,
                "reopened": 1 if status == CaseStatus.REOPENED else 0,
            }


async def add_leader(runtime: Runtime, user_id: int, org_id: int) -> None:
    """A person on the ``bench`` channel who is a leader of ``org_id``."""
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel=CHANNEL,
            user_id=str(user_id),
            chat_id=str(user_id),
            display_name=f"Lãnh đạo {user_id}",
            username=None,
            now=NOW,
        )
        await people.grant_role(
            session, person_id=person.id, org_id=org_id, role=Role.LEADER, unit_id=None, now=NOW
        )


# -- timing --------------------------------------------------------------------------------


async def timed(run: Callable[[], Awaitable[T]], runs: int) -> tuple[float, T]:
    """The median wall seconds of ``runs`` runs, and the last result."""
    times: list[float] = []
    result: T | None = None
    for _ in range(runs):
        started = time.perf_counter()
        result = await run()
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), result


async def traced_peak(run: Callable[[], Awaitable[object]]) -> float:
    """tracemalloc's peak (MiB) during one run."""
    tracemalloc.start()
    try:
        await run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def profile(run: Callable[[], Awaitable[object]], label: str) -> None:
    """Print cProfile's top functions of one run on stderr."""
    profiler = cProfile.Profile()
    profiler.enable()
    await run()
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(25)
        print(f"--- cProfile of {label}, by {key}\n{out.getvalue()}", file=sys.stderr)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Build the province, then time the report computations and /status."""
    communes = args.communes or (10 if args.quick else 100)
    tasks = args.tasks or (1_000 if args.quick else 10_000)
    cases = args.cases or (50_000 if args.quick else 1_000_000)
    runs = args.runs or (1 if args.quick else 3)
    rng = random.Random(YEAR)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'reports.sqlite3'}"
        settings = Settings(
            database_url=url,
            org_name="UBND tỉnh Đo Tốc Độ",
            data_key=Fernet.generate_key().decode(),
            audit_key=secrets.token_urlsafe(32),
        )
        async with open_runtime(settings, ManualClock(NOW)) as runtime:
            async with runtime.sessions() as session:
                if await session.scalar(select(func.count(Case.id))):
                    raise SystemExit("reports: the database already holds cases; use an empty one")
            started = time.perf_counter()
            province, commune_ids, units = await build_tree(runtime, communes)
            citizens = await add_citizens(runtime, CITIZENS)
            built = await build_plans(runtime, rng, units, tasks // communes, citizens[0])
            log.info("built the tree and %s in %.1f s", built, time.perf_counter() - started)
            async with runtime.engine.begin() as conn:
                for batch in batches(case_rows(rng, units, cases // communes, citizens)):
                    await conn.execute(insert(table(Case)), batch)
            # Core inserts bypass the flush hook that keeps the tallies: count them once.
            async with runtime.sessions.begin() as session:
                await tallies.rebuild(session)
            # Statistics, as a database in use has them: without, PostgreSQL plans the year's
            # overdue occurrences blind until autovacuum comes by (46 s instead of 0.3 once).
            async with runtime.engine.connect() as conn:
                await conn.execute(sql("ANALYZE"))
                await conn.commit()
            build_s = time.perf_counter() - started
            log.info("built everything in %.1f s", build_s)
            await add_leader(runtime, LEADER_USER_IDS[0], commune_ids[0])
            await add_leader(runtime, LEADER_USER_IDS[1], province)
            tz = settings.tz
            q3 = parse_period(f"Q3/{YEAR}", AS_OF)
            t = Translator("vi", tz)

            async def q3_figures() -> ReportFigures:
                async with runtime.sessions() as session:
                    return await figures(session, org_id=province, period=q3, as_of=AS_OF, tz=tz)

            async def q3_report() -> int:
                async with runtime.sessions() as session:
                    replies = await period_report(
                        session, org_id=province, period=q3, as_of=AS_OF, tz=tz, t=t
                    )
                return sum(r.file.size or 0 for r in replies if r.file is not None)

            def status(user_id: int) -> Callable[[], Awaitable[str]]:
                async def run() -> str:
                    outcome = await runtime.dispatcher.handle(
                        Incoming(
                            channel=CHANNEL,
                            user_id=str(user_id),
                            chat_id=str(user_id),
                            display_name=f"Lãnh đạo {user_id}",
                            language_code="vi",
                            text="/status",
                        )
                    )
                    return outcome.replies[0].text if outcome.replies else ""

                return run

            if args.only_status:
                figures_s = figures_peak = report_s = report_peak = math.nan
                report_bytes, q3_cases, q3_occurrences = 0, 0, 0
            else:
                figures_s, data = await timed(q3_figures, runs)
                q3_cases, q3_occurrences = data.feedback.received, data.tasks.total
                log.info("figures Q3: %.2f s", figures_s)
                figures_peak = await traced_peak(q3_figures)
                report_s, report_bytes = await timed(q3_report, runs)
                log.info("report Q3: %.2f s", report_s)
                report_peak = await traced_peak(q3_report)
            commune_status = status(LEADER_USER_IDS[0])
            province_status = status(LEADER_USER_IDS[1])
            await commune_status()  # warm-up: the person's first update
            await province_status()
            lookup_code = await run_in(runtime, _some_case_code)

            async def lookup() -> object:
                async with runtime.sessions() as session:
                    return await session.scalar(select(Case.id).where(Case.code == lookup_code))

            async def write(org_id: int = province) -> None:
                async with runtime.sessions.begin() as session:
                    await audit.record(
                        session,
                        at=NOW,
                        actor_id=None,
                        org_id=org_id,
                        action="bench.touch",
                        entity="bench",
                        entity_id=1,
                    )

            pending = await run_in(runtime, _pending_occurrences, commune_ids)
            marked = iter(range(len(pending)))

            async def task_write() -> None:
                # An official's due date marked done in one commune, through the domain
                # function (history, audit, reminders replanned), a commune after another.
                org_id, occurrence_id = pending[next(marked)]
                async with runtime.sessions.begin() as session:
                    actor = Actor(person_id=None, org_id=org_id, audiences=frozenset())
                    await mark_done(
                        Operation(session, actor, NOW, tz), occurrence_id, Evidence("Biên bản")
                    )

            received = iter(range(1, 1_000_000))

            async def case_write() -> None:
                # A citizen's feedback arrives in the first commune (the commonest write).
                async with runtime.sessions.begin() as session:
                    n = next(received)
                    case = Case(
                        code=format_code("PA", YEAR + 1, n),
                        org_id=commune_ids[0],
                        citizen_id=citizens[0],
                        channel=CHANNEL,
                        chat_id="10000",
                        kind=CaseKind.REFLECTION,
                        topic="other",
                        text="Phản ánh mới trong lúc đo",
                        text_hash=f"{n:064d}",
                        publishable=False,
                        consent_at=NOW,
                        received_at=NOW,
                    )
                    session.add(case)
                    await session.flush()
                    await audit.record(
                        session,
                        at=NOW,
                        actor_id=citizens[0],
                        org_id=commune_ids[0],
                        action="case.received",
                        entity="case",
                        entity_id=case.id,
                    )

            # The ratio: /status of the province against one indexed single-row lookup, the
            # three interleaved; then /status right after a write that is not about a case
            # (all its figures counted again), and right after a case arrives.
            lookups: list[float] = []
            statuses: list[float] = []
            after_write: list[float] = []
            after_case: list[float] = []
            after_task: list[float] = []
            changes = ((after_write, write), (after_case, case_write), (after_task, task_write))
            for _ in range(max(runs, 3)):
                for samples, run in ((lookups, lookup), (statuses, province_status)):
                    began = time.perf_counter()
                    await run()
                    samples.append(time.perf_counter() - began)
                for samples, change in changes:
                    await change()
                    began = time.perf_counter()
                    await province_status()
                    samples.append(time.perf_counter() - began)
            log.info(
                "lookup %.4f s, /status %.4f s, after a write %.4f s, after a case %.4f s, "
                "after a task done %.4f s",
                median(lookups),
                median(statuses),
                median(after_write),
                median(after_case),
                median(after_task),
            )
            commune_s, commune_text = await timed(commune_status, runs)
            province_s, province_text = await timed(province_status, runs)
            log.info("/status commune %.3f s, province %.3f s", commune_s, province_s)
            for text in (commune_text, province_text):
                if not text.startswith("📊"):
                    raise RuntimeError(f"/status answered {text[:200]!r}")
            # Peaks of a /status that counts (right after a write about its organization),
            # not of a reused one.
            await write(commune_ids[0])
            commune_peak = await traced_peak(commune_status)
            await write()
            province_peak = await traced_peak(province_status)

            # Where the province's /status spends its time.
            quarter = current_quarter(AS_OF)
            year = parse_period(str(YEAR), AS_OF)
            org_ids = [o for o, _, _ in await run_in(runtime, reports.org_tree, province)]
            scope = task_scope(org_ids, year, AS_OF, tz, None)
            parts: dict[str, float] = {}
            async with runtime.sessions() as session:
                began = time.perf_counter()
                counted = await reports.state_counts(session, scope)
                parts["state_counts_query"] = time.perf_counter() - began
                began = time.perf_counter()
                overdue = await reports.occurrences(session, scope, {"overdue"})
                parts["overdue_query"] = time.perf_counter() - began
                began = time.perf_counter()
                await reports.undated_counts(session, org_ids, YEAR)
                parts["undated_query"] = time.perf_counter() - began
                began = time.perf_counter()
                grouped = await reports.case_counts(session, case_scope(org_ids, quarter, tz, None))
                parts["case_counts_query"] = time.perf_counter() - began
                began = time.perf_counter()
                await task_figures(session, org_ids, year, AS_OF, tz, details=False)
                parts["task_figures"] = time.perf_counter() - began
                began = time.perf_counter()
                await feedback_summary(session, org_ids, quarter, tz)
                parts["feedback_summary"] = time.perf_counter() - began
            occurrences = sum(n for *_, n in counted)
            quarter_cases = sum(group.cases for group in grouped)
            log.info(
                "province /status parts: %s (%d occurrences, %d overdue, %d cases in %s)",
                {k: round(v, 3) for k, v in parts.items()},
                occurrences,
                len(overdue),
                quarter_cases,
                quarter.code,
            )
            if args.profile:
                await profile(province_status, "/status of the province")
                await profile(q3_report, "/report Q3/2024 of the province")
    return {
        "database": "postgresql" if "postgres" in url else "sqlite",
        "lookup_s": rounded(median(lookups), 5),
        "status_province_repeat_s": rounded(median(statuses), 5),
        "status_province_over_lookup": rounded(median(statuses) / median(lookups), 1),
        "status_goal": "<= 10",
        "status_province_after_write_s": rounded(median(after_write), 4),
        "status_province_after_write_over_lookup": rounded(
            median(after_write) / median(lookups), 1
        ),
        "status_province_after_case_s": rounded(median(after_case), 4),
        "status_province_after_case_over_lookup": rounded(median(after_case) / median(lookups), 1),
        "status_province_after_task_s": rounded(median(after_task), 4),
        "status_province_after_task_over_lookup": rounded(median(after_task) / median(lookups), 1),
        "communes": communes,
        "tasks": built["tasks"],
        "occurrences": built["occurrences"],
        "cases": cases // communes * communes,
        "build_s": rounded(build_s, 1),
        "runs": runs,
        "figures_q3_cases": q3_cases,
        "figures_q3_occurrences": q3_occurrences,
        "figures_q3_s": _opt(figures_s, 3),
        "figures_q3_peak_mib": _opt(figures_peak, 1),
        "report_q3_s": _opt(report_s, 3),
        "report_q3_peak_mib": _opt(report_peak, 1),
        "report_q3_file_kib": rounded(report_bytes / 1024, 1),
        "status_commune_s": rounded(commune_s, 3),
        "status_commune_peak_mib": rounded(commune_peak, 1),
        "status_province_s": rounded(province_s, 3),
        "status_province_peak_mib": rounded(province_peak, 1),
        "status_province_quarter_cases": quarter_cases,
        "status_province_year_occurrences": occurrences,
        "status_province_overdue": len(overdue),
        **{f"status_province_{k}_s": rounded(v, 3) for k, v in parts.items()},
    }


def _opt(value: float, digits: int) -> float | None:
    """A figure, or ``None`` for one not measured (``--only-status``)."""
    return None if math.isnan(value) else rounded(value, digits)


async def _some_case_code(session: AsyncSession) -> str:
    code = await session.scalar(select(Case.code).order_by(Case.id.desc()).limit(1))
    if code is None:
        raise RuntimeError("no case was built")
    return code


async def _pending_occurrences(
    session: AsyncSession, commune_ids: list[int]
) -> list[tuple[int, int]]:
    """``(commune, occurrence)`` of pending due dates, one commune after another."""
    rows = await session.execute(
        select(Plan.org_id, func.min(Occurrence.id))
        .join(Task, Task.plan_id == Plan.id)
        .join(Occurrence, Occurrence.task_id == Task.id)
        .where(Occurrence.status == OccurrenceStatus.PENDING, Plan.org_id.in_(commune_ids))
        .group_by(Plan.org_id)
        .order_by(Plan.org_id)
    )
    return [(org_id, occurrence_id) for org_id, occurrence_id in rows]


async def run_in(runtime: Runtime, query: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run one query function in a fresh session."""
    async with runtime.sessions() as session:
        return await query(session, *args)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 communes, 1,000 tasks, 50k cases")
    parser.add_argument("--communes", type=int, help="communes (default 100)")
    parser.add_argument("--tasks", type=int, help="tasks in all (default 10,000)")
    parser.add_argument("--cases", type=int, help="feedback cases in all (default 1,000,000)")
    parser.add_argument("--runs", type=int, help="timed runs, median reported (default 3)")
    parser.add_argument("--profile", action="store_true", help="cProfile one province /status")
    parser.add_argument("--only-status", action="store_true", help="skip the Q3 figures and report")
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://... (default: SQLite)")
    args = parser.parse_args(argv)
    setup_logging()
    emit("reports", asyncio.run(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
