"""Plan import: read a plan's task table from .docx, .xlsx or .csv into tasks (no storage)."""

from __future__ import annotations

from bot.plans.errors import (
    CorruptFile,
    EncryptedFile,
    FileTooLarge,
    MissingColumn,
    NoTaskTable,
    PlanImportError,
    UnsupportedFormat,
    YearNotFound,
)
from bot.plans.parser import flag_units, infer_title, parse_plan
from bot.plans.preview import (
    FLAGS,
    ParsedPlan,
    ParsedTask,
    PlanWarning,
    TimeframeLike,
    TimeframeParser,
    render_preview,
    to_json,
)
from bot.plans.readers import MAX_BYTES
from bot.plans.sections import dimension_of
from bot.plans.units import UnitMatch, UnitResolver, resolve_units, split_units
from bot.plans.year import infer_year
from db.names import unit_key

__all__ = [
    "FLAGS",
    "MAX_BYTES",
    "CorruptFile",
    "EncryptedFile",
    "FileTooLarge",
    "MissingColumn",
    "NoTaskTable",
    "ParsedPlan",
    "ParsedTask",
    "PlanImportError",
    "PlanWarning",
    "TimeframeLike",
    "TimeframeParser",
    "UnitMatch",
    "UnitResolver",
    "UnsupportedFormat",
    "YearNotFound",
    "dimension_of",
    "flag_units",
    "infer_title",
    "infer_year",
    "parse_plan",
    "render_preview",
    "resolve_units",
    "split_units",
    "to_json",
    "unit_key",
]
