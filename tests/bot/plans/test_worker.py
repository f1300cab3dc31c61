"""Plan files are parsed in a child process bounded in memory and time."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

import openpyxl
import pytest

from bot.filelimits import MIB, PLAN_LIMITS
from bot.plans import parse_plan
from bot.plans.errors import (
    CorruptFile,
    EncryptedFile,
    FileLimitExceeded,
    MissingColumn,
    PlanImportError,
    UnsupportedFormat,
    YearNotFound,
)
from bot.plans.worker import (
    error_from_json,
    error_to_json,
    parse_isolated,
    run_worker,
    start_parse,
)
from tests.bot.plans import crafted
from tests.bot.plans.builders import PLANS

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# The attack's files: each took the bot to gigabytes or a traceback.
ATTACK: list[tuple[str, Callable[[], bytes], str]] = [
    ("a1-xfd1048576.xlsx", crafted.xlsx_far_cell, "columns"),
    ("gridspan.docx", crafted.docx_huge_span, "span"),
    ("bomb.docx", crafted.zip_bomb_part, "part_unpacked"),
    ("bomb.xlsx", crafted.zip_bomb_media, "archive_unpacked"),
    ("one-line.csv", crafted.csv_one_line, "line_chars"),
]
# What the child may hold at most while refusing a crafted file: the interpreter, the
# XML library and counters; far below the memory limit, which is the backstop.
REFUSAL_PEAK: int = 200 * MIB


@pytest.mark.parametrize(("name", "make", "limit"), ATTACK, ids=[a[0] for a in ATTACK])
async def test_the_attack_files_are_refused_in_bounded_memory(
    tmp_path: Path, name: str, make: Callable[[], bytes], limit: str
) -> None:
    path = crafted.save(tmp_path / name, make())
    result = await run_worker(path, year=None, directory=None, limits=PLAN_LIMITS)
    refusal = error_from_json(result.payload["error"])
    assert isinstance(refusal, FileLimitExceeded)
    assert (refusal.name, refusal.limit) == (name, limit)
    assert 0 < result.peak_rss < REFUSAL_PEAK
    with pytest.raises(FileLimitExceeded):
        await parse_isolated(path)


async def test_a_plan_parsed_in_the_child_equals_one_parsed_here() -> None:
    for path in sorted(PLANS.iterdir()):
        directory = {"van phong": 1}
        isolated = await parse_isolated(path, directory=directory)
        here = parse_plan(path, directory=directory)
        assert isolated == here
        # Warnings keep their message ids, so they still translate.
        assert [(type(w), getattr(w, "msgid", None)) for w in isolated.warnings] == [
            (type(w), getattr(w, "msgid", None)) for w in here.warnings
        ]


def _big_sheet(path: Path) -> Path:
    """A legitimate, large table: 4,900 rows of 20 columns of text."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["KẾ HOẠCH cải thiện Chỉ số PAPI năm 2026"])
    sheet.append(["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian", *map(str, range(16))])
    for r in range(4900):
        sheet.append([str(r), f"Nhiệm vụ {r} " * 5, "Văn phòng", "Quý I/2026", *["ô"] * 16])
    workbook.save(path)
    return path


async def test_memory_past_the_limit_ends_in_a_memory_refusal(tmp_path: Path) -> None:
    # Within every claimed limit, yet more than this memory limit: the rlimit is the backstop.
    path = _big_sheet(tmp_path / "big.xlsx")
    tight = replace(PLAN_LIMITS, memory=128 * MIB)
    with pytest.raises(FileLimitExceeded) as caught:
        await parse_isolated(path, limits=tight)
    assert (caught.value.limit, caught.value.allowed) == ("memory", 128 * MIB)
    # Under the real limit the same file is a plan.
    result = await run_worker(path, year=None, directory=None, limits=PLAN_LIMITS)
    assert "plan" in result.payload
    assert result.peak_rss < PLAN_LIMITS.memory


