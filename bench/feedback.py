"""Citizens' feedback at scale: many dialogs at once through Telegram, and ``/track`` on 1M cases.

Two parts, each on its own SQLite file in a temporary folder (or on ``--database-url``):

(a) **dialog** — N citizens (1,000; ``--quick`` 30), each a user of the Bot API emulator, all
    at once complete the feedback dialog with the real python-telegram-bot Application of
    ``run_telegram`` polling the emulator (both in this process). The flood limiter's limits
    are effectively off (as in ``bench.throughput``), so the figures are the cost of our layers,
    PTB, the database and the emulator, not Telegram's pacing. Each citizen: ``/feedback``,
    presses ``fb:kind:reflection``, ``fb:topic:land``, types the text, presses
    ``fb:next:files``, ``fb:next:place``, ``fb:next:contact``, ``fb:publish:no`` (every other
    citizen ``fb:publish:yes``), ``fb:consent:yes``, then ``fb:confirm:send`` — each press on
    the message that carries the button, as the user would, and each step waits for the bot's
    reply. Reported: cases per second (citizens / wall time from the first ``/feedback`` to the
    last tracking code) and p50/p95/max of the time from pressing "Send" to the reply carrying
    the tracking code. One case per citizen, so the daily limit of 5 never applies.

    The emulator's own ``wait_for`` wakes every waiter on every API call (O(waiters) each), which
    at 1,000 waiting citizens would dominate the figures; the benchmark instead hooks the
    emulator's message recording and wakes only the chat's own waiter.

(b) **track** — M cases (1,000,000; ``--quick`` 20,000) bulk-inserted with core INSERTs (20,000
    a batch) in the ``cases`` table, owned by a few citizens; then the dispatcher handles
    ``/track <code>`` for random existing codes as their owner (``runtime.dispatcher.handle``
    with an ``Incoming``, no network): p50/p95/max over 200 calls. Codes follow the app's
    format ``PA-2025-00001`` (5 digits): as one prefix and year hold at most 99,999 codes, the
    M cases spread over the five kinds' prefixes and the years 2025, 2024, ...

    .venv/bin/python -m bench.feedback [--quick] [--citizens N] [--cases N] [--calls N]
                                       [--only dialog track] [--database-url URL]

``--database-url`` (e.g. ``postgresql+asyncpg://...``) should name an empty database.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final

from cryptography.fernet import Fernet
from sqlalchemy import Table, func, insert, select

from bench._support import BOT_USERNAME, TOKEN, emit, log, rounded, setup_logging
from bench.throughput import unlimited
from bot.channels.telegram_run import run_telegram
from bot.feedback.catalog import KINDS, TOPICS, format_code
from bot.i18n import Translator
from bot.messages import Incoming
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from db.base import Base
from db.models import Case, CaseKind, CaseStatus
from db.queries import people
from tests.support.botapi import BotApiEmulator, JSONDict, SentMessage, UploadedFile

FIRST_USER_ID: Final = 900_000
WAIT_TIMEOUT: Final = 900.0
INSERT_BATCH: Final = 20_000
OWNERS: Final = 20
CODE_RE: Final = re.compile(r"\b[A-Z]{2}-\d{4}-\d{5}\b")
PER_PREFIX_YEAR: Final = 99_999
LAST_YEAR: Final = 2025
CHANNEL: Final = "bench"


def settings_for(database_url: str, **extra: Any) -> Settings:
    """Settings with a data key given (so no key file is written)."""
    return Settings(
        database_url=database_url,
        org_name="UBND phường Đo Tốc Độ",
        data_key=Fernet.generate_key().decode(),
        audit_key=secrets.token_urlsafe(32),
        **extra,
    )


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of the values (at least one)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


# -- (a) the dialog through Telegram -------------------------------------------------------


class WatchedEmulator(BotApiEmulator):
    """The emulator, with a per-chat wake-up when the bot's message is recorded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: dict[int, list[tuple[int, asyncio.Future[None]]]] = defaultdict(list)

    def _record_message(
        self,
        method: str,
        chat_id: int,
        message: JSONDict,
        raw_text: str | None,
        parse_mode: str | None,
        upload: UploadedFile | None = None,
        *,
        edited: bool = False,
    ) -> None:
        super()._record_message(
            method, chat_id, message, raw_text, parse_mode, upload, edited=edited
        )
        waiting = self._waiting.get(chat_id)
        if not waiting:
            return
        count = self._message_count(chat_id)
        still = []
        for wanted, future in waiting:
            if count >= wanted:
                if not future.done():
                    future.set_result(None)
            else:
                still.append((wanted, future))
        self._waiting[chat_id] = still

    async def next_message(self, chat_id: int, count: int) -> SentMessage:
        """Wait until the chat holds ``count`` records; return the last one."""
        if self._message_count(chat_id) < count:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting[chat_id].append((count, future))
            await asyncio.wait_for(future, WAIT_TIMEOUT)
        return self.messages(chat_id)[-1]


