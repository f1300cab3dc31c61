"""Run a benchmark at its quick size and check the shape of its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.conftest import REPO_ROOT


def run_bench(name: str, *args: str, timeout: float = 300) -> dict[str, Any]:
    """Run ``bench.<name> --quick`` and return its one JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    figures: dict[str, Any] = json.loads(lines[0])
    assert figures["bench"] == name
    return figures


def assert_positive(figures: dict[str, Any], keys: set[str]) -> None:
    """Every key is there and holds a positive number."""
    assert keys <= figures.keys(), keys - figures.keys()
    for key in keys:
        value = figures[key]
        assert isinstance(value, int | float), (key, value)
        assert not isinstance(value, bool), (key, value)
        assert value > 0, (key, value)
