"""Buttons on a task's card that are not steps of its progress, declared once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.payloads import Payload


@dataclass(frozen=True, slots=True)
class TaskFile(Payload):
    """Send the evidence file recorded with one of the task's events."""

    prefix: ClassVar[str] = "task:file"
    task: int
    event: int
