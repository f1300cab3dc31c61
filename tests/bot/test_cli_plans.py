"""``import-plan`` asks where each unit name goes before it stores anything."""

from __future__ import annotations

import gc
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import frozen_heap
from tests.bot.test_cli import _run
from tests.conftest import REPO_ROOT

PLAN = """\
STT,Nhiệm vụ,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian hoàn thành
1,Công khai kế hoạch PAPI năm 2026,CC VP-TK,Sở Nội vụ,Quý II/2026
2,Tiếp công dân định kỳ năm 2026,Công chức Văn phòng – Thống kê,,Quý III/2026
3,Rà soát thủ tục hành chính năm 2026,UBND xã,Các thôn,Quý IV/2026
"""


def _plan(tmp_path: Path) -> Path:
    path = tmp_path / "kehoach-2026.csv"
    path.write_text(PLAN, encoding="utf-8")
    return path


def test_unanswered_names_stop_the_import_with_exit_2(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    result = _run(["import-plan", str(_plan(tmp_path))], tmp_path, env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "4 unit names need a place before the import:" in result.stderr
    assert "“Văn phòng - Thống kê” (2 tasks) — also written: " in result.stderr
    assert "answer with --map NAME=UNIT" in result.stderr
    assert _run(["units", "list"], tmp_path, env).stdout == ""


def test_dry_run_lists_what_needs_mapping(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    result = _run(["import-plan", str(_plan(tmp_path)), "--dry-run"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert "4 unit names need a place before the import:" in result.stdout
    assert "  • “Sở Nội vụ” (1 task)" in result.stdout


def test_map_options_are_used_and_remembered(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    assert _run(["units", "add", "Văn phòng - Thống kê xã"], tmp_path, env).returncode == 0
    plan = str(_plan(tmp_path))
    maps = ["--map", "UBND xã=committee", "--map", "Sở Nội vụ=outside", "--map", "*=villages"]
    done = _run(["import-plan", plan, *maps], tmp_path, env)
    assert done.returncode == 0, done.stderr
    listed = _run(["units", "list"], tmp_path, env).stdout
    assert "\tLãnh đạo UBND\tUBND xã" in listed
    assert "\tCơ quan ngoài xã\tSở Nội vụ" in listed
    assert "\tCác thôn, tổ dân phố\tCác thôn" in listed
    again = _run(["import-plan", plan, "--dry-run"], tmp_path, env)
    assert "need a place" not in again.stdout
    assert "already stored exactly so" in again.stdout


def test_a_bad_map_option_is_refused(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_DEFAULT_LOCALE": "en"}
    plan = str(_plan(tmp_path))
    for option, message in (
        ("no equals sign", "expected --map NAME=UNIT"),
        ("UBND xã=Thiên đình", "There is no unit called “Thiên đình”."),
        ("=new", "expected --map NAME=UNIT"),
    ):
        result = _run(["import-plan", plan, "--map", option], tmp_path, env)
        assert result.returncode == 2
        assert message in result.stderr
    assert _run(["units", "list"], tmp_path, env).stdout == ""


def test_a_terminal_is_asked_name_by_name(tmp_path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": database_url,
        "BOT_DEFAULT_LOCALE": "en",
    }
    assert _run(["units", "add", "Tổ dân phố"], tmp_path, env).returncode == 0
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "import-plan", str(_plan(tmp_path))],
        cwd=tmp_path,
        env=env,
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(secondary)
    # VP-TK: a new unit; Sở Nội vụ: a wrong number, then "outside"; UBND xã: "the whole
    # committee"; Các thôn: an unknown name, then a unit's name.
    os.write(primary, "1\n9\n3\n2\nThiên đình\nto dan pho\n".encode())
    out, err = process.communicate(timeout=120)
    os.close(primary)
    assert process.returncode == 0, err
    assert "[1] A new unit" in out
    assert "[2] The whole committee (its leaders)" in out
    assert "There is no unit called “Thiên đình”." in out
    listed = _run(["units", "list"], tmp_path, env).stdout
    assert "\tVăn phòng - Thống kê\t" in listed
    assert "\tCơ quan ngoài xã\tSở Nội vụ" in listed
    assert "\tTổ dân phố\tCác thôn" in listed
    assert "\tLãnh đạo UBND\tUBND xã" in listed


async def test_the_import_keeps_the_collector_off_what_existed_and_gives_it_back() -> None:
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    async with frozen_heap():
        # Everything that existed, this test's own objects included, is left alone.
        assert gc.get_freeze_count() > 1000
        assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    with pytest.raises(ValueError, match="mid-way"):
        async with frozen_heap():
            raise ValueError("mid-way")
    assert (gc.get_freeze_count(), gc.isenabled()) == (0, True)
