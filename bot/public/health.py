"""What an operator checks: ``/healthz`` and ``/metrics``."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.public import metrics
from bot.public.deps import PublicDeps
from db.queries import public

log = logging.getLogger(__name__)


async def healthz(deps: PublicDeps, request: Request) -> Response:
    """Database reachable, outbox lag, last sweep, channels; 503 when the database is not."""
    now = deps.clock.now()
    try:
        async with deps.sessions() as session:
            await session.execute(text("SELECT 1"))
            oldest = await public.oldest_due(session, now)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    swept = metrics.last_sweep()
    return JSONResponse(
        {
            "status": "ok",
            "database": "ok",
            "outbox_lag_seconds": 0 if oldest is None else int((now - oldest).total_seconds()),
            "last_sweep": swept.isoformat() if swept else None,
            "channels": dict.fromkeys(deps.channels, "configured"),
        },
        headers={"Cache-Control": "no-store"},
    )


async def metrics_page(deps: PublicDeps, request: Request) -> Response:
    """Every metric in the Prometheus text format, the database gauges read now."""
    now = deps.clock.now()
    async with deps.sessions() as session:
        metrics.set_outbox(await public.outbox_by_channel(session, now))
        metrics.set_open_cases(await public.open_cases_by_status(session))
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