STEPS: Final = (
    "fb:kind:reflection",
    "fb:topic:land",
    "<text>",
    "fb:next:files",
    "fb:next:place",
    "fb:next:contact",
    "<publish>",
    "fb:consent:yes",
)


ERROR_TEXT: Final = Translator("vi")._(
    "Something went wrong on our side. Nothing was changed; try again."
)
ATTEMPTS: Final = 5


async def one_citizen(emu: WatchedEmulator, user_id: int, n: int) -> tuple[float, str, int]:
    """Walk one citizen through the dialog.

    Returns the seconds from pressing "Send" to the tracking code, the code, and how many
    times the bot answered "Something went wrong" (the citizen then repeats that step, as the
    message asks).
    """
    user = emu.user(user_id, f"Công dân {n}", language_code="vi")
    errors = 0

    async def step(action: Callable[[], Awaitable[object]]) -> SentMessage:
        nonlocal errors
        for _ in range(ATTEMPTS):
            count = len(user.messages()) + 1
            await action()
            message = await emu.next_message(user.chat_id, count)
            if message.text != ERROR_TEXT:
                return message
            errors += 1
        raise RuntimeError(f"citizen {n}: {ATTEMPTS} failed attempts in a row")

    message = await step(lambda: user.send("/feedback"))
    for name in STEPS:
        if name == "<text>":
            text = f"Đường thôn {n % 50 + 1} bị ngập sau mưa, cống số {n} bị tắc (phản ánh {n})."
            message = await step(partial(user.send, text))
        else:
            data = ("fb:publish:yes" if n % 2 else "fb:publish:no") if name == "<publish>" else name
            message = await step(partial(user.press, message, data))
    summary = message
    started = time.perf_counter()
    thanks = await step(lambda: user.press(summary, "fb:confirm:send"))
    elapsed = time.perf_counter() - started
    found = CODE_RE.search(thanks.text or "")
    if found is None:
        raise RuntimeError(f"citizen {n}: no tracking code in {thanks.text!r}")
    return elapsed, found.group(0), errors


