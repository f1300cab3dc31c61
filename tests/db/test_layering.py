"""Storage stands on its own: nothing in ``db`` imports the application in ``bot``."""

from __future__ import annotations

from pathlib import Path

from tests.support.imports import ROOT, imports_of, sources


def _bot_imports(path: Path, package: str) -> set[str]:
    return {
        f"{path.name}:{line}"
        for line, module in imports_of(path, package)
        if module == "bot" or module.startswith("bot.")
    }


def test_no_module_of_db_imports_bot() -> None:
    files = sources("db")
    assert len(files) > 10
    found = {f"{p.relative_to(ROOT)}: {hit}" for p, pkg in files for hit in _bot_imports(p, pkg)}
    assert found == set()


def test_the_check_sees_every_way_to_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import bot.i18n\nfrom bot import workcal\nfrom db import models\n"
        "def later() -> None:\n    from bot.plans import units\n",
        encoding="utf-8",
    )
    assert _bot_imports(probe, "db.queries") == {"probe.py:1", "probe.py:2", "probe.py:5"}
