"""`python -m bot reminders`: what the reminders would send, listed without sending anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import ManualClock
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.workcal import WorkCalendar
from db.models import Occurrence, OutboxMessage, Task, TaskRole, TaskUnit, Unit
from jobs.reminders import plan_reminders
from tests.conftest import REPO_ROOT, SHARED, VN

PLAN_FILE = SHARED / "plans/luongson-2024.docx"
FIRST, LAST = date(2024, 9, 16), date(2024, 10, 8)
ONE_DAY = timedelta(days=1)


def _run(
    args: list[str], cwd: Path, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` as an operator would."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
    full_env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def back(cal: WorkCalendar, day: date, n: int) -> date:
    """``n`` working days before ``day``, counted a day at a time."""
    while n:
        day -= ONE_DAY
        n -= cal.is_working_day(day)
    return day


def after(cal: WorkCalendar, day: date) -> date:
    """The first working day after ``day``."""
    day += ONE_DAY
    while not cal.is_working_day(day):
        day += ONE_DAY
    return day


async def _dated_task(database_url: str) -> tuple[str, str, date]:
    """The code, lead unit and due date of the plan's first dated occurrence."""
    settings = Settings(database_url=database_url)
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        row = (
            await session.execute(
                select(Task.code, Unit.name, Occurrence.due_date)
                .join(Occurrence, Occurrence.task_id == Task.id)
                .join(TaskUnit, TaskUnit.task_id == Task.id)
                .join(Unit, Unit.id == TaskUnit.unit_id)
                .where(TaskUnit.role == TaskRole.LEAD)
                .order_by(Occurrence.due_date, TaskUnit.position)
                .limit(1)
            )
        ).one()
    return row[0], row[1], row[2]


async def _plan_and_snapshot(database_url: str, moment: datetime) -> list[tuple[object, ...]]:
    """Run the planning job at ``moment``; return the outbox as it then stands."""
    async with open_runtime(Settings(database_url=database_url)) as runtime:
        await plan_reminders(runtime.sessions, ManualClock(moment), VN)
        return await _outbox(database_url)


async def _outbox(database_url: str) -> list[tuple[object, ...]]:
    settings = Settings(database_url=database_url)
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [
            (r.id, r.dedupe_key, r.status, r.due_at, r.attempts, r.sent_at, r.claimed_by)
            for r in rows
        ]


async def test_reminders_json_lists_the_ladder_and_sends_nothing(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    imported = _run(["import-plan", str(PLAN_FILE)], tmp_path, env)
    assert imported.returncode == 0, imported.stderr
    code, unit, due = await _dated_task(database_url)
    assert FIRST <= due <= LAST

    official = _run(["invite", "--role", "official", "--unit", unit], tmp_path, env)
    assert official.returncode == 0, official.stderr
    leader = _run(["invite", "--role", "leader"], tmp_path, env)
    assert leader.returncode == 0, leader.stderr
    script = [
        "/as Minh",
        f"/start {official.stdout.strip().splitlines()[-1]}",
        "/as Lan",
        f"/start {leader.stdout.strip().splitlines()[-1]}",
        "/quit",
    ]
    chat = _run(["chat"], tmp_path, env, stdin="\n".join(script) + "\n")
    assert chat.returncode == 0, chat.stderr
    assert "Traceback" not in chat.stderr

    # Rows already planned for the window stay exactly as they are.
    outbox = await _plan_and_snapshot(database_url, datetime(2024, 9, 20, 7, 0, tzinfo=VN))
    assert outbox

    listed = _run(
        ["reminders", "--from", FIRST.isoformat(), "--to", LAST.strftime("%d/%m/%Y"), "--json"],
        tmp_path,
        env,
    )
    assert listed.returncode == 0, listed.stderr
    lines = json.loads(listed.stdout)
    assert isinstance(lines, list)
    assert lines
    for line in lines:
        assert set(line) == {"send_at", "person", "unit", "task", "step"}
        assert line["send_at"].endswith("+07:00")
        moment = datetime.fromisoformat(line["send_at"])
        assert moment.utcoffset() == timedelta(hours=7)
        assert FIRST <= moment.date() <= LAST
    assert [line["send_at"] for line in lines] == sorted(line["send_at"] for line in lines)

    cal = WorkCalendar()
    overdue = after(cal, due)
    want = {("Minh", unit, f"before{n}", back(cal, due, n).isoformat()) for n in (7, 3, 1)} | {
        ("Minh", unit, "due", due.isoformat()),
        ("Minh", unit, "overdue", overdue.isoformat()),
        ("Lan", unit, "overdue", overdue.isoformat()),
    }
    for k in range(1, 5):  # raised again weekly, on a working day
        week = overdue + timedelta(weeks=k)
        day = week if cal.is_working_day(week) else after(cal, week)
        want.add(("Minh", unit, f"reraise{k}", day.isoformat()))
    got = {
        (line["person"], line["unit"], line["step"], line["send_at"][:10])
        for line in lines
        if line["task"] == code
    }
    assert got == {w for w in want if FIRST.isoformat() <= w[3] <= LAST.isoformat()}
    assert all(line["send_at"][11:16] == "08:00" for line in lines)

    assert await _outbox(database_url) == outbox
