"""The legal time limits for citizens' feedback, read from a TOML table.

The numbers and their legal basis live in ``bot/data/legal_deadlines.toml`` (or a file the
settings name) because laws change; this module only reads them and counts. A limit in
``days`` is counted in calendar days with the Civil Code roll-over, one in ``working_days``
in working days (see ``bot.workcal``). The start day is never counted.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Final

from bot.errors import BotError
from bot.workcal import WorkCalendar

DEFAULT_RULES: Final = Path(__file__).resolve().parent / "data" / "legal_deadlines.toml"

KINDS: Final = ("suggestion", "reflection", "petition", "complaint", "denunciation")
"""The kinds of feedback the bot takes; the rules file must describe each of them."""


class LegalRulesError(BotError):
    """The legal deadlines file is missing, unreadable or wrong; names the file and key."""

    def __init__(self, path: Path, key: str | None, problem: str) -> None:
        where = f"{path}: {key}" if key else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.key = key


class Unit(StrEnum):
    """How a time limit is counted."""

    DAYS = "days"  # calendar days, rolled over to the next working day
    WORKING_DAYS = "working_days"


@dataclass(frozen=True, slots=True)
class StepRule:
    """The time limit of one step, its variants and its legal basis."""

    unit: Unit
    basis: str
    days: int | None = None  # None: the law sets no limit
    complex_days: int | None = None
    remote_days: int | None = None
    remote_complex_days: int | None = None
    extension_days: int | None = None
    max_extensions: int = 0

    def limit(self, *, complex: bool = False, remote: bool = False) -> int | None:
        """The number of days or working days for the case, ``None`` if the law sets none.

        A variant the file leaves out falls back to the plain limit; a remote complex case
        without its own figure takes the complex or the remote one (the file may not set
        both without ``remote_complex_days``).
        """
        if complex and remote and self.remote_complex_days is not None:
            return self.remote_complex_days
        if complex and self.complex_days is not None:
            return self.complex_days
        if remote and self.remote_days is not None:
            return self.remote_days
        return self.days


@dataclass(frozen=True, slots=True)
class KindRules:
    """What the law asks of one kind of feedback."""

    identity_required: bool
    identity_confidential: bool
    steps: Mapping[str, StepRule]


@dataclass(frozen=True, slots=True)
class LegalRules:
    """All kinds of feedback and their time limits, as read from ``source``."""

    source: Path
    kinds: Mapping[str, KindRules]

    def kind(self, kind: str) -> KindRules:
        """The rules of one kind of feedback."""
        try:
            return self.kinds[kind]
        except KeyError:
            raise LegalRulesError(self.source, f"kinds.{kind}", "is not defined") from None

    def rule(self, kind: str, step: str) -> StepRule:
        """The time limit of ``step`` for ``kind``."""
        try:
            return self.kind(kind).steps[step]
        except KeyError:
            key = f"kinds.{kind}.steps.{step}"
            raise LegalRulesError(self.source, key, "is not defined") from None

    def deadline(
        self,
        kind: str,
        step: str,
        start: date,
        calendar: WorkCalendar,
        *,
        complex: bool = False,
        remote: bool = False,
        extensions: int = 0,
    ) -> date | None:
        """The last day to finish ``step``, counted from ``start`` (which is not counted).

        ``extensions`` lengthens the limit by ``extension_days`` that many times, as one
        period (30 + 30 days from acceptance, rolled over once at the end). ``None`` when
        the law sets no limit. Raises ``ValueError`` for more extensions than the rule allows.
        """
        rule = self.rule(kind, step)
        if not 0 <= extensions <= rule.max_extensions:
            raise ValueError(
                f"{kind}.{step} allows at most {rule.max_extensions} extensions, not {extensions}"
            )
        limit = rule.limit(complex=complex, remote=remote)
        if limit is None:
            return None
        limit += extensions * (rule.extension_days or 0)
        if rule.unit is Unit.WORKING_DAYS:
            return calendar.add_working_days(start, limit)
        return calendar.add_days(start, limit)


# -- reading the file ------------------------------------------------------------------

_COUNTS: Final = (
    "days",
    "complex_days",
    "remote_days",
    "remote_complex_days",
    "extension_days",
    "max_extensions",
)
_STEP_KEYS: Final = ("unit", "basis", *_COUNTS)
_KIND_KEYS: Final = ("identity_required", "identity_confidential", "steps")


def load_rules(path: Path | None = None) -> LegalRules:
    """Read and check the rules file (the packaged default unless ``path`` is given)."""
    source = path or DEFAULT_RULES
    try:
        with source.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise LegalRulesError(source, None, f"cannot be read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LegalRulesError(source, None, f"is not valid TOML ({exc})") from exc
    return _Reader(source).rules(data)


class _Reader:
    """Checks the tables of one file, naming the file and the dotted key of what is wrong."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> LegalRulesError:
        return LegalRulesError(self.source, key, problem)

    def table(self, parent: Mapping[str, object], key: str, name: str) -> Mapping[str, object]:
        value = parent.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"{key}.{name}".lstrip("."), "must be a table")
        return value

    def only(self, table: Mapping[str, object], key: str, known: tuple[str, ...]) -> None:
        for name in table:
            if name not in known:
                raise self.fail(f"{key}.{name}".lstrip("."), "is not a known setting")

    def rules(self, data: Mapping[str, object]) -> LegalRules:
        self.only(data, "", ("common", "kinds"))
        common = self.table(data, "", "common")
        self.only(common, "common", ("steps",))
        shared = self.steps(self.table(common, "common", "steps"), "common.steps")
        kinds_table = self.table(data, "", "kinds")
        kinds = {name: self.kind(kinds_table, name, shared) for name in kinds_table}
        for name in KINDS:
            if name not in kinds:
                raise self.fail(f"kinds.{name}", "is missing")
        return LegalRules(self.source, kinds)

    def kind(
        self, kinds: Mapping[str, object], name: str, shared: Mapping[str, StepRule]
    ) -> KindRules:
        key = f"kinds.{name}"
        spec = self.table(kinds, "kinds", name)
        self.only(spec, key, _KIND_KEYS)
        own = self.steps(self.table(spec, key, "steps"), f"{key}.steps")
        return KindRules(
            identity_required=self.flag(spec, key, "identity_required"),
            identity_confidential=self.flag(spec, key, "identity_confidential"),
            steps={**shared, **own},
        )

    def flag(self, spec: Mapping[str, object], key: str, name: str) -> bool:
        value = spec.get(name)
        if not isinstance(value, bool):
            raise self.fail(f"{key}.{name}", "must be true or false")
        return value

    def steps(self, table: Mapping[str, object], key: str) -> dict[str, StepRule]:
        return {name: self.step(self.table(table, key, name), f"{key}.{name}") for name in table}

    def step(self, spec: Mapping[str, object], key: str) -> StepRule:
        self.only(spec, key, _STEP_KEYS)
        unit = spec.get("unit")
        if unit not in tuple(Unit):
            raise self.fail(f"{key}.unit", 'must be "days" or "working_days"')
        basis = spec.get("basis")
        if not isinstance(basis, str) or not basis.strip():
            raise self.fail(f"{key}.basis", "must be a non-empty text")
        counts: dict[str, int] = {}
        for name in _COUNTS:
            value = spec.get(name)
            if value is None:
                continue
            least = 0 if name == "max_extensions" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise self.fail(f"{key}.{name}", f"must be a whole number of at least {least}")
            counts[name] = value
        if counts and "days" not in counts:
            raise self.fail(f"{key}.days", "is needed when the step has other limits")
        if ("extension_days" in counts) != ("max_extensions" in counts):
            raise self.fail(f"{key}.max_extensions", "goes together with extension_days")
        if (
            "complex_days" in counts
            and "remote_days" in counts
            and "remote_complex_days" not in counts
        ):
            raise self.fail(
                f"{key}.remote_complex_days", "is needed with complex_days and remote_days"
            )
        return StepRule(
            Unit(str(unit)),
            basis.strip(),
            days=counts.get("days"),
            complex_days=counts.get("complex_days"),
            remote_days=counts.get("remote_days"),
            remote_complex_days=counts.get("remote_complex_days"),
            extension_days=counts.get("extension_days"),
            max_extensions=counts.get("max_extensions", 0),
        )