async def measure_dialog(database_url: str, citizens: int) -> dict[str, Any]:
    """All citizens at once through the dialog; cases/s and Send → code latencies."""
    async with WatchedEmulator(token=TOKEN, username=BOT_USERNAME) as emu:
        settings = settings_for(
            database_url,
            telegram_token=TOKEN,
            telegram_api_base_url=emu.base_url,
            telegram_file_base_url=emu.base_file_url,
        )
        stop, ready = asyncio.Event(), asyncio.Event()
        async with open_runtime(settings) as runtime:
            task = asyncio.create_task(run_telegram(runtime, stop, unlimited(), ready))
            await asyncio.wait_for(ready.wait(), 60)
            try:
                started = time.perf_counter()
                results = await asyncio.gather(
                    *(one_citizen(emu, FIRST_USER_ID + n, n) for n in range(citizens))
                )
                wall = time.perf_counter() - started
            finally:
                stop.set()
                await asyncio.wait_for(task, 60)
            async with runtime.sessions() as session:
                stored = int(await session.scalar(select(func.count(Case.id))) or 0)
        rejected = len(emu.calls(delivered=False))
    latencies = [seconds for seconds, _, _ in results]
    codes = {code for _, code, _ in results}
    errors = sum(e for _, _, e in results)
    if len(codes) != citizens:
        raise RuntimeError(f"{len(codes)} distinct tracking codes for {citizens} citizens")
    if rejected:
        log.warning("dialog: %d calls were rejected by the emulator", rejected)
    if errors:
        log.warning("dialog: the bot answered 'Something went wrong' %d times", errors)
    log.info(
        "dialog: %d cases in %.1f s (%.1f cases/s); Send → code p95 %.3f s",
        citizens,
        wall,
        citizens / wall,
        percentile(latencies, 0.95),
    )
    return {
        "dialog_citizens": citizens,
        "dialog_updates": citizens * (len(STEPS) + 2),
        "dialog_cases_stored": stored,
        "dialog_wall_s": rounded(wall, 2),
        "dialog_cases_per_s": rounded(citizens / wall, 2),
        "dialog_updates_per_s": rounded(citizens * (len(STEPS) + 2) / wall, 1),
        "send_to_code_p50_s": rounded(statistics.median(latencies), 3),
        "send_to_code_p95_s": rounded(percentile(latencies, 0.95), 3),
        "send_to_code_max_s": rounded(max(latencies), 3),
        "dialog_rejected_calls": rejected,
        "dialog_error_replies": errors,
    }


# -- (b) /track on a large table -----------------------------------------------------------


def table(model: type[Base]) -> Table:
    """The Core table of a model (for executemany of plain INSERTs)."""
    return model.metadata.tables[model.__tablename__]


PREFIXES: Final = [info.prefix for info in KINDS.values()]
KIND_OF: Final = {info.prefix: kind for kind, info in KINDS.items()}


def case_code(n: int) -> tuple[str, CaseKind, int]:
    """The n-th (0-based) generated code, its kind and year: prefixes in turn, then years back."""
    prefix = PREFIXES[n % len(PREFIXES)]
    index = n // len(PREFIXES)
    year = LAST_YEAR - index // PER_PREFIX_YEAR
    return format_code(prefix, year, index % PER_PREFIX_YEAR + 1), KIND_OF[prefix], year


def case_rows(
    count: int, org_id: int, owners: Sequence[tuple[int, int]]
) -> Iterator[dict[str, Any]]:
    """Rows of generated cases (owners: (person id, chat id) pairs, in turn)."""
    topics = list(TOPICS)
    statuses = list(CaseStatus)
    for n in range(count):
        code, kind, year = case_code(n)
        person_id, chat_id = owners[n % len(owners)]
        topic = topics[n % len(topics)]
        received = datetime(year, 1, 1, 1, tzinfo=UTC) + timedelta(minutes=(n * 7919) % 500_000)
        status = statuses[(n * 31) % len(statuses)]
        answered = status in {CaseStatus.ANSWERED, CaseStatus.CLOSED}
        body = f"Phản ánh số {n}: đường liên thôn hư hỏng, đề nghị xã kiểm tra và sửa chữa."
        yield {
            "code": code,
            "org_id": org_id,
            "citizen_id": person_id,
            "channel": CHANNEL,
            "chat_id": chat_id,
            "kind": kind,
            "topic": topic,
            "dimension": TOPICS[topic].dimension,
            "text": body,
            "text_hash": hashlib.sha256(body.encode()).hexdigest(),
            "address": None,
            "latitude": None,
            "longitude": None,
            "contact_sealed": None,
            "publishable": n % 3 == 0,
            "consent_at": received,
            "status": status,
            "unit_id": None,
            "complex": False,
            "received_at": received,
            "accept_due": (received + timedelta(days=10)).date(),
            "answer_due": (received + timedelta(days=30)).date(),
            "accepted_at": received + timedelta(days=2) if answered else None,
            "answered_at": received + timedelta(days=20) if answered else None,
            "closed_at": None,
            "merged_into": None,
            "answer": "Xã đã kiểm tra và sửa chữa." if answered else None,
            "rating": None,
            "rating_comment": None,
            "reopened": 0,
        }


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


