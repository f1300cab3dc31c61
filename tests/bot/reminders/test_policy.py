"""The reminder policy: defaults, per-organization overrides, and bad values named."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from bot.reminders.policy import PolicyError, ReminderPolicy, policy_from


def test_defaults_follow_the_rules() -> None:
    policy = policy_from(None)
    assert policy == ReminderPolicy()
    assert policy.lead_before == (7, 3, 1)
    assert policy.partner_before == (3,)
    assert policy.due_day is True
    assert policy.send_time == time(8, 0)
    assert (policy.work_start, policy.work_end) == (time(7, 30), time(17, 0))
    assert policy.reraise_days == 7
    assert policy.period_close_before == 5
    assert policy_from({}) == policy


def test_overrides_are_read_over_the_defaults() -> None:
    policy = policy_from(
        {
            "lead_before": [1, 5, 5, 10],
            "partner_before": [],
            "due_day": False,
            "send_time": "09:15",
            "work_end": "16:30",
            "reraise_days": 3,
        }
    )
    assert policy.lead_before == (10, 5, 1)
    assert policy.partner_before == ()
    assert policy.due_day is False
    assert policy.send_time == time(9, 15)
    assert policy.work_start == time(7, 30)
    assert policy.work_end == time(16, 30)
    assert policy.reraise_days == 3
    assert policy.period_close_before == 5


def test_a_stored_policy_reads_back_the_same() -> None:
    policy = policy_from({"lead_before": [4, 2], "send_time": "07:45", "due_day": False})
    stored = policy.to_json()
    assert stored["lead_before"] == [4, 2]
    assert stored["send_time"] == "07:45"
    assert policy_from(stored) == policy
    assert policy_from(ReminderPolicy().to_json()) == ReminderPolicy()


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"lead_before": [0]}, "lead_before"),
        ({"lead_before": [61]}, "lead_before"),
        ({"lead_before": "7,3,1"}, "lead_before"),
        ({"lead_before": [True]}, "lead_before"),
        ({"lead_before": [2.5]}, "lead_before"),
        ({"partner_before": [-3]}, "partner_before"),
        ({"partner_before": 3}, "partner_before"),
        ({"send_time": "8h"}, "send_time"),
        ({"work_start": "25:00"}, "work_start"),
        ({"work_end": None}, "work_end"),
        ({"due_day": "yes"}, "due_day"),
        ({"due_day": 1}, "due_day"),
        ({"reraise_days": 0}, "reraise_days"),
        ({"reraise_days": True}, "reraise_days"),
        ({"reraise_days": "7"}, "reraise_days"),
        ({"period_close_before": 61}, "period_close_before"),
        ({"remind_partners": True}, "remind_partners"),
        ({"send_time": "18:00"}, "send_time"),
        ({"send_time": "07:00"}, "send_time"),
        ({"work_start": "09:00"}, "send_time"),
        ({"work_end": "08:00"}, "send_time"),
    ],
)
def test_a_bad_value_raises_policy_error_naming_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from(data)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ")
    assert caught.value.problem
