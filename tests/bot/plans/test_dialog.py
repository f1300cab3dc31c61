"""The plan-import dialog's data: written and read back whole; a damaged one reads as none."""

from __future__ import annotations

from typing import Any

import pytest

from bot.plans.dialog import Answer, ImportDialog
from bot.plans.mapping import Choice, Question, Target

QUESTION = Question("tu phap", "Tư pháp", ("Tư pháp", "TP"), "suggested", (3, 4), 2)


def test_the_dialog_reads_back_what_it_stores() -> None:
    dialog = ImportDialog(7, 2024, (QUESTION,)).answered(
        {"tu phap": Answer(Choice(Target.UNIT, 3), "tu phap ho tich")}
    )
    assert ImportDialog.from_data(dialog.to_data()) == dialog
    assert dialog.choices == {"tu phap": Choice(Target.UNIT, 3)}


def test_a_dialog_stored_before_the_type_still_reads() -> None:
    stored = {
        "upload": 7,
        "year": 2024,
        "answers": {"tu phap": ["new", None, None]},
        "questions": [["tu phap", "Tư pháp", ["Tư pháp", "TP"], "suggested", [3, 4], 2]],
        "_org": 1,
    }
    dialog = ImportDialog.from_data(stored)
    assert dialog == ImportDialog(7, 2024, (QUESTION,), {"tu phap": Answer(Choice(Target.NEW))})
    # The year step holds only the file.
    assert ImportDialog.from_data({"upload": 7}) == ImportDialog(7)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"upload": "7"},
        {"upload": True},
        {"upload": 7, "year": "2024"},
        {"upload": 7, "questions": [["k", "n", [], "maybe", [], 1]]},
        {"upload": 7, "questions": [["k", "n", [], "new", ["3"], 1]]},
        {"upload": 7, "questions": [["k", "n"]]},
        {"upload": 7, "questions": 5},
        {"upload": 7, "answers": {"k": ["teleport", None, None]}},
        {"upload": 7, "answers": {"k": ["unit", "3", None]}},
        {"upload": 7, "answers": []},
    ],
)
def test_damaged_data_reads_as_no_dialog(data: dict[str, Any]) -> None:
    assert ImportDialog.from_data(data) is None
