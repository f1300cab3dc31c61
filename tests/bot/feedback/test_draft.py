"""The feedback dialog's draft: written and read back whole; a damaged one reads as none."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.feedback.draft import Draft
from db.models import CaseKind

CONSENT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_a_draft_reads_back_what_it_stores() -> None:
    draft = Draft(
        files=(4, 5),
        kind=CaseKind.COMPLAINT,
        topic="land",
        text="Đường hỏng.",
        lat=21.03,
        lon=105.85,
        name="sealed-name",
        home="sealed-home",
        publish=False,
        consent=CONSENT,
        earlier=9,
    )
    assert Draft.from_data(draft.to_data()) == draft
    assert Draft.from_data(Draft().to_data()) == Draft()


def test_a_draft_stored_before_the_type_still_reads() -> None:
    stored = {
        "files": [3],
        "kind": "denunciation",
        "topic": "conduct",
        "text": "x",
        "address": "Thôn 3",
        "publish": False,
        "consent": CONSENT.isoformat(),
        "_org": 1,
    }
    assert Draft.from_data(stored) == Draft(
        files=(3,),
        kind=CaseKind.DENUNCIATION,
        topic="conduct",
        text="x",
        address="Thôn 3",
        publish=False,
        consent=CONSENT,
    )


@pytest.mark.parametrize(
    "data",
    [
        {"files": "3"},
        {"files": [True]},
        {"files": ["3"]},
        {"kind": "gossip"},
        {"text": 5},
        {"lat": "21.0"},
        {"lat": True},
        {"publish": "yes"},
        {"consent": "yesterday"},
        {"earlier": 1.5},
    ],
)
def test_damaged_data_reads_as_no_draft(data: dict[str, Any]) -> None:
    assert Draft.from_data(data) is None
