"""Text ordered the same way by both databases and by Python: by code point.

SQLite compares text byte by byte (its default BINARY collation), which for UTF-8 is the
order of code points, Python's; PostgreSQL follows the database's locale unless told
``COLLATE "C"``. A list chosen in SQL and merged or sorted again in Python needs one order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import SQLColumnExpression, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class code_points(FunctionElement[str]):
    """A text column or expression that sorts by code point."""

    type = String()
    inherit_cache = True
    name = "code_points"

    def __init__(self, text: SQLColumnExpression[Any]) -> None:
        super().__init__(text)


@compiles(code_points)
def _binary(element: code_points, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = element.clauses
    return compiler.process(text, **kw)


@compiles(code_points, "postgresql")
def _postgresql(element: code_points, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = element.clauses
    return f'({compiler.process(text, **kw)}) COLLATE "C"'
