"""Handlers stand side by side: no handler module imports another one."""

from __future__ import annotations

from pathlib import Path

from tests.support.imports import ROOT, imports_of, sources


def _other_handlers(path: Path, package: str) -> set[str]:
    own = f"{package}.{path.stem}"
    return {
        f"{path.name}:{line}"
        for line, module in imports_of(path, package)
        if module.startswith("handlers.") and module != own and not module.startswith(own + ".")
    }


def test_no_handler_imports_another() -> None:
    files = sources("handlers")
    assert len(files) > 5
    found = {f"{p.relative_to(ROOT)}: {h}" for p, pkg in files for h in _other_handlers(p, pkg)}
    assert found == set()


def test_the_check_sees_every_way_to_import(tmp_path: Path) -> None:
    probe = tmp_path / "admin.py"
    probe.write_text(
        "from handlers import citizen\nimport handlers.cases\nfrom .leader import x\n"
        "from handlers.admin import y\nfrom bot import context\n",
        encoding="utf-8",
    )
    assert _other_handlers(probe, "handlers") == {"admin.py:1", "admin.py:2", "admin.py:3"}
