"""Shared fixtures: a real database (SQLite file, or PostgreSQL when asked), a clock, a runtime."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.messages import Incoming, Outcome
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from db.base import Base
from db.engine import create_engine

REPO_ROOT = Path(__file__).resolve().parent.parent
# The shared data sits beside the repository, or beside a folder above it (a worktree);
# BOT_SHARED_DIR names it anywhere else.
SHARED = Path(
    os.environ.get("BOT_SHARED_DIR")
    or next(
        (f / "shared" for f in REPO_ROOT.parents if (f / "shared" / "data").is_dir()),
        REPO_ROOT.parent / "shared",
    )
)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def pytest_report_header() -> str:
    """Say which database the run uses."""
    return f"database: {'PostgreSQL' if os.environ.get('TEST_POSTGRES_URL') else 'SQLite'}"


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh empty database: a SQLite file, or a new PostgreSQL database per test."""
    server = os.environ.get("TEST_POSTGRES_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(autouse=True)
def _forget_dialects() -> Iterator[None]:
    """Drop the mappers' cached statements after each test.

    Each test's engine has its own dialect; the mappers' statement caches keep it, and through
    its type memos every table the migrations built: thousands of objects per test, which made
    full collections take seconds late in a run and fail a CPU-time bound.
    """
    yield
    for mapper in Base.registry.mappers:
        mapper._compiled_cache.clear()
    # PostgreSQL's dialect memoizes its catalog queries per dialect, keeping them too.
    for member in vars(PGDialect).values():
        if hasattr(member, "cache_clear"):
            member.cache_clear()


@pytest.fixture
def clock() -> ManualClock:
    """A clock fixed at a Monday morning in Vietnam."""
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a bot with no Telegram token, on the test database."""
    return Settings(
        database_url=database_url,
        org_name="UBND phường Thử Nghiệm",
        data_key=Fernet.generate_key().decode(),
        audit_key=secrets.token_urlsafe(32),
        audit_checkpoint_dir=str(tmp_path / "audit-checkpoints"),
        backup_dir=str(tmp_path / "backups"),
    )


@pytest.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """A migrated, running bot core."""
    async with open_runtime(settings, clock) as rt:
        yield rt


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so no stray ``.env`` is read."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Person:
    """A simulated person talking to the dispatcher directly (no channel)."""

    def __init__(self, runtime: Runtime, user_id: int, name: str, language: str = "vi") -> None:
        self.runtime = runtime
        self.user_id = user_id
        self.name = name
        self.language = language

    def _incoming(self, text: str | None = None, button: str | None = None) -> Incoming:
        return Incoming(
            channel="test",
            user_id=str(self.user_id),
            chat_id=str(self.user_id),
            display_name=self.name,
            language_code=self.language,
            text=text,
            button=button,
        )

    async def say(self, text: str) -> Outcome:
        """Send text (or a command) and return what the bot answers."""
        return await self.runtime.dispatcher.handle(self._incoming(text=text))

    async def press(self, data: str) -> Outcome:
        """Press a button with this payload (forged or not)."""
        return await self.runtime.dispatcher.handle(self._incoming(button=data))

    async def text_of(self, text: str) -> str:
        """Send text and return all reply texts joined."""
        return "\n".join(r.text for r in (await self.say(text)).replies)


@pytest.fixture
def person(runtime: Runtime) -> Person:
    """A citizen called Lan writing in English."""
    return Person(runtime, 1001, "Lan", "en")