async def test_cpu_time_past_the_limit_ends_in_a_time_refusal(tmp_path: Path) -> None:
    path = _big_sheet(tmp_path / "big.xlsx")
    with pytest.raises(FileLimitExceeded) as caught:
        await parse_isolated(path, limits=replace(PLAN_LIMITS, cpu_seconds=0))
    assert caught.value.limit == "cpu_seconds"


async def test_waiting_past_the_limit_kills_the_child(tmp_path: Path) -> None:
    path = _big_sheet(tmp_path / "big.xlsx")
    with pytest.raises(FileLimitExceeded) as caught:
        await parse_isolated(path, limits=replace(PLAN_LIMITS, wall_seconds=0))
    assert caught.value.limit == "wall_seconds"


@pytest.mark.parametrize(
    "error",
    [
        CorruptFile("a.docx", "no document part"),
        EncryptedFile("a.xlsx"),
        UnsupportedFormat("a.doc", ".doc"),
        YearNotFound("a.csv"),
        MissingColumn("a.csv", "lead", ["STT", "Nhiệm vụ"]),
        FileLimitExceeded("a.xlsx", "rows", 9000, 5000),
    ],
)
def test_every_refusal_crosses_the_process_boundary_intact(error: PlanImportError) -> None:
    back = error_from_json(error_to_json(error))
    assert type(back) is type(error)
    assert vars(back) == vars(error)
    assert str(back) == str(error)


def test_an_unknown_refusal_reads_as_a_damaged_file() -> None:
    back = error_from_json({"type": "SomethingElse", "fields": {"name": "a.docx"}})
    assert isinstance(back, CorruptFile)
    assert back.name == "a.docx"


async def test_files_wait_their_turn_beyond_the_worker_slots(tmp_path: Path) -> None:
    path = crafted.save(tmp_path / "far.xlsx", crafted.xlsx_far_cell())
    one_at_a_time = replace(PLAN_LIMITS, workers=1)
    reads = [asyncio.create_task(parse_isolated(path, limits=one_at_a_time)) for _ in range(4)]
    seen: set[int] = set()
    most = 0
    while not all(r.done() for r in reads):
        running = crafted.worker_pids()
        seen.update(running)
        most = max(most, len(running))
        await asyncio.sleep(0.01)
    assert most == 1
    assert len(seen) == len(reads)
    for read in reads:
        assert isinstance(read.exception(), FileLimitExceeded)


async def test_a_started_parse_flags_the_units_of_the_directory_sent_later() -> None:
    path = sorted(PLANS.iterdir())[0]
    async with start_parse(path) as parsing:
        # The child parses meanwhile; the directory arrives when the caller has read it.
        await asyncio.sleep(0.05)
        plan = await parsing.plan({"van phong": 1})
    assert plan == parse_plan(path, directory={"van phong": 1})
    assert plan != parse_plan(path, directory={})


async def test_a_refusal_does_not_wait_for_the_directory(tmp_path: Path) -> None:
    path = crafted.save(tmp_path / "bomb.docx", crafted.zip_bomb_part())
    async with start_parse(path) as parsing:
        result = await parsing.result({"van phong": 1})
    refusal = error_from_json(result.payload["error"])
    assert isinstance(refusal, FileLimitExceeded)
    assert refusal.limit == "part_unpacked"


async def _fail_while_parsing(path: Path) -> set[int]:
    """Start a parse, then fail before collecting it; the children alive meanwhile."""
    running: set[int] = set()
    try:
        async with start_parse(path):
            running = crafted.worker_pids()
            raise RuntimeError("the caller failed before it had the directory")
    except RuntimeError:
        return running


async def test_a_parse_left_uncollected_ends_with_its_block(tmp_path: Path) -> None:
    path = _big_sheet(tmp_path / "big.xlsx")
    assert len(await _fail_while_parsing(path)) == 1
    assert crafted.worker_pids() == set()
