"""How an organization wants reminders sent: the defaults, overridable per organization."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import time
from typing import Any

from bot.errors import BotError


class PolicyError(BotError):
    """An organization's reminder policy has a bad value."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """When reminders go out (working days before a due date, times of day, cadences)."""

    lead_before: tuple[int, ...] = (7, 3, 1)
    partner_before: tuple[int, ...] = (3,)
    due_day: bool = True
    send_time: time = time(8, 0)
    work_start: time = time(7, 30)
    work_end: time = time(17, 0)
    reraise_days: int = 7
    period_close_before: int = 5
    answer_approval: bool = False
    report_periods: str = "calendar"

    def to_json(self) -> dict[str, Any]:
        """The policy as stored on the organization."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = (
                value.strftime("%H:%M")
                if isinstance(value, time)
                else (list(value) if isinstance(value, tuple) else value)
            )
        return out


def _days(key: str, value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 60 for v in value
    ):
        raise PolicyError(key, "expected a list of whole numbers of working days (1-60)")
    return tuple(sorted(set(value), reverse=True))


def _time(key: str, value: object) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(key, "expected a time of day like 08:00") from None


def policy_from(data: Mapping[str, Any] | None) -> ReminderPolicy:
    """Read a stored policy over the defaults; raise ``PolicyError`` on a bad value."""
    policy = ReminderPolicy()
    if not data:
        return policy
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in {"lead_before", "partner_before"}:
            changes[key] = _days(key, value)
        elif key in {"send_time", "work_start", "work_end"}:
            changes[key] = _time(key, value)
        elif key in {"due_day", "answer_approval"}:
            if not isinstance(value, bool):
                raise PolicyError(key, "expected true or false")
            changes[key] = value
        elif key == "report_periods":
            if value not in {"calendar", "closing"}:
                raise PolicyError(key, "expected calendar or closing")
            changes[key] = value
        elif key in {"reraise_days", "period_close_before"}:
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 60:
                raise PolicyError(key, "expected a whole number from 1 to 60")
            changes[key] = value
        else:
            raise PolicyError(key, "unknown setting")
    policy = replace(policy, **changes)
    if not policy.work_start <= policy.send_time < policy.work_end:
        raise PolicyError("send_time", "must fall inside working hours")
    return policy