async def add_owners(runtime: Runtime, count: int) -> list[tuple[int, int]]:
    """Citizens on the ``bench`` channel: (person id, user id = chat id)."""
    owners = []
    now = runtime.clock.now()
    async with runtime.sessions.begin() as session:
        for n in range(count):
            user_id = FIRST_USER_ID + n
            person, _ = await people.person_for_identity(
                session,
                channel=CHANNEL,
                user_id=str(user_id),
                chat_id=str(user_id),
                display_name=f"Công dân {n}",
                username=None,
                now=now,
            )
            owners.append((person.id, user_id))
    return owners


async def measure_track(database_url: str, count: int, calls: int) -> dict[str, Any]:
    """``/track`` latency through the dispatcher over ``count`` cases."""
    async with open_runtime(settings_for(database_url)) as runtime:
        async with runtime.sessions() as session:
            existing = int(await session.scalar(select(func.count(Case.id))) or 0)
        if existing:
            raise SystemExit(
                f"track: the database already holds {existing} cases; use an empty one"
            )
        owners = await add_owners(runtime, OWNERS)
        org_id = runtime.dispatcher.deployment.root_org_id
        started = time.perf_counter()
        async with runtime.engine.begin() as conn:
            for batch in batches(case_rows(count, org_id, owners)):
                await conn.execute(insert(table(Case)), batch)
        build_s = time.perf_counter() - started
        log.info("track: %d cases inserted in %.1f s", count, build_s)
        rng = random.Random(2025)
        picks = [rng.randrange(count) for _ in range(calls + 1)]
        times: list[float] = []
        for i, n in enumerate(picks):
            code = case_code(n)[0]
            _, user_id = owners[n % len(owners)]
            incoming = Incoming(
                channel=CHANNEL,
                user_id=str(user_id),
                chat_id=str(user_id),
                display_name=f"Công dân {n % len(owners)}",
                language_code="vi",
                text=f"/track {code}",
            )
            began = time.perf_counter()
            outcome = await runtime.dispatcher.handle(incoming)
            elapsed = time.perf_counter() - began
            reply = outcome.replies[0].text if outcome.replies else ""
            if not reply.startswith(code):
                raise RuntimeError(f"/track {code}: unexpected reply {reply!r}")
            if i:  # the first call warms the caches
                times.append(elapsed)
    log.info(
        "track: p50 %.2f ms, p95 %.2f ms",
        1e3 * statistics.median(times),
        1e3 * percentile(times, 0.95),
    )
    return {
        "track_cases": count,
        "track_build_s": rounded(build_s, 1),
        "track_calls": len(times),
        "track_p50_ms": rounded(1e3 * statistics.median(times), 2),
        "track_p95_ms": rounded(1e3 * percentile(times, 0.95), 2),
        "track_max_ms": rounded(1e3 * max(times), 2),
    }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen parts, each on its own database file."""
    citizens = args.citizens or (30 if args.quick else 1_000)
    cases = args.cases or (20_000 if args.quick else 1_000_000)
    figures: dict[str, Any] = {
        "database": "postgresql"
        if args.database_url and "postgres" in args.database_url
        else "sqlite",
        "limiter": "unlimited",
    }
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp:

        def db(name: str) -> str:
            return args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / f'{name}.sqlite3'}"

        if "dialog" in args.only:
            figures |= await measure_dialog(db("dialog"), citizens)
        if "track" in args.only:
            figures |= await measure_track(db("track"), cases, args.calls)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.feedback", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 citizens, 20,000 cases")
    parser.add_argument("--citizens", type=int, help="citizens in the dialog (default 1000)")
    parser.add_argument("--cases", type=int, help="cases for /track (default 1,000,000)")
    parser.add_argument("--calls", type=int, default=200, help="timed /track calls (200)")
    parser.add_argument(
        "--only", nargs="+", choices=("dialog", "track"), default=["dialog", "track"]
    )
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://... (default: SQLite)")
    args = parser.parse_args(argv)
    setup_logging()
    emit("feedback", asyncio.run(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
