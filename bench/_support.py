"""What the benchmarks share: the repository root, logging to stderr, one JSON line out."""

from __future__ import annotations

import json
import logging
import statistics
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

# No stubs unless types-psutil is installed (it is not in the test extras).
import psutil

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
SHARED: Final = next(
    (folder / "shared" for folder in REPO_ROOT.parents if (folder / "shared" / "data").is_dir()),
    REPO_ROOT.parent / "shared",
)
"""The project's shared data: ``shared/`` beside the repository or beside a folder above it."""
TOKEN: Final = "123456:BENCH-token"
BOT_USERNAME: Final = "commune_bench_bot"

Figure = float | int | str | bool | None

log = logging.getLogger("bench")


def setup_logging(level: int = logging.INFO) -> None:
    """Log to stderr only: stdout carries the one JSON line."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("httpx", "httpcore", "aiohttp", "apscheduler", "aiosqlite", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def median(values: Iterable[float]) -> float:
    """The median of the measured values (at least one)."""
    return statistics.median(list(values))


def rounded(value: float, digits: int = 4) -> float:
    """A figure rounded for the report."""
    return round(value, digits)


def emit(name: str, figures: Mapping[str, Figure]) -> str:
    """Print one JSON line of figures on stdout (and return it)."""
    line = json.dumps({"bench": name, **figures}, ensure_ascii=False, sort_keys=False)
    print(line, flush=True)
    return line


def rss_bytes(pid: int | None = None) -> int:
    """The resident memory of a process (default: this one), via psutil."""
    return int(psutil.Process(pid).memory_info().rss)
