"""What a package's modules import, read from their source (every import, even in functions)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """``(line, module)`` of every import in the file of ``package``.

    ``from a import b`` gives ``a`` and ``a.b``; a relative import is spelled out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def sources(package: str) -> list[tuple[Path, str]]:
    """Every Python file of a top-level package, with the package it sits in."""
    return [
        (path, ".".join(path.relative_to(ROOT).parent.parts))
        for path in sorted((ROOT / package).rglob("*.py"))
    ]
