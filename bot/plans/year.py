"""Work out which year a plan is for from its title, its other text and its time frames."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Final

from db.names import fold

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

_YEAR: Final = r"(20\d{2})"
_RANGES: Final = re.compile(
    r"(giai doan|nhiem ky|thoi ky|tu nam)?\s*" + _YEAR + r"\s*[-–—]\s*" + _YEAR + r"|den nam \d{4}"
)
_DATE_WORDS: Final = re.compile(
    r"ngay[\s.…_]*\d{0,2}[\s.…_/]*thang[\s.…_]*\d{0,2}[\s.…_/]*nam\s*" + _YEAR
)
_DATE_NUMBERS: Final = re.compile(r"\b\d{1,2}\s*/\s*\d{1,2}\s*/\s*" + _YEAR + r"\b")
_PLAN_YEAR: Final = re.compile(r"\bnam\s*" + _YEAR + r"\b")
_ANY_YEAR: Final = re.compile(r"(?:\bnam\s*|/\s*)" + _YEAR + r"\b")
_REFERENCE: Final = re.compile(r"^(can cu|thuc hien|theo)\b")


def _plan_years(text: str) -> list[int]:
    """The "năm YYYY" years of a text, leaving out ranges and dates."""
    text = _DATE_NUMBERS.sub(" ", _DATE_WORDS.sub(" ", _RANGES.sub(" ", fold(text))))
    return [int(year) for year in _PLAN_YEAR.findall(text)]


def _date_years(text: str) -> list[int]:
    return [int(year) for year in _DATE_WORDS.findall(fold(text))]


def _most_common(years: Iterable[int]) -> int | None:
    counts = Counter(years).most_common()
    if not counts:
        return None
    top = counts[0][1]
    # On a tie the later year wins: plans name the year they are for, and the year before
    # appears only as a baseline.
    return max(year for year, count in counts if count == top)


def infer_year(
    title: str,
    lines: Sequence[str],
    time_texts: Iterable[str] = (),
    task_texts: Iterable[str] = (),
) -> int | None:
    """The plan year: from the title, else the text before the table, else the dates.

    ``"Kế hoạch ... năm 2021 và giai đoạn 2021-2025"`` gives 2021; a line that only cites
    another document ("Căn cứ Quyết định ... năm 2023") is not trusted; the signing date
    ("ngày 15 tháng 3 năm 2024") comes next, then the years in the time frames
    ("Quý IV/2024") and last the years the tasks mention.
    """
    for year in _plan_years(title):
        return year
    for line in lines:
        if _REFERENCE.match(fold(line).lstrip("-+• ")):
            continue
        for year in _plan_years(line):
            return year
    for line in lines:
        for year in _date_years(line):
            return year
    found = _most_common(int(year) for text in time_texts for year in _ANY_YEAR.findall(fold(text)))
    if found is not None:
        return found
    return _most_common(year for text in task_texts for year in _plan_years(text))
