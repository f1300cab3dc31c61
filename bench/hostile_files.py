"""What a file crafted to explode costs the bot, against what an honest plan costs.

Each file is read the way the chat and the CLI read plans: ``bot.plans.worker.run_worker``,
a child process under the limits of ``bot.filelimits.PLAN_LIMITS``. Timed from spawn to
answer (median of ``--runs``), with the child's peak resident memory (VmHWM, which it
reports itself).

* ``baseline`` — an honest plan: a Word table of ``--tasks`` task rows (500) with a two-row
  header, read into a plan;
* ``far_cell`` — the attack's 5 KB .xlsx with cells A1 and XFD1048576 (5.4 GB before);
* ``grid_span`` — its .docx with a cell spanning 16 million columns (5 GB before);
* ``zip_bomb`` — a .docx whose part unpacks to 60 MB of blanks (2.2 GB for the attack's);
* ``one_line_csv`` — a 19 MB CSV of one line (a traceback before).

Each crafted figure is also given as a ratio to the baseline, measured in the same run. The
limits themselves are printed: whatever gets past the checks still cannot use more than
``memory_limit_mib`` of address space nor ``cpu_limit_s`` of CPU, and no more than
``workers`` such children run at once.

    .venv/bin/python -m bench.hostile_files [--quick] [--tasks N] [--runs N]

``--quick``: 50 tasks, one run.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docx

from bench._support import emit, log, median, rounded, setup_logging
from bot.filelimits import MIB, PLAN_LIMITS
from bot.plans.worker import run_worker
from tests.bot.plans import crafted

ATTACKS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "far_cell": ("far.xlsx", crafted.xlsx_far_cell),
    "grid_span": ("span.docx", crafted.docx_huge_span),
    "zip_bomb": ("bomb.docx", crafted.zip_bomb_part),
    "one_line_csv": ("one-line.csv", crafted.csv_one_line),
}


def honest_plan(tasks: int) -> bytes:
    """A Word plan: a title, a two-row header and ``tasks`` rows."""
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH cải thiện Chỉ số PAPI năm 2026")
    table = document.add_table(rows=tasks + 2, cols=5)
    header = ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"]
    for c, text in enumerate(header):
        table.cell(0, c).text = text
        table.cell(1, c).text = f"({c + 1})"
    for r in range(tasks):
        row = [
            str(r + 1),
            f"Nhiệm vụ {r + 1}: niêm yết công khai và báo cáo kết quả thực hiện",
            "Văn phòng - Thống kê",
            "Tư pháp - Hộ tịch",
            "Quý II/2026",
        ]
        for c, text in enumerate(row):
            table.cell(r + 2, c).text = text
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


async def _measure(path: Path, runs: int) -> tuple[float, int, str]:
    """Median seconds, the largest peak RSS, and what the child answered."""
    seconds: list[float] = []
    peak = 0
    answer = ""
    for _ in range(runs):
        started = time.perf_counter()
        result = await run_worker(path, year=None, directory=None, limits=PLAN_LIMITS)
        seconds.append(time.perf_counter() - started)
        peak = max(peak, result.peak_rss)
        error = result.payload.get("error")
        answer = "plan" if error is None else str(error["fields"].get("limit", error["type"]))
    return median(seconds), peak, answer


async def measure(tasks: int, runs: int) -> dict[str, float | int | str]:
    """Every figure of the benchmark."""
    figures: dict[str, float | int | str] = {}
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "kehoach.docx"
        base.write_bytes(honest_plan(tasks))
        base_s, base_rss, answer = await _measure(base, runs)
        if answer != "plan":
            raise RuntimeError(f"the honest plan was refused: {answer}")
        figures |= {
            "tasks": tasks,
            "baseline_s": rounded(base_s),
            "baseline_peak_rss_mib": rounded(base_rss / MIB, 1),
        }
        for key, (name, make) in ATTACKS.items():
            path = Path(folder) / name
            path.write_bytes(make())
            seconds, rss, answer = await _measure(path, runs)
            log.info("%s: refused by %s in %.2f s, %.0f MiB", key, answer, seconds, rss / MIB)
            figures |= {
                f"{key}_kib": rounded(path.stat().st_size / 1024, 1),
                f"{key}_refused_by": answer,
                f"{key}_s": rounded(seconds),
                f"{key}_peak_rss_mib": rounded(rss / MIB, 1),
                f"{key}_time_ratio": rounded(seconds / base_s, 3),
                f"{key}_rss_ratio": rounded(rss / base_rss, 3),
            }
    figures |= {
        "memory_limit_mib": PLAN_LIMITS.memory // MIB,
        "cpu_limit_s": PLAN_LIMITS.cpu_seconds,
        "wall_limit_s": PLAN_LIMITS.wall_seconds,
        "workers": PLAN_LIMITS.workers,
    }
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_files", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50 tasks, one run")
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    setup_logging()
    tasks, runs = (50, 1) if args.quick else (args.tasks, args.runs)
    emit("hostile_files", asyncio.run(measure(tasks, runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
