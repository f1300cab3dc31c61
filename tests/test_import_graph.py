"""The packages' import graph has no cycle: every module can be read without the ones above it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.imports import ROOT, imports_of, sources

PACKAGES = ("bot", "db", "handlers", "jobs")


def _graph(files: list[tuple[Path, str]]) -> dict[str, set[str]]:
    names = {_module(path): path for path, _ in files}
    graph: dict[str, set[str]] = {name: set() for name in names}
    for path, package in files:
        source = _module(path)
        typing_only = _typing_lines(path)
        for line, target in imports_of(path, package):
            if line in typing_only:
                continue  # read by the type checker only: no import at run time
            while target and target not in names:
                target = target.rpartition(".")[0]
            if target and target != source and not source.startswith(target + "."):
                graph[source].add(target)
    return graph


def _typing_lines(path: Path) -> set[int]:
    """The lines under ``if TYPE_CHECKING:``."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            step = next(targets, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))
    return found


def test_no_import_cycle() -> None:
    files = [f for package in PACKAGES for f in sources(package)]
    assert len(files) > 100
    assert _cycles(_graph(files)) == []


def test_the_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
