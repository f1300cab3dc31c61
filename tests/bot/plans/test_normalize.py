"""Cell text cleanup: the same result whether or not a cell needs any."""

from __future__ import annotations

import pytest

from bot.plans.normalize import clean


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Văn phòng HĐND và UBND", "Văn phòng HĐND và UBND"),
        ("Văn  phòng", "Văn phòng"),
        (" Văn phòng ", "Văn phòng"),
        ("Văn\u00a0phòng", "Văn phòng"),
        ("Văn\u200bphòng", "Văn phòng"),
        ("Văn\u3000\u202fphòng", "Văn phòng"),
        ("Quý I\r\n\r\n  Quý II", "Quý I\nQuý II"),
        ("Quý I\rQuý II", "Quý I\nQuý II"),
        ("Quy\u0301 I", "Quý I"),
        ("a\x1cb", "a\x1cb"),
        ("", ""),
    ],
)
def test_clean_collapses_spaces_keeps_line_breaks_and_composes(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned
