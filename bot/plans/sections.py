"""Section numbering and the mapping of section names to PAPI dimensions D1–D8."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Final

from bot.papi import DIMENSIONS
from bot.plans.normalize import one_line, words

# Levels of the numbering schemes plans use, outermost first.
LEVEL_LETTER: Final = 0  # A, B
LEVEL_ROMAN: Final = 1  # I, II
LEVEL_NUMBER: Final = 2  # 1, 2 (1.1 is 3, 1.1.1 is 4)
LEVEL_SMALL_LETTER: Final = 6  # a, b, đ
LEVEL_BULLET: Final = 7  # -, +

_ROMAN: Final = re.compile(r"^(X{0,3})(IX|IV|V?I{0,3})$")
_DOTTED: Final = re.compile(r"^\d{1,3}(\.\d{1,3})*$")
_BULLETS: Final = frozenset("-+*•–")
_CODE_PREFIX: Final = re.compile(
    r"^(?:(?P<code>[IVX]{1,6}|\d{1,3}(?:\.\d{1,3})*|[a-zđ])\s*[.):]|(?P<dotted>\d{1,3}(?:\.\d{1,3})+))"
    r"\s+(?P<rest>\S.*)$",
    re.S,
)


def normalize_code(code: str) -> str:
    """Trim the punctuation around a row number: ``"1."`` and ``"a)"`` become ``"1"``, ``"a"``."""
    code = one_line(code).strip()
    if code in _BULLETS:
        return code
    return code.strip("().: ").rstrip(".")


def code_level(code: str) -> int | None:
    """How deep a row number sits (see the ``LEVEL_*`` constants), ``None`` if it is none."""
    code = normalize_code(code)
    if not code:
        return None
    if code in _BULLETS:
        return LEVEL_BULLET
    if _ROMAN.match(code):
        return LEVEL_ROMAN
    if _DOTTED.match(code):
        return LEVEL_NUMBER + code.count(".")
    if len(code) == 1 and code.isalpha():
        return LEVEL_LETTER if code.isupper() else LEVEL_SMALL_LETTER
    return None


def split_code(text: str) -> tuple[str, str]:
    """Split a leading row number off a text: ``"II. Công khai"`` -> ``("II", "Công khai")``."""
    match = _CODE_PREFIX.match(text.strip())
    if match is None:
        return "", text.strip()
    return match["code"] or match["dotted"], match["rest"].strip()


# Words that carry no meaning when comparing names ("của", "ở", "chỉ số" ...).
_STOP: Final = frozenset(
    [
        "cua",
        "o",
        "va",
        "trong",
        "voi",
        "cac",
        "viec",
        "cho",
        "nhung",
        "ve",
        "tai",
        "the",
        "in",
        "of",
        "the",
        "and",
        "at",
        "on",
        "chi",
        "so",
        "noi",
        "dung",
        "thanh",
        "phan",
        "truc",
    ]
)
_MIN_SCORE: Final = 0.6


def _bigrams(text: str) -> frozenset[tuple[str, str]]:
    tokens = [w for w in words(text) if w not in _STOP and not w.isdigit()]
    return frozenset(itertools.pairwise(tokens))


_PHRASES: Final = tuple(
    (dimension.code, is_part, _bigrams(phrase))
    for dimension in DIMENSIONS
    for is_part, phrases in ((False, dimension.names), (True, dimension.parts))
    for phrase in phrases
)
_CODES: Final = frozenset(dimension.code for dimension in DIMENSIONS)


@dataclass(frozen=True, slots=True)
class DimensionMatch:
    """A section name recognised as a PAPI dimension (or one of its sub-dimensions)."""

    code: str
    is_part: bool


def match_dimension(text: str) -> DimensionMatch | None:
    """Recognise a dimension or sub-dimension name, loosely (accents, case, numbering)."""
    _, rest = split_code(one_line(text))
    bare = rest.strip().upper()
    if bare in _CODES:
        return DimensionMatch(bare, is_part=False)
    grams = _bigrams(rest)
    if not grams:
        return None
    best: tuple[float, bool, str] | None = None
    for code, is_part, phrase in _PHRASES:
        shared = len(grams & phrase)
        if not shared:
            continue
        # Both directions, so "Công khai, minh bạch" matches the longer official name and a
        # long section title that contains the official name matches it too.
        score = max(shared / len(grams), shared / len(phrase))
        candidate = (score, not is_part, code)
        if best is None or candidate > best:
            best = candidate
    if best is None or best[0] < _MIN_SCORE:
        return None
    return DimensionMatch(best[2], is_part=not best[1])


def dimension_of(text: str) -> str | None:
    """The code "D1"–"D8" a section name stands for, ``None`` if it is not a dimension."""
    found = match_dimension(text)
    return found.code if found else None


def is_dimension_title(text: str) -> bool:
    """True if ``text`` names a whole dimension (not just one of its sub-dimensions)."""
    found = match_dimension(text)
    return found is not None and not found.is_part
