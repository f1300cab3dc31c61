"""End to end: the real plan appendices in every format, with the real time frame parser."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import Translator
from bot.plans import ParsedPlan, parse_plan, render_preview, to_json
from bot.timeframes import parse_timeframe
from tests.bot.plans.builders import PLANS

COUNTS = {"luongson-2024": 47, "donghoa-2021-pl1": 34}
FORMATS = ("docx", "xlsx", "csv")


def _plans(stem: str) -> dict[str, ParsedPlan]:
    return {ext: parse_plan(PLANS / f"{stem}.{ext}") for ext in FORMATS}


def _comparable(plan: ParsedPlan) -> list[tuple[Any, ...]]:
    return [
        (
            t.code,
            t.section,
            t.dimension,
            t.subsection,
            t.task,
            t.target,
            t.output,
            t.lead,
            t.partners,
            t.timeframe_text,
            t.flags,
        )
        for t in plan.tasks
    ]


@pytest.mark.parametrize("stem", sorted(COUNTS))
def test_every_format_gives_the_same_tasks_in_the_same_order(stem: str) -> None:
    plans = _plans(stem)
    assert {ext: len(plan.tasks) for ext, plan in plans.items()} == dict.fromkeys(
        FORMATS, COUNTS[stem]
    )
    docx, xlsx, csv = (_comparable(plans[ext]) for ext in FORMATS)
    assert docx == xlsx == csv


def test_luongson_sample() -> None:
    plan = parse_plan(PLANS / "luongson-2024.docx")
    assert plan.year == 2024
    assert "Lương Sơn năm 2024" in plan.title
    tasks = {t.code: t for t in plan.tasks}
    assert [t.code for t in plan.tasks][:5] == ["1.1", "1.2", "1.3", "1.4", "2.1"]
    assert tasks["1.1"].section == "Công tác lãnh đạo, chỉ đạo"
    assert tasks["1.1"].dimension is None
    assert tasks["1.1"].lead == ["CC VP- TK"]
    assert tasks["1.2"].lead == []
    assert "no_deadline" in tasks["1.2"].flags
    assert tasks["2.2"].dimension == "D1"
    assert tasks["2.2"].lead[:3] == ["Ủy ban MTTQ", "Công đoàn", "Hội Phụ nữ"]
    assert tasks["3.2"].lead == ["CC VH-XH", "Ban giảm nghèo"]
    assert {tasks[c].dimension for c in ("3.1", "4.1", "5.1", "6.1", "7.1", "8.1", "9.1")} == {
        "D2",
        "D3",
        "D4",
        "D5",
        "D6",
        "D7",
        "D8",
    }
    assert tasks["2.3"].flags == ["unspecified_deadline"]
    data = {t["code"]: t for t in to_json(plan, parse_timeframe)["tasks"]}
    assert data["1.1"]["timeframe"]["due"] == ["2024-12-31"]
    assert data["1.3"]["timeframe"]["due"] == ["2024-09-30"]
    assert data["2.2"]["timeframe"]["kind"] == "ongoing"
    assert data["6.3"]["timeframe"]["due"] == ["2024-12-31"]


def test_donghoa_sample() -> None:
    plan = parse_plan(PLANS / "donghoa-2021-pl1.csv")
    assert plan.year == 2021
    tasks = {t.code: t for t in plan.tasks}
    assert [t.code for t in plan.tasks] == [str(n) for n in range(1, 35)]
    assert tasks["1"].lead == ["Phòng Tư pháp", "UBND các xã, phường"]
    assert tasks["5"].subsection == "Công khai danh sách hộ nghèo"
    assert tasks["5"].dimension == tasks["7"].dimension == "D2"
    assert tasks["8"].subsection is None
    assert tasks["20"].lead == ["Văn phòng HĐND&UBND thị xã"]
    assert "Phòng Nội vụ" in tasks["20"].partners
    assert tasks["25"].lead[:2] == ["Phòng Quản lý đô thị", "Phòng Kinh tế"]
    assert [tasks[c].dimension for c in ("1", "8", "11", "16", "23", "26", "31")] == [
        "D1",
        "D3",
        "D4",
        "D5",
        "D6",
        "D7",
        "D8",
    ]
    assert not any("unknown_dimension" in t.flags for t in plan.tasks)
    data = {t["code"]: t for t in to_json(plan, parse_timeframe)["tasks"]}
    assert data["1"]["timeframe"]["due"] == ["2021-01-10", "2021-04-10", "2021-07-10", "2021-10-10"]
    assert data["6"]["timeframe"]["kind"] == "recurring"
    assert data["7"]["timeframe"]["kind"] == "event"
    assert data["22"]["timeframe"]["due"] == ["2021-09-30", "2021-12-31"]


def test_real_preview_renders_every_task() -> None:
    plan = parse_plan(PLANS / "donghoa-2021-pl1.docx")
    text = render_preview(plan, Translator("en"))
    assert text.count("Lead: ") == len(plan.tasks)
    assert "31/12/2021" in text or "Dec 31, 2021" in text
