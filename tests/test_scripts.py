"""``scripts/run.sh`` installs only when pyproject.toml changed, and says what it does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

# Stands in for .venv/bin/python: records how it was called, never reaches a network.
FAKE_PYTHON = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/../calls.log"
"""


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "bot"
    (project / "scripts").mkdir(parents=True)
    for name in ("run.sh", "setup.sh"):
        shutil.copy(REPO_ROOT / "scripts" / name, project / "scripts" / name)
    shutil.copy(REPO_ROOT / "pyproject.toml", project / "pyproject.toml")
    python = project / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return project


def _run(project: Path) -> tuple[str, list[str]]:
    log = project / ".venv" / "calls.log"
    log.unlink(missing_ok=True)
    result = subprocess.run(
        ["bash", "scripts/run.sh"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout, log.read_text().splitlines()


def test_run_installs_once_then_starts_without_installing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    out, calls = _run(project)
    assert "setup: installing the Python packages of pyproject.toml" in out
    assert calls == [
        "-m pip install --quiet --upgrade pip",
        "-m pip install --quiet -e .",
        "-m bot run",
    ]
    # Installed: no pip at all (it would need a package index), just the bot.
    out, calls = _run(project)
    assert "setup: Python packages up to date (pyproject.toml unchanged)" in out
    assert calls == ["-m bot run"]
    # A changed pyproject.toml installs again.
    with (project / "pyproject.toml").open("a") as file:
        file.write("\n# a new dependency\n")
    out, calls = _run(project)
    assert "-m pip install --quiet -e ." in calls
