"""The mapping step: every unit name a plan uses that the directory cannot place by itself.

A name is placed without asking only when it is a unit's name or alias, or one of them with
a job title or "xã/phường" around it. Names no unit has, names several units could have, and
names that match a unit only by some of their words are asked about before anything is stored;
the answer is remembered as an alias for the next import.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from bot.errors import BotError
from bot.i18n import N_
from bot.plans.units import Status, UnitResolver, best_spelling, group_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.i18n import Translator
    from bot.plans.preview import ParsedPlan


class Target(enum.StrEnum):
    """Where the tasks of an unresolved name go."""

    UNIT = "unit"
    NEW = "new"
    COMMITTEE = "committee"
    OUTSIDE = "outside"
    VILLAGES = "villages"


# How people write each choice on the command line ("--map NAME=new").
TARGET_WORDS: Final = {
    "new": Target.NEW,
    "committee": Target.COMMITTEE,
    "outside": Target.OUTSIDE,
    "villages": Target.VILLAGES,
}


# The choices offered for every name, in this order, after the units it may already be.
MAPPING_TARGETS: Final = (Target.NEW, Target.COMMITTEE, Target.OUTSIDE, Target.VILLAGES)
TARGET_LABELS: Final = {
    Target.NEW: N_("A new unit"),
    Target.COMMITTEE: N_("The whole committee (its leaders)"),
    Target.OUTSIDE: N_("Outside the commune (no reminders)"),
    Target.VILLAGES: N_("Every village"),
}


@dataclass(frozen=True, slots=True)
class Choice:
    """An answer to one question: a kind of target, and the unit for ``Target.UNIT``."""

    target: Target
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """One name (with every spelling the plan used) waiting for an answer."""

    key: str
    name: str
    spellings: tuple[str, ...]
    status: Status
    candidates: tuple[int, ...]
    tasks: int


class UnmappedUnits(BotError):
    """The import was asked to store a plan with unit names nobody placed."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("; ".join(names)[:300])
        self.names = names

    def message(self, t: Translator) -> str:
        """List the names that still need a place."""
        return t.ngettext(
            "{n} unit name in the plan needs a place first: {names}",
            "{n} unit names in the plan need a place first: {names}",
            len(self.names),
            names="; ".join(self.names),
        )


def unit_questions(plan: ParsedPlan, directory: Mapping[str, int]) -> list[Question]:
    """The names of ``plan`` to ask about, in the order they first appear."""
    resolver = UnitResolver(directory)
    spellings: dict[str, list[str]] = {}
    tasks: Counter[str] = Counter()
    statuses: dict[str, tuple[Status, tuple[int, ...]]] = {}
    for task in plan.tasks:
        seen: set[str] = set()
        for name in (*task.lead, *task.partners):
            match = resolver.resolve(name)
            if match.status == "matched":
                continue
            key = group_key(name)
            spellings.setdefault(key, [])
            if name not in spellings[key]:
                spellings[key].append(name)
            statuses.setdefault(key, (match.status, match.candidates))
            if key not in seen:
                seen.add(key)
                tasks[key] += 1
    return [
        Question(
            key=key,
            name=best_spelling(names),
            spellings=tuple(names),
            status=statuses[key][0],
            candidates=statuses[key][1],
            tasks=tasks[key],
        )
        for key, names in spellings.items()
    ]


def find_question(questions: list[Question], name: str) -> Question | None:
    """The question a name typed by a person answers (any spelling of it)."""
    key = group_key(name)
    for question in questions:
        if question.key == key or name.strip() in question.spellings:
            return question
    return None
