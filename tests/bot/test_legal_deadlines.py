"""Legal deadlines for citizens' feedback, counted over weekends and the 2025 holidays."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.errors import BotError
from bot.legal_deadlines import (
    DEFAULT_RULES,
    KINDS,
    LegalRules,
    LegalRulesError,
    Unit,
    load_rules,
)
from bot.workcal import KNOWN_OVERRIDES, WorkCalendar


@pytest.fixture(scope="module")
def rules() -> LegalRules:
    return load_rules()


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(KNOWN_OVERRIDES)


# -- what the table says ---------------------------------------------------------------


def test_the_default_table_has_every_kind(rules: LegalRules) -> None:
    assert set(rules.kinds) == set(KINDS)
    assert rules.source == DEFAULT_RULES


@pytest.mark.parametrize(
    ("kind", "required", "confidential"),
    [
        ("suggestion", False, False),
        ("reflection", False, False),
        ("petition", False, False),
        ("complaint", True, False),
        ("denunciation", True, True),
    ],
)
def test_identity(rules: LegalRules, kind: str, required: bool, confidential: bool) -> None:
    k = rules.kind(kind)
    assert (k.identity_required, k.identity_confidential) == (required, confidential)


@pytest.mark.parametrize(
    ("kind", "step", "unit", "basis"),
    [
        ("complaint", "accept", Unit.DAYS, "Luật Khiếu nại 2011, Điều 27"),
        ("complaint", "resolve", Unit.DAYS, "Luật Khiếu nại 2011, Điều 28"),
        ("complaint", "resolve_second", Unit.DAYS, "Luật Khiếu nại 2011, Điều 37"),
        ("denunciation", "accept", Unit.WORKING_DAYS, "Luật Tố cáo 2018, Điều 24"),
        ("denunciation", "resolve", Unit.DAYS, "Luật Tố cáo 2018, Điều 30"),
    ],
)
def test_each_limit_carries_its_legal_basis(
    rules: LegalRules, kind: str, step: str, unit: Unit, basis: str
) -> None:
    rule = rules.rule(kind, step)
    assert (rule.unit, rule.basis) == (unit, basis)


# -- counting --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_the_10_day_letter_handling_step(
    rules: LegalRules, cal: WorkCalendar, kind: str
) -> None:
    # 10 days from 17 Jan 2025 is Monday 27 Jan, in Tết: the limit ends on 3 Feb.
    assert rules.deadline(kind, "handle", date(2025, 1, 17), cal) == date(2025, 2, 3)
    # 10 days from Wednesday 5 March 2025 is a Saturday: Monday 17 March.
    assert rules.deadline(kind, "handle", date(2025, 3, 5), cal) == date(2025, 3, 17)


@pytest.mark.parametrize(
    ("step", "start", "complex", "remote", "end"),
    [
        # Accept within 10 days: 20 Apr 2025 + 10 = 30/4, then 1/5, the 2/5 swap, a weekend.
        ("accept", date(2025, 4, 20), False, False, date(2025, 5, 5)),
        ("accept", date(2025, 4, 20), False, True, date(2025, 5, 5)),  # no remote variant
        ("accept", date(2025, 3, 3), False, False, date(2025, 3, 13)),
        # First-time: 30 days from 1 Aug 2025 is Sunday 31 Aug, then 1-2 Sep: 3 Sep.
        ("resolve", date(2025, 8, 1), False, False, date(2025, 9, 3)),
        ("resolve", date(2025, 8, 1), True, False, date(2025, 9, 15)),  # 45 days
        ("resolve", date(2025, 8, 1), False, True, date(2025, 9, 15)),  # remote: 45
        ("resolve", date(2025, 8, 1), True, True, date(2025, 9, 30)),  # remote complex: 60
        # Second-time: 45 days from 13 Dec 2024 is 27 Jan 2025, in Tết: 3 Feb.
        ("resolve_second", date(2024, 12, 13), False, False, date(2025, 2, 3)),
        ("resolve_second", date(2024, 12, 13), True, False, date(2025, 2, 11)),  # 60
        ("resolve_second", date(2024, 12, 13), False, True, date(2025, 2, 11)),  # remote: 60
        ("resolve_second", date(2024, 12, 13), True, True, date(2025, 2, 21)),  # 70
    ],
)
def test_complaint_deadlines(
    rules: LegalRules,
    cal: WorkCalendar,
    step: str,
    start: date,
    complex: bool,
    remote: bool,
    end: date,
) -> None:
    got = rules.deadline("complaint", step, start, cal, complex=complex, remote=remote)
    assert got == end


def test_accepting_a_denunciation_counts_working_days(rules: LegalRules, cal: WorkCalendar) -> None:
    # From Thursday 24 Apr 2025: 25, Saturday 26 (made up), 28, 29 Apr, then 5, 6, 7 May.
    assert rules.deadline("denunciation", "accept", date(2025, 4, 24), cal) == date(2025, 5, 7)
    # Checks at several places: 10 working days, so 8, 9 and 12 May too.
    several = rules.deadline("denunciation", "accept", date(2025, 4, 24), cal, complex=True)
    assert several == date(2025, 5, 12)


@pytest.mark.parametrize(
    ("extensions", "end"),
    [
        (0, date(2025, 9, 3)),  # 30 days: Sunday 31 Aug, 1-2 Sep off
        (1, date(2025, 9, 30)),  # complex: 60 days in all
        (2, date(2025, 10, 30)),  # especially complex: 90 days in all
    ],
)
def test_resolving_a_denunciation_with_extensions(
    rules: LegalRules, cal: WorkCalendar, extensions: int, end: date
) -> None:
    got = rules.deadline("denunciation", "resolve", date(2025, 8, 1), cal, extensions=extensions)
    assert got == end


def test_an_extension_ending_on_a_holiday_rolls_over(rules: LegalRules, cal: WorkCalendar) -> None:
    # 60 days from 28 Nov 2024 is 27 Jan 2025, in Tết.
    got = rules.deadline("denunciation", "resolve", date(2024, 11, 28), cal, extensions=1)
    assert got == date(2025, 2, 3)


@pytest.mark.parametrize(
    ("kind", "step", "extensions"),
    [
        ("denunciation", "resolve", 3),
        ("denunciation", "resolve", -1),
        ("complaint", "resolve", 1),
    ],
)
def test_more_extensions_than_the_law_allows_are_refused(
    rules: LegalRules, cal: WorkCalendar, kind: str, step: str, extensions: int
) -> None:
    with pytest.raises(ValueError, match="extensions"):
        rules.deadline(kind, step, date(2025, 8, 1), cal, extensions=extensions)


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        # From Wednesday 22 Jan 2025: 23, 24 Jan, (Tết) 3-7 Feb, 10, 11, 12 Feb.
        ("reflection", date(2025, 1, 22), date(2025, 2, 12)),
        # From Wednesday 27 Aug 2025: 28, 29 Aug, (1-2 Sep) 3, 4, 5, 8-12 Sep.
        ("petition", date(2025, 8, 27), date(2025, 9, 12)),
        # From Tuesday 29 Apr 2025: (30/4-2/5) 5-9 May, 12-16 May.
        ("petition", date(2025, 4, 29), date(2025, 5, 16)),
    ],
)
def test_answering_reflections_and_petitions_counts_working_days(
    rules: LegalRules, cal: WorkCalendar, kind: str, start: date, end: date
) -> None:
    assert rules.deadline(kind, "answer", start, cal) == end


def test_a_suggestion_has_no_legal_limit(rules: LegalRules, cal: WorkCalendar) -> None:
    assert rules.deadline("suggestion", "acknowledge", date(2025, 8, 1), cal) is None
    assert rules.rule("suggestion", "acknowledge").basis


def test_the_2026_new_year_swap_counts(rules: LegalRules, cal: WorkCalendar) -> None:
    # 10 days from 23 Dec 2025 is Friday 2 Jan 2026, a day off: Monday 5 Jan.
    assert rules.deadline("complaint", "accept", date(2025, 12, 23), cal) == date(2026, 1, 5)


def test_unknown_kinds_and_steps_name_the_key(rules: LegalRules, cal: WorkCalendar) -> None:
    with pytest.raises(LegalRulesError, match=r"kinds\.complaint\.steps\.rehearing"):
        rules.deadline("complaint", "rehearing", date(2025, 8, 1), cal)
    with pytest.raises(LegalRulesError, match=r"kinds\.gossip"):
        rules.kind("gossip")


# -- bad files -------------------------------------------------------------------------


def write(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "rules.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            'unit = "working_days"\ndays = 7',
            'unit = "hours"\ndays = 7',
            "denunciation.steps.accept.unit",
        ),
        (
            "days = 30\ncomplex_days = 45",
            "days = -30\ncomplex_days = 45",
            "complaint.steps.resolve.days",
        ),
        ("days = 30\ncomplex_days = 45", 'days = "30"\ncomplex_days = 45', "steps.resolve.days"),
        ("days = 30\ncomplex_days = 45", "days = true\ncomplex_days = 45", "steps.resolve.days"),
        ("complex_days = 45", "complex_day = 45", "complaint.steps.resolve.complex_day"),
        ('basis = "Luật Khiếu nại 2011, Điều 27"', 'basis = ""', "complaint.steps.accept.basis"),
        ('basis = "Luật Khiếu nại 2011, Điều 27"', "", "complaint.steps.accept.basis"),
        ("max_extensions = 2\n", "", "denunciation.steps.resolve.max_extensions"),
        ("remote_complex_days = 60\n", "", "complaint.steps.resolve.remote_complex_days"),
        ("identity_confidential = true", 'identity_confidential = "yes"', "identity_confidential"),
        ("[kinds.denunciation]", "[kinds.denunciations]", "kinds.denunciation"),
        ("[common.steps.handle]", "[common.step.handle]", "common.step"),
        ("days = 30\nextension_days", "days = 30\nextension_days = 30\nextension_days", "TOML"),
    ],
)
def test_a_bad_rules_file_names_the_file_and_the_key(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    path = write(tmp_path, old, new)
    with pytest.raises(LegalRulesError) as caught:
        load_rules(path)
    assert isinstance(caught.value, BotError)
    assert caught.value.path == path
    assert str(path) in str(caught.value)
    assert key in str(caught.value)


def test_a_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(LegalRulesError, match="cannot be read"):
        load_rules(tmp_path / "nowhere.toml")


def test_a_changed_limit_is_used(tmp_path: Path, cal: WorkCalendar) -> None:
    # Đà Nẵng gives agencies 3 working days to answer.
    old = 'unit = "working_days"\ndays = 10'
    path = write(tmp_path, old, 'unit = "working_days"\ndays = 3')
    rules = load_rules(path)
    assert rules.deadline("reflection", "answer", date(2025, 4, 29), cal) == date(2025, 5, 7)
    # Only the first such step (the reflection's) was changed; the petition keeps 10.
    assert rules.deadline("petition", "answer", date(2025, 4, 29), cal) == date(2025, 5, 16)


def test_a_complaint_names_how_long_the_complainant_has_to_appeal(rules: LegalRules) -> None:
    appeal = rules.rule("complaint", "appeal")
    assert (appeal.limit(), appeal.limit(remote=True)) == (30, 45)
    assert "Điều 33" in appeal.basis
