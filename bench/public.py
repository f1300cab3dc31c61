"""The public pages and the Open311 API at province scale, cold and from the page cache.

The province of ``bench.reports`` (built the same way: the root organization → one district →
100 communes with 5 units, a 2024 plan of 10,000 tasks, 1,000,000 feedback cases), on a
``ManualClock`` at Friday 2024-11-29 09:00 (Asia/Ho_Chi_Minh); one answered, publishable case
in 50 is approved for publication. The pages are served by a real uvicorn on 127.0.0.1 with
``Starlette(routes=routes(deps))`` and fetched with httpx from the same process.

Timed, each the median wall seconds of ``--runs`` fetches of the province's page:

* ``cold`` — with the page cache emptied before each fetch (what the first visitor after the
  cache's five minutes waits for);
* ``warm`` — from the cache (every other visitor).

Baselines measured in the same run: ``/healthz`` (one ``SELECT 1`` through the same server,
client and event loop: the floor of a request) and ``bot.reports.figures.figures`` for the
quarter called directly (what ``/report`` computes). Each page's figure is also reported as a
ratio to them: ``<page>_warm_over_healthz`` and ``numbers_cold_over_figures``.

    .venv/bin/python -m bench.public [--quick] [--communes N] [--tasks N] [--cases N]
                                     [--runs N] [--database-url URL]

``--quick``: 10 communes, 1,000 tasks, 50,000 cases.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import httpx
import uvicorn
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select, update
from starlette.applications import Starlette

from bench._support import emit, log, median, rounded, setup_logging
from bench.reports import (
    AS_OF,
    CITIZENS,
    NOW,
    YEAR,
    add_citizens,
    batches,
    build_plans,
    build_tree,
    case_rows,
    table,
)
from bot.clock import ManualClock
from bot.periods import current_quarter
from bot.public.deps import PublicDeps, deps_from
from bot.public.limits import SlidingWindow
from bot.public.routes import routes
from bot.reports.figures import figures
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Case, CaseKind, CaseStatus
from db.queries import tallies

PUBLISH_ONE_IN: Final = 50


@asynccontextmanager
async def serving(deps: PublicDeps) -> AsyncIterator[httpx.AsyncClient]:
    """uvicorn on 127.0.0.1 serving the public routes, and a client pointed at it."""
    # IPPROTO_TCP named, as uvicorn's own sockets have it: asyncio then sets TCP_NODELAY on
    # each connection, and small answers are not held back 40 ms by Nagle's algorithm.
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.bind(("127.0.0.1", 0))
    port = int(listening.getsockname()[1])
    config = uvicorn.Config(
        Starlette(routes=routes(deps)),
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="none",
        http="h11",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started:  # noqa: ASYNC110 (uvicorn has no "started" event to await)
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            yield client
    finally:
        server.should_exit = True
        await task
        listening.close()


async def fetch_time(client: httpx.AsyncClient, path: str) -> float:
    """Seconds to fetch ``path`` (which must answer 200)."""
    began = time.perf_counter()
    response = await client.get(path)
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return elapsed


async def median_of(runs: int, measure: Callable[[], Awaitable[float]]) -> float:
    """The median of ``runs`` measurements."""
    return median([await measure() for _ in range(runs)])


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Build the province, serve it, and time each page cold and warm."""
    communes = args.communes or (10 if args.quick else 100)
    tasks = args.tasks or (1_000 if args.quick else 10_000)
    cases = args.cases or (50_000 if args.quick else 1_000_000)
    runs = args.runs or (3 if args.quick else 5)
    rng = random.Random(YEAR)
    with tempfile.TemporaryDirectory(prefix="bench-public-") as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'public.sqlite3'}"
        settings = Settings(
            database_url=url,
            org_name="UBND tỉnh Đo Tốc Độ",
            data_key=Fernet.generate_key().decode(),
        )
        async with open_runtime(settings, ManualClock(NOW)) as runtime:
            async with runtime.sessions() as session:
                if await session.scalar(select(func.count(Case.id))):
                    raise SystemExit("public: the database already holds cases; use an empty one")
            started = time.perf_counter()
            province, _communes, units = await build_tree(runtime, communes)
            citizens = await add_citizens(runtime, CITIZENS)
            await build_plans(runtime, rng, units, tasks // communes, citizens[0])
            async with runtime.engine.begin() as conn:
                for batch in batches(case_rows(rng, units, cases // communes, citizens)):
                    await conn.execute(insert(table(Case)), batch)
                await conn.execute(
                    update(table(Case))
                    .where(
                        Case.publishable.is_(True),
                        Case.kind != CaseKind.DENUNCIATION,
                        Case.status.in_((CaseStatus.ANSWERED, CaseStatus.CLOSED)),
                        Case.answer.is_not(None),
                        Case.id % PUBLISH_ONE_IN == 0,
                    )
                    .values(published_at=Case.answered_at)
                )
                published = int(
                    await conn.scalar(
                        select(func.count()).select_from(Case).where(Case.published_at.is_not(None))
                    )
                    or 0
                )
            # Core inserts bypass the flush hook that keeps the tallies: count them once.
            async with runtime.sessions.begin() as session:
                await tallies.rebuild(session)
            build_s = time.perf_counter() - started
            log.info("built in %.1f s; %d cases published", build_s, published)
            deps = deps_from(runtime)
            quarter = current_quarter(AS_OF)

            async def figures_direct() -> float:
                began = time.perf_counter()
                async with runtime.sessions() as session:
                    await figures(
                        session, org_id=province, period=quarter, as_of=AS_OF, tz=settings.tz
                    )
                return time.perf_counter() - began

            async with runtime.sessions() as session:
                code = await session.scalar(
                    select(Case.code).where(Case.kind != CaseKind.DENUNCIATION).limit(1)
                )
            org = f"/xa/{province}"
            pages = {
                "home": org,
                "questions": f"{org}/hoi-dap",
                "questions_search": f"{org}/hoi-dap?q=liên+thôn&topic=land",
                "plan": f"{org}/ke-hoach?year={YEAR}",
                "numbers": f"{org}/so-lieu",
                "chart": f"{org}/so-lieu/bieu-do.png",
                "open311_requests": "/open311/v2/requests.json?start_date=2024-01-01T00:00:00Z",
                "open311_services": "/open311/v2/services.xml",
            }
            figures_s = await median_of(runs, figures_direct)
            log.info("figures() direct: %.3f s", figures_s)
            found: dict[str, float] = {}
            async with serving(deps) as client:
                await fetch_time(client, "/healthz")
                healthz_s = await median_of(runs * 4, lambda: fetch_time(client, "/healthz"))
                for name, path in pages.items():

                    async def cold(path: str = path) -> float:
                        deps.cache.clear()
                        deps.searches.clear()
                        return await fetch_time(client, path)

                    found[f"{name}_cold_s"] = await median_of(runs, cold)
                    await fetch_time(client, path)

                    async def warm(path: str = path) -> float:
                        return await fetch_time(client, path)

                    found[f"{name}_warm_s"] = await median_of(runs * 4, warm)
                    log.info(
                        "%s: cold %.3f s, warm %.4f s",
                        name,
                        found[f"{name}_cold_s"],
                        found[f"{name}_warm_s"],
                    )
                # Lookups are limited per address; the benchmark is one address asking often.
                deps.lookups = SlidingWindow(deps.clock, 10**9, timedelta(minutes=1))
                found["lookup_s"] = await median_of(
                    runs * 4, lambda: fetch_time(client, f"{org}/tra-cuu?code={code}")
                )
    return {
        "database": "postgresql" if "postgres" in url else "sqlite",
        "communes": communes,
        "cases": cases // communes * communes,
        "published": published,
        "build_s": rounded(build_s, 1),
        "runs": runs,
        "healthz_s": rounded(healthz_s, 4),
        "figures_direct_s": rounded(figures_s, 3),
        **{k: rounded(v, 4) for k, v in found.items()},
        **{
            f"{name}_warm_over_healthz": rounded(found[f"{name}_warm_s"] / healthz_s, 2)
            for name in pages
        },
        "lookup_over_healthz": rounded(found["lookup_s"] / healthz_s, 2),
        "numbers_cold_over_figures": rounded(found["numbers_cold_s"] / figures_s, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.public", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 communes, 1,000 tasks, 50k cases")
    parser.add_argument("--communes", type=int, help="communes (default 100)")
    parser.add_argument("--tasks", type=int, help="tasks in all (default 10,000)")
    parser.add_argument("--cases", type=int, help="feedback cases in all (default 1,000,000)")
    parser.add_argument("--runs", type=int, help="timed fetches per page (default 5)")
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://... (default: SQLite)")
    args = parser.parse_args(argv)
    setup_logging()
    emit("public", asyncio.run(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
