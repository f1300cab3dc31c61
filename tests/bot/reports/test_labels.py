"""Shared report labels: dimensions, kinds, topics, states, and reading the figures."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from bot.papi import DIMENSIONS
from bot.reports.labels import (
    STATE_GROUPS,
    TASK_STATES,
    code_key,
    dimension_groups,
    dimension_label,
    kind_label,
    percent,
    period_label,
    report_period,
    state_label,
    topic_name,
)
from tests.bot.reports.sample import empty, sample, typed


def test_eight_dimensions_in_both_languages() -> None:
    assert [d.code for d in DIMENSIONS] == [f"D{i}" for i in range(1, 9)]
    vi, en = Translator("vi"), Translator("en")
    assert dimension_label("D1", None, vi) == "Tham gia của người dân ở cấp cơ sở"
    assert dimension_label("D1", None, en) == "Participation at local levels"
    assert dimension_label("D8", None, en) == "E-governance"


def test_a_section_without_dimension_keeps_its_own_name() -> None:
    t = Translator("vi")
    assert dimension_label(None, "Công tác lãnh đạo, chỉ đạo", t) == "Công tác lãnh đạo, chỉ đạo"
    assert dimension_label(None, "", t) == t._("Other tasks (no PAPI dimension)")


def test_kinds_and_topics_reuse_the_feedback_catalog() -> None:
    t = Translator("en")
    assert kind_label("reflection", t) == "Report a problem (phản ánh)"
    assert kind_label("unknown", t) == "unknown"
    assert topic_name("land", t) == "Land"
    assert topic_name("unknown", t) == "unknown"


def test_every_state_has_a_label_and_a_chart_group() -> None:
    t = Translator("en")
    grouped = [state for _, states in STATE_GROUPS for state in states]
    assert sorted(grouped) == sorted(TASK_STATES)
    assert all(state_label(state, t) != state for state in TASK_STATES)


def test_dimension_groups_attach_done_and_late_tasks() -> None:
    found = dimension_groups(typed(sample()).tasks)
    assert [g.code for g in found] == ["D1", "D3", "D8", None]
    d1 = found[0]
    assert d1.total == 6
    assert [i.code for i in d1.done] == ["2.1", "2.4"]
    assert [i.code for i in d1.late] == ["2.4"]
    assert [i.code for i in found[3].late] == ["1.3"]


def test_sections_without_dimension_are_joined() -> None:
    tasks = sample()["tasks"]
    tasks["by_dimension"].append({"dimension": None, "name": "", "total": 2, "pending": 2})
    found = dimension_groups(typed({"tasks": tasks}).tasks)
    assert [g.code for g in found] == ["D1", "D3", "D8", None]
    assert found[3].total == 5


def test_a_listed_task_of_an_unknown_dimension_is_kept() -> None:
    tasks = empty()["tasks"]
    tasks["done"] = [
        {"code": "1.1", "task": "x", "dimension": "D5", "due": "2021-03-01", "late": False}
    ]
    found = dimension_groups(typed({"tasks": tasks}).tasks)
    assert [g.code for g in found] == ["D5"]
    assert found[0].progress is None


def test_period_from_the_figures() -> None:
    figures = sample()
    assert period_label(typed(figures), Translator("en")) == "Q3 2024"
    figures["period"] = {"code": "odd", "start": "2024-01-01", "end": "2024-02-29"}
    assert report_period(typed(figures)).start == date(2024, 1, 1)
    assert report_period(typed(figures)).end == date(2024, 2, 29)


def test_codes_sort_naturally() -> None:
    assert sorted(["1.10", "1.2", "10.1", "2.1"], key=code_key) == ["1.2", "1.10", "2.1", "10.1"]


def test_percent() -> None:
    assert percent(0.667, Translator("vi")) == "66,7%"
    assert percent(None, Translator("en")) == "—"
