"""The unit directory as domain operations: add, rename, merge, delete units, add aliases."""

from __future__ import annotations

from bot.units.errors import (
    AliasTaken,
    BadUnitName,
    SameUnit,
    UnitAmbiguous,
    UnitChanged,
    UnitError,
    UnitExists,
    UnitInUse,
    UnitNotFound,
)
from bot.units.lookup import find_unit
from bot.units.operations import (
    Actor,
    AliasesAdded,
    UnitAdded,
    UnitDeleted,
    UnitRenamed,
    UnitsMerged,
    add_aliases,
    add_unit,
    add_units,
    clean_name,
    delete_unit,
    merge_units,
    rename_unit,
)

__all__ = [
    "Actor",
    "AliasTaken",
    "AliasesAdded",
    "BadUnitName",
    "SameUnit",
    "UnitAdded",
    "UnitAmbiguous",
    "UnitChanged",
    "UnitDeleted",
    "UnitError",
    "UnitExists",
    "UnitInUse",
    "UnitNotFound",
    "UnitRenamed",
    "UnitsMerged",
    "add_aliases",
    "add_unit",
    "add_units",
    "clean_name",
    "delete_unit",
    "find_unit",
    "merge_units",
    "rename_unit",
]
