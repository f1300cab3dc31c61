"""Button payloads: one declaration builds and parses, with one validation."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

import pytest

from bot.payloads import Payload


class _Mood(enum.StrEnum):
    GOOD = "good"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class _Rate(Payload):
    prefix: ClassVar[str] = "t:rate"
    case: int
    mood: _Mood


@dataclass(frozen=True, slots=True)
class _Page(Payload):
    prefix: ClassVar[str] = "t:page"
    word: str


async def test_a_payload_builds_and_parses_back() -> None:
    rate = _Rate(case=42, mood=_Mood.BAD)
    assert rate.data == "t:rate:42:bad"
    assert _Rate.parse(("42", "bad")) == rate
    assert _Page.parse(("next",)) == _Page("next")


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("42",),
        ("42", "bad", "extra"),
        ("", "bad"),
        ("-1", "bad"),
        ("4.2", "bad"),
        ("#42", "bad"),
        ("²", "bad"),
        ("４２", "bad"),
        ("١٢", "bad"),
        ("1" * 10, "bad"),
        ("42", "BAD"),
        ("42", "ugly"),
        ("42", "bad\x00"),
    ],
)
async def test_anything_else_names_nothing(args: tuple[str, ...]) -> None:
    assert _Rate.parse(args) is None


@pytest.mark.parametrize("word", ["", "Next", "x" * 33, "né", "a b", "a\nb", "<b>"])
async def test_words_are_short_lower_case_ascii(word: str) -> None:
    assert _Page.parse((word,)) is None
