"""Migrations: up, down and up again, and ``is_current`` tells the truth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import db.models  # noqa: F401  (registers every table)
from bot.clock import ManualClock
from bot.runtime import open_runtime
from bot.settings import Settings
from db import migrate
from db.base import Base
from db.engine import create_engine, session_factory
from db.models import Case, CaseKind, Organization, Person

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
    async with sessions.begin() as session:
        org = Organization(name="UBND xã Thử", created_at=now)
        session.add(org)
        # Only the columns people had at 0007 (the model has more since).
        citizen_id = await session.scalar(
            insert(Person).values(display_name="Dân", created_at=now).returning(Person.id)
        )
        await session.flush()
        # Due on 15/8: answered 00:30 on the 16th in Hanoi (still the 15th in UTC) is late;
        # 23:30 on the 15th is on time; an unanswered case keeps no verdict.
        answers = {
            "late": datetime(2024, 8, 15, 17, 30, tzinfo=UTC),
            "on-time": datetime(2024, 8, 15, 16, 30, tzinfo=UTC),
            "open": None,
        }
        for code, answered in answers.items():
            session.add(
                Case(
                    code=code,
                    org_id=org.id,
                    citizen_id=citizen_id,
                    channel="test",
                    chat_id=1,
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
                )
            )
    await migrate.upgrade(engine, timezone="Asia/Ho_Chi_Minh")
    async with sessions() as session:
        rows = await session.execute(select(Case.code, Case.on_time))
        verdicts = dict(rows.all())
    assert verdicts == {"late": False, "on-time": True, "open": None}
