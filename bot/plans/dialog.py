"""What the plan-import dialog holds between steps, typed: read once, written back whole.

The stored form (lists inside the dialog's JSON) is that of dialogs already in progress.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Self

from bot.plans.mapping import Choice, Question, Target
from bot.plans.units import Status

_STATUSES: Final = frozenset(typing.get_args(Status))


@dataclass(frozen=True, slots=True)
class Answer:
    """Where one name's tasks go; a chosen unit keeps its name key, to tell it from a
    later unit that reuses its id."""

    choice: Choice
    unit_key: str | None = None

    def to_data(self) -> list[object]:
        """The answer as stored."""
        return [self.choice.target.value, self.choice.unit_id, self.unit_key]


@dataclass(frozen=True, slots=True)
class ImportDialog:
    """The file being imported, its year, the questions about its unit names and the answers."""

    upload: int
    year: int | None = None
    questions: tuple[Question, ...] = ()
    answers: Mapping[str, Answer] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """The dialog's data as stored."""
        return {
            "upload": self.upload,
            "year": self.year,
            "questions": [
                [q.key, q.name, list(q.spellings), q.status, list(q.candidates), q.tasks]
                for q in self.questions
            ],
            "answers": {key: a.to_data() for key, a in self.answers.items()},
        }

    @property
    def choices(self) -> dict[str, Choice]:
        """The answers as the importer takes them."""
        return {key: a.choice for key, a in self.answers.items()}

    def answered(self, more: Mapping[str, Answer]) -> Self:
        """The dialog with ``more`` answers (replacing earlier ones for the same names)."""
        return replace(self, answers={**self.answers, **more})

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self | None:
        """The dialog stored as ``data``; ``None`` if it is not one (then it is stale)."""
        try:
            upload, year = data["upload"], data.get("year")
            if not _is_int(upload) or not (year is None or _is_int(year)):
                return None
            raw_questions, raw_answers = data.get("questions", []), data.get("answers", {})
            if not isinstance(raw_questions, list) or not isinstance(raw_answers, dict):
                return None
            questions = tuple(_question(raw) for raw in raw_questions)
            answers = {str(k): _answer(raw) for k, raw in raw_answers.items()}
        except (KeyError, TypeError, ValueError):
            return None
        return cls(upload, year, questions, answers)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _question(raw: Any) -> Question:
    key, name, spellings, status, candidates, tasks = raw
    if status not in _STATUSES or not _is_int(tasks) or not all(map(_is_int, candidates)):
        raise ValueError("not a question")
    return Question(
        str(key), str(name), tuple(map(str, spellings)), status, tuple(candidates), tasks
    )


def _answer(raw: Any) -> Answer:
    target, unit_id, unit_key = raw
    if not (unit_id is None or _is_int(unit_id)) or not (
        unit_key is None or isinstance(unit_key, str)
    ):
        raise ValueError("not an answer")
    return Answer(Choice(Target(target), unit_id), unit_key)
