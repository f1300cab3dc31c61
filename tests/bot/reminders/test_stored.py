"""Ids read back from outbox rows: only a plausible id counts."""

from __future__ import annotations

from bot.reminders.stored import MAX_ID, stored_id


def test_only_a_plausible_id_is_read() -> None:
    assert stored_id({"task": 12}, "task") == 12
    assert stored_id({"task": "12"}, "task") == 12
    assert stored_id({"task": MAX_ID}, "task") == MAX_ID
    for bad in (None, True, 0, -1, MAX_ID + 1, 1.0, "", "1e3", "١٢", "9" * 11, [1], {"id": 1}):
        assert stored_id({"task": bad}, "task") is None, bad
    assert stored_id({}, "task") is None
    assert stored_id(["task", 1], "task") is None
    assert stored_id(None, "task") is None
