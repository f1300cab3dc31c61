"""/healthz and /metrics: what an operator reads, and that the metrics move."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from db.engine import create_engine, session_factory
from db.models import Case, CaseStatus
from tests.bot.public.conftest import Site, serve
from tests.conftest import VN, Person
from tests.handlers.feedback_support import sweep


async def samples(
    client: httpx.AsyncClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics``, parsed by the Prometheus text parser."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_move_when_updates_are_handled(site: Site, client: httpx.AsyncClient) -> None:
    handled = ("bot_updates_handled_total", (("channel", "test"),))
    timed = ("bot_update_seconds_count", (("channel", "test"),))
    before = await samples(client)
    visitor = Person(site.town.runtime, 4242, "Khách", "en")
    await visitor.say("/help")
    await visitor.say("/start")
    after = await samples(client)
    assert after[handled] == before[handled] + 2
    assert after[timed] == before[timed] + 2


async def test_metrics_count_the_outbox_the_sweep_and_open_cases(
    site: Site, client: httpx.AsyncClient
) -> None:
    before = await samples(client)
    assert before[("bot_outbox_rows", (("channel", "test"), ("state", "due")))] > 0
    async with site.town.runtime.sessions() as session:
        rows = await session.execute(select(Case.status, func.count()).group_by(Case.status))
        by_status = {str(s): int(n) for s, n in rows}
    assert before[("bot_cases_open", (("status", "new"),))] == by_status[CaseStatus.NEW]
    assert ("bot_cases_open", (("status", "answered"),)) not in before

    sweeps = ("bot_outbox_sweep_seconds_count", ())
    await sweep(site.town.runtime, datetime(2026, 3, 2, 10, 0, tzinfo=VN))
    after = await samples(client)
    assert after[sweeps] == before.get(sweeps, 0) + 1
    assert after[("bot_outbox_rows", (("channel", "test"), ("state", "sent")))] > 0
    assert after[("bot_outbox_last_sweep_timestamp_seconds", ())] > 0


async def test_healthz_reports_the_database_outbox_and_sweep(
    site: Site, client: httpx.AsyncClient
) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    assert health["database"] == "ok"
    assert health["outbox_lag_seconds"] >= 0
    assert set(health) == {"status", "database", "outbox_lag_seconds", "last_sweep", "channels"}


async def test_healthz_says_so_when_the_database_is_gone(site: Site, tmp_path: Path) -> None:
    gone = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'bot.sqlite3'}")
    try:
        deps = replace(site.deps, sessions=session_factory(gone))
        async with serve(deps) as base, httpx.AsyncClient(base_url=base) as client:
            response = await client.get("/healthz")
    finally:
        await gone.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
