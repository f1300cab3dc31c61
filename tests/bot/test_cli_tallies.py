"""``python -m bot tallies``: finds tallies that differ from the cases, and counts them again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from db.engine import create_engine
from db.models import Case, CaseKind, CaseStatus, Organization, Person
from tests.bot.test_cli import _run


async def _case_behind_the_orms_back(database_url: str) -> None:
    """A case written by a plain INSERT, as a bulk load would: no flush, no tally."""
    engine = create_engine(database_url)
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    try:
        async with engine.begin() as conn:
            org_id = await conn.scalar(select(Organization.id).limit(1))
            person = await conn.execute(
                insert(Person).values(display_name="", created_at=now).returning(Person.id)
            )
            await conn.execute(
                insert(Case).values(
                    code="PA-2026-00001",
                    org_id=org_id,
                    citizen_id=person.scalar_one(),
                    channel="test",
                    chat_id="1",
                    kind=CaseKind.PETITION,
                    topic="other",
                    text="…",
                    text_hash="x",
                    publishable=False,
                    consent_at=now,
                    received_at=now,
                    status=CaseStatus.NEW,
                    complex=False,
                    reopened=0,
                )
            )
    finally:
        await engine.dispose()


async def test_check_finds_drift_and_rebuild_ends_it(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    clean = _run(["tallies", "check"], tmp_path, env)
    assert (clean.returncode, clean.stdout) == (0, "case tallies ok\n"), clean.stderr
    await _case_behind_the_orms_back(database_url)
    drifted = _run(["tallies", "check"], tmp_path, env)
    assert drifted.returncode == 1
    assert "2026-03-02 petition new rating=- none reopened=False answered=False: " in drifted.stdout
    assert "month 2026-03 new rating=- none reopened=False answered=False: " in drifted.stdout
    assert drifted.stdout.count("tallied 0, counted 1") == 2
    assert "2 tallies differ from the cases; run `tallies rebuild`" in drifted.stdout
    rebuilt = _run(["tallies", "rebuild"], tmp_path, env)
    assert (rebuilt.returncode, rebuilt.stdout) == (0, "rebuilt the case tallies: 2 rows\n")
    assert _run(["tallies", "check"], tmp_path, env).stdout == "case tallies ok\n"
