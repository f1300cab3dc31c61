"""Migrations: up, down and up again, and ``is_current`` tells the truth."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, literal_column, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import db.models  # noqa: F401  (registers every table)
from bot.clock import ManualClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db import migrate
from db.base import Base
from db.engine import create_engine, session_factory
from db.models import Case, CaseKind, CaseTally, Organization, Person
from db.queries import tallies

TABLES = {table.name for table in Base.metadata.sorted_tables}


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


def _differences(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_up_down_up(engine: AsyncEngine) -> None:
    assert not await migrate.is_current(engine)
    assert not await table_names(engine) & TABLES

    await migrate.upgrade(engine)
    assert await migrate.is_current(engine)
    assert await table_names(engine) >= TABLES

    await migrate.downgrade(engine, "base")
    assert not await migrate.is_current(engine)
    assert not await table_names(engine) & TABLES

    await migrate.upgrade(engine)
    assert await migrate.is_current(engine)
    assert await table_names(engine) >= TABLES


async def test_upgrade_twice_is_harmless(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)
    await migrate.upgrade(engine)
    assert await migrate.is_current(engine)


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []


async def test_runtime_migrates_and_keeps_data_across_restarts(
    settings: Settings, clock: ManualClock
) -> None:
    async with open_runtime(settings, clock) as first:
        assert await migrate.is_current(first.engine)
        root = first.dispatcher.deployment.root_org_id
    async with open_runtime(replace(settings, org_name="Other"), clock) as second:
        assert await migrate.is_current(second.engine)
        assert second.dispatcher.deployment.root_org_id == root


async def test_answers_from_before_the_verdict_column_get_theirs(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine, "0007")
    now = datetime(2024, 8, 1, tzinfo=UTC)
    sessions = session_factory(engine)
    # Core inserts of the columns 0007 has: the ORM models carry later columns too.
    async with sessions.begin() as session:
        org_id = (
            await session.execute(
                insert(Organization)
                .values(name="UBND xã Thử", level="commune", created_at=now)
                .returning(Organization.id)
            )
        ).scalar_one()
        citizen_id = (
            await session.execute(
                insert(Person)
                .values(display_name="Dân", digest=False, created_at=now)
                .returning(Person.id)
            )
        ).scalar_one()
        # Due on 15/8: answered 00:30 on the 16th in Hanoi (still the 15th in UTC) is late;
        # 23:30 on the 15th is on time; an unanswered case keeps no verdict.
        answers = {
            "late": datetime(2024, 8, 15, 17, 30, tzinfo=UTC),
            "on-time": datetime(2024, 8, 15, 16, 30, tzinfo=UTC),
            "open": None,
        }
        # Core inserts of the columns 0007 has: the ORM model carries later columns too.
        for code, answered in answers.items():
            await session.execute(
                insert(Case).values(
                    code=code,
                    org_id=org_id,
                    citizen_id=citizen_id,
                    channel="test",
                    # A literal: at 0007 the column is still a number (0009 makes it text).
                    chat_id=literal_column("1"),
                    kind=CaseKind.REFLECTION,
                    topic="other",
                    text="…",
                    text_hash=code,
                    publishable=False,
                    consent_at=now,
                    received_at=now,
                    answer_due=date(2024, 8, 15),
                    answered_at=answered,
                    on_time=None,
                    status="new",
                    complex=False,
                    reopened=0,
                )
            )
    await migrate.upgrade(engine, timezone="Asia/Ho_Chi_Minh")
    async with sessions() as session:
        rows = await session.execute(select(Case.code, Case.on_time))
        verdicts = dict(rows.all())
    assert verdicts == {"late": False, "on-time": True, "open": None}
    # 0019 counted the cases already there into the tallies.
    async with sessions() as session:
        assert await tallies.drift(session) == []
        assert await session.scalar(select(func.sum(CaseTally.cases))) == 2 * 3


async def test_telegram_ids_become_text_and_come_back(engine: AsyncEngine) -> None:
    await migrate.upgrade(engine, "0008")
    big = 8_123_456_789_012
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO people (display_name, digest, created_at) VALUES ('Lan', false, :t)"),
            {"t": datetime(2026, 1, 1)},
        )
        await conn.execute(
            text(
                "INSERT INTO identities (person_id, channel, user_id, chat_id) "
                "VALUES (1, 'telegram', :id, :chat)"
            ),
            {"id": big, "chat": -big},
        )
    await migrate.upgrade(engine)
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT user_id, chat_id FROM identities"))).one()
    assert tuple(row) == (str(big), str(-big))
    await migrate.downgrade(engine, "0008")
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT user_id, chat_id FROM identities"))).one()
    assert tuple(row) == (big, -big)


async def test_the_head_read_from_the_scripts_is_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    assert migrate._single_head() == ScriptDirectory.from_config(config).get_current_head()


async def test_a_current_database_is_known_without_alembic(engine: AsyncEngine) -> None:
    assert not await migrate._known_current(engine)  # no version table yet
    await migrate.upgrade(engine, "0007")
    assert not await migrate._known_current(engine)
    await migrate.upgrade(engine)
    assert await migrate._known_current(engine)


def test_a_bot_on_a_current_database_does_not_load_the_heavy_libraries(database_url: str) -> None:
    script = f"""
import asyncio, sys
from cryptography.fernet import Fernet
from bot.runtime import open_runtime
from bot.settings import Settings

async def main() -> None:
    settings = Settings(database_url={database_url!r}, data_key=Fernet.generate_key().decode())
    for _ in range(2):
        async with open_runtime(settings):
            pass
        heavy = ("alembic", "matplotlib", "numpy", "openpyxl", "docx")
        print(sorted(m for m in heavy if m in sys.modules))
        for name in [m for m in sys.modules if m.split(".")[0] == "alembic"]:
            del sys.modules[name]

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.splitlines() == ["['alembic']", "[]"]
