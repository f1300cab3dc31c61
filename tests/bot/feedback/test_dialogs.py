"""A dialog about one case reads back only the case it stored; damaged data is refused."""

from __future__ import annotations

from typing import Any

import pytest

from bot.feedback.dialogs import OnCase


def test_the_stored_case_reads_back() -> None:
    assert OnCase.from_data(OnCase(42).to_data()) == OnCase(42)
    assert OnCase.from_data({"case": 7, "_org": 3}) == OnCase(7)


@pytest.mark.parametrize(
    "data",
    [{}, {"case": None}, {"case": "5"}, {"case": True}, {"case": 0}, {"case": -3}, {"case": 1.5}],
)
def test_damaged_data_names_no_case(data: dict[str, Any]) -> None:
    assert OnCase.from_data(data) is None
