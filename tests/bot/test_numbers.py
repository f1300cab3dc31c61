"""Ids in commands and payloads are ASCII digits, and never too long for the database."""

from __future__ import annotations

import pytest

from bot.numbers import ID_DIGITS, parse_id

UNUSUAL = ["²", "³", "¹²", "１２", "٣", "۳", "३", "๓", "߃", "𝟙", "①", "Ⅻ", "½", "1²", "12３"]


@pytest.mark.parametrize("text", UNUSUAL)
def test_digits_of_other_kinds_are_no_id(text: str) -> None:
    assert parse_id(text) is None
    assert parse_id(f"#{text}", prefix="#") is None


@pytest.mark.parametrize("text", ["", "-1", "+1", " 1", "1 ", "1.0", "0x1", "1_000", "#", "##1"])
def test_signs_spaces_and_other_forms_are_no_id(text: str) -> None:
    assert parse_id(text, prefix="#") is None


def test_ids_fit_a_32_bit_column() -> None:
    assert parse_id("9" * ID_DIGITS) == 999_999_999
    assert parse_id("9" * (ID_DIGITS + 1)) is None
    assert parse_id("1" * 5000) is None
    assert parse_id("#12", prefix="#") == 12
    assert parse_id("007") == 7
