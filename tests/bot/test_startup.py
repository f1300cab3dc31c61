"""A bot on a read-only database refuses to start, and says so, instead of answering nobody."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.startup import DatabaseReadOnly
from db.engine import create_engine
from tests.conftest import REPO_ROOT


async def _read_only_url(settings: Settings) -> str:
    """The same database, made read-only the way an operator's mistake would."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite+aiosqlite:///file:{url.database}?mode=ro&uri=true"
    admin = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(
                text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
            )
    finally:
        await admin.dispose()
    return settings.database_url


def _run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_a_read_only_database_stops_the_bot_with_one_line(
    settings: Settings, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_runtime(settings, clock):
        pass  # a database with everything in it, written once
    read_only = replace(settings, database_url=await _read_only_url(settings))
    with pytest.raises(DatabaseReadOnly) as caught:
        async with open_runtime(read_only, clock):
            pass
    assert str(caught.value).startswith("DATABASE_URL (")
    assert "read-only" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert any("read-only" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")

    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": read_only.database_url,
        "BOT_DATA_KEY": settings.data_key or "",
        "BOT_AUDIT_KEY": settings.audit_key or "",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = _run_bot(env, tmp_path)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("cannot start: DATABASE_URL (")
    assert "read-only" in last
    assert "Traceback" not in done.stderr


async def test_a_writable_database_starts(settings: Settings, clock: ManualClock) -> None:
    async with open_runtime(settings, clock) as runtime:
        assert runtime.keys.audit_key
