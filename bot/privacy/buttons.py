"""The buttons of the privacy commands, declared once: built here, parsed by the router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.payloads import Payload, YesNo


@dataclass(frozen=True, slots=True)
class ForgetMe(Payload):
    """Confirm (or not) erasing what the bot keeps about the person."""

    prefix: ClassVar[str] = "privacy:forget"
    answer: YesNo
