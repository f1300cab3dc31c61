from __future__ import annotations

from bot.i18n import Translator
from bot.plans.preview import ParsedPlan, ParsedTask, PlanWarning, render_preview, shorten, to_json
from tests.bot.plans.builders import fake_timeframe


def _task(code: str, section: str | None, dimension: str | None, **changes: object) -> ParsedTask:
    values: dict[str, object] = {
        "code": code,
        "section": section,
        "dimension": dimension,
        "subsection": None,
        "task": "Tổ chức tuyên truyền " * 10,
        "target": "",
        "output": "Báo cáo",
        "lead": ["UBND xã"],
        "partners": ["Công an xã"],
        "timeframe_text": "Quý IV/2024",
        "flags": [],
        "row": 3,
    }
    values.update(changes)
    return ParsedTask(**values)  # type: ignore[arg-type]


PLAN = ParsedPlan(
    title="Kế hoạch PAPI",
    year=2024,
    source="plan.docx",
    tasks=[
        _task("1.1", "Công tác lãnh đạo", None, flags=["unknown_dimension"]),
        _task("2.1", "Quản trị điện tử", "D8", timeframe_text="", flags=["no_deadline"]),
    ],
    warnings=[PlanWarning("Row {row} skipped: it has no task text.", row=7)],
)


def test_json_has_the_agreed_shape() -> None:
    data = to_json(PLAN, fake_timeframe)
    assert data["plan"] == {"title": "Kế hoạch PAPI", "year": 2024, "source": "plan.docx"}
    first, second = data["tasks"]
    assert set(first) >= {
        "code",
        "section",
        "dimension",
        "subsection",
        "task",
        "target",
        "output",
        "lead",
        "partners",
        "timeframe",
        "flags",
    }
    assert first["timeframe"] == {
        "text": "Quý IV/2024",
        "kind": "once",
        "due": ["2024-12-31"],
        "offset_days": None,
    }
    assert second["dimension"] == "D8"
    assert second["timeframe"]["due"] == []
    assert second["flags"] == ["no_deadline"]
    assert data["warnings"] == ["Row 7 skipped: it has no task text."]


def test_preview_groups_by_section_and_shows_codes_leads_dates_and_flags() -> None:
    text = render_preview(PLAN, Translator("en"), timeframe_parser=fake_timeframe)
    assert "Kế hoạch PAPI" in text
    assert "2 tasks" in text
    assert "Công tác lãnh đạo — no PAPI dimension" in text
    assert "Quản trị điện tử — dimension D8" in text
    assert "1.1. Tổ chức tuyên truyền" in text
    assert "Lead: UBND xã" in text
    assert "Due: " in text
    assert "2024" in text
    assert "no PAPI dimension" in text
    assert "no deadline" in text
    assert "Row 7 skipped" in text
    assert text.index("1.1.") < text.index("2.1.")


def test_shorten_cuts_at_a_word() -> None:
    short = shorten("một hai ba bốn năm sáu", 12)
    assert short.endswith("…")
    assert len(short) <= 12
    assert shorten("ngắn", 12) == "ngắn"


def test_plan_warning_is_text_and_translates() -> None:
    warning = PlanWarning("Row {row} skipped: it has no task text.", row=4)
    assert warning == "Row 4 skipped: it has no task text."
    assert warning.localize(Translator("en")) == "Row 4 skipped: it has no task text."
