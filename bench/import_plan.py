"""Importing a large generated plan: parse time, import time, re-import time, peak memory.

Generates a plan appendix of N tasks (2,000 by default) as .xlsx and .docx, shaped like
``shared/plans/luongson-2024`` (STT / Nhiệm vụ / Cơ quan chủ trì / Cơ quan phối hợp / Thời gian
hoàn thành; a section row per PAPI dimension; time frames taken from
``shared/data/timeframes.tsv``; ~30 units), then measures, as the median of a few runs:

* ``parse_plan`` of the .xlsx and of the .docx;
* the full import of the .xlsx into a fresh SQLite database (``import_plan`` with
  ``dry_run=False`` in one transaction, then commit; migrations are not timed);
* the re-import of the same file (must change nothing), without and with its parse;
* peak memory of parse + import: tracemalloc's peak (in a separate, traced run) and the
  process RSS (sampled every 5 ms during the first untraced run);
* the import as ``python -m bot import-plan`` does it (parse the .docx, store, plan the
  reminders, commit; a fresh database each time, migrations not timed) against its baseline,
  loading the same .docx with python-docx and reading every cell: the two interleaved
  ``--runs`` times, medians, and their ratio ``cli_import_over_docx_read`` (goal <= 2); and
  the same with the parse in the command's bounded child process, started before the
  database is opened, whose start-up (a new interpreter importing the parser and
  python-docx) the guard against hostile files costs: ``cli_import_isolated_over_docx_read``;
  both timed from reading the file, through opening the (migrated) database, to the commit. With
  ``--database-url`` (a PostgreSQL server) each of these imports gets a new database there;
  the other figures stay on SQLite.

    .venv/bin/python -m bench.import_plan [--quick] [--tasks N] [--runs N] [--keep DIR]
                                          [--database-url URL] [--only-cli]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench._support import SHARED, emit, log, median, rounded, rss_bytes, setup_logging
from bot.cli import frozen_heap
from bot.clock import SystemClock
from bot.plans import parse_plan
from bot.plans.importer import ImportReport, content_hash, import_plan
from bot.plans.worker import start_parse
from bot.reminders.scheduling import replan
from bot.runtime import open_runtime
from bot.settings import Settings
from db.engine import create_engine
from db.queries import orgs

YEAR: Final = 2024
HEADER: Final = (
    "STT",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian hoàn thành",
)
# The sections of luongson-2024: leadership, then the eight PAPI dimensions.
SECTIONS: Final = (
    "Công tác lãnh đạo, chỉ đạo",
    "Tham gia của người dân ở cấp cơ sở",
    "Công khai, minh bạch",
    "Trách nhiệm giải trình với người dân",
    "Kiểm soát tham nhũng trong khu vực công",
    "Thủ tục hành chính công",
    "Cung ứng dịch vụ công",
    "Quản trị môi trường",
    "Quản trị điện tử",
)
UNITS: Final = (
    "CC VP-TK",
    "CC TP-HT",
    "CC TC-KT",
    "CC ĐC-XD",
    "CC VH-XH",
    "CC VH-TT",
    "UBND phường",
    "Lãnh đạo UBND",
    "Ủy ban MTTQ phường",
    "Công đoàn phường",
    "Hội Phụ nữ phường",
    "Hội Nông dân phường",
    "Hội Cựu chiến binh phường",
    "Đoàn TNCS Hồ Chí Minh phường",
    "Công an phường",
    "Trạm y tế phường",
    "Ban TTND",
    "Ban giám sát đầu tư cộng đồng",
    "Bộ phận TN&TKQ phường",
    "Ban giảm nghèo",
    "Tổ hòa giải",
    "Ban công tác MT",
    "Các trường học trên địa bàn",
    "Quân sự phường",
    "Đảng ủy phường",
    "HĐND phường",
    "Các tổ dân phố",
    "Tổ công nghệ số cộng đồng",
    "Bảo hiểm XH thành phố",
    "Phòng Nội vụ thành phố",
)
VERBS: Final = (
    "Tổ chức tuyên truyền",
    "Triển khai thực hiện",
    "Kiểm tra, giám sát việc",
    "Công khai đầy đủ, kịp thời",
    "Rà soát, cập nhật",
    "Tăng cường quản lý",
    "Phối hợp thực hiện",
    "Tiếp nhận và xử lý",
    "Báo cáo kết quả",
    "Nâng cao chất lượng",
)
OBJECTS: Final = (
    "Quy chế dân chủ ở cơ sở tới các tổ dân phố",
    "thủ tục hành chính tại Bộ phận Một cửa",
    "thu chi ngân sách phường",
    "quy hoạch, kế hoạch sử dụng đất",
    "phản ánh, kiến nghị của người dân",
    "dịch vụ công trực tuyến toàn trình",
    "bảo hiểm y tế cho các đối tượng chính sách",
    "thu gom, xử lý rác thải sinh hoạt",
    "Trang thông tin điện tử phường",
    "các khoản đóng góp tự nguyện của người dân",
    "an ninh trật tự ở khu dân cư",
    "công tác chuyển đổi số",
)


def timeframe_phrases() -> list[str]:
    """Distinct phrases of ``timeframes.tsv``, their years moved to the plan year."""
    phrases: dict[str, None] = {}
    for line in (SHARED / "data" / "timeframes.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text = line.split("\t", 1)[0].strip()
        phrases[re.sub(r"\b20(1\d|2[0-3])\b", str(YEAR), text)] = None
    return list(phrases)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the generated table: a section row has only ``code`` and ``task``."""

    code: str
    task: str
    lead: str = ""
    partners: str = ""
    timeframe: str = ""
    section: bool = False


def generate_rows(tasks: int, seed: int = 2024) -> list[Row]:
    """Section rows and ``tasks`` task rows spread evenly over the sections."""
    rng = random.Random(seed)
    phrases = timeframe_phrases()
    rows: list[Row] = []
    per_section, extra = divmod(tasks, len(SECTIONS))
    for s, name in enumerate(SECTIONS, start=1):
        rows.append(Row(str(s), name, section=True))
        for t in range(1, per_section + (1 if s <= extra else 0) + 1):
            lead = "; ".join(rng.sample(UNITS, 1 if rng.random() < 0.8 else 2))
            partners = "; ".join(rng.sample(UNITS, rng.choice((0, 1, 1, 2, 3))))
            timeframe = "" if rng.random() < 0.05 else rng.choice(phrases)
            text = (
                f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} (nội dung {s}.{t}); "
                f"{rng.choice(VERBS).lower()} {rng.choice(OBJECTS)} theo đúng quy định."
            )
            rows.append(Row(f"{s}.{t}", text, lead, partners, timeframe))
    return rows


def write_xlsx(path: Path, rows: Sequence[Row]) -> None:
    """The appendix as a worksheet: a title row, the header, then the rows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Phu luc"
    ws.append(
        [
            "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ TRỌNG TÂM DUY TRÌ, CẢI THIỆN VÀ NÂNG CAO CHỈ SỐ "
            f"HIỆU QUẢ QUẢN TRỊ VÀ HÀNH CHÍNH CÔNG PHƯỜNG ĐO ĐẠC NĂM {YEAR}"
        ]
    )
    ws.append(list(HEADER))
    for row in rows:
        if row.section:
            ws.append([row.code, row.task, None, None, None])
        else:
            ws.append([row.code, row.task, row.lead, row.partners or None, row.timeframe or None])
    wb.save(path)


def write_docx(path: Path, rows: Sequence[Row]) -> None:
    """The plan as a Word file: the heading lines, then one table (section rows merged)."""
    import docx

    document = docx.Document()
    for line in (
        "ỦY BAN NHÂN DÂN PHƯỜNG ĐO ĐẠC",
        "KẾ HOẠCH",
        "Duy trì, cải thiện và nâng cao Chỉ số Hiệu quả quản trị và hành chính công "
        f"phường Đo Đạc năm {YEAR}",
        "PHỤ LỤC: PHÂN CÔNG THỰC HIỆN NHIỆM VỤ TRỌNG TÂM",
    ):
        document.add_paragraph(line)
    table = document.add_table(rows=len(rows) + 1, cols=len(HEADER))
    grid: list[Any] = [r.cells for r in table.rows]
    for cell, label in zip(grid[0], HEADER, strict=True):
        cell.text = label
    for cells, row in zip(grid[1:], rows, strict=True):
        cells[0].text = row.code
        if row.section:
            cells[1].merge(cells[-1]).text = row.task
            continue
        for cell, value in zip(
            cells[1:], (row.task, row.lead, row.partners, row.timeframe), strict=True
        ):
            cell.text = value
    document.add_paragraph("TM. ỦY BAN NHÂN DÂN")
    document.save(str(path))


@contextmanager
def rss_sampler(interval: float = 0.005) -> Iterator[list[int]]:
    """Sample this process's RSS in a thread while the block runs; yields the samples."""
    samples: list[int] = [rss_bytes()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(interval):
            samples.append(rss_bytes())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()
        samples.append(rss_bytes())


@dataclass(slots=True)
class ImportFigures:
    """One run on a fresh database."""

    parse_s: float
    import_s: float
    reimport_s: float
    reimport_with_parse_s: float
    first: ImportReport
    again: ImportReport


async def import_run(path: Path, database_url: str) -> ImportFigures:
    """Parse and import ``path`` into a fresh database, then import it once more."""
    clock = SystemClock()
    data_hash = content_hash(await asyncio.to_thread(path.read_bytes))
    settings = Settings(database_url=database_url, org_name="UBND phường Đo Đạc")
    async with open_runtime(settings, clock) as runtime:
        org_id = runtime.dispatcher.deployment.root_org_id
        async with runtime.sessions() as session:
            directory = await orgs.unit_directory(session, org_id)
            started = time.perf_counter()
            plan = parse_plan(path, directory=directory)
            parsed = time.perf_counter()
            first = await import_plan(
                session,
                org_id=org_id,
                plan=plan,
                data_hash=data_hash,
                actor_id=None,
                now=clock.now(),
                dry_run=False,
            )
            await session.commit()
            imported = time.perf_counter()
        async with runtime.sessions() as session:
            again_started = time.perf_counter()
            directory = await orgs.unit_directory(session, org_id)
            plan = parse_plan(path, directory=directory)
            again_parsed = time.perf_counter()
            again = await import_plan(
                session,
                org_id=org_id,
                plan=plan,
                data_hash=data_hash,
                actor_id=None,
                now=clock.now(),
                dry_run=False,
            )
            await session.commit()
            again_done = time.perf_counter()
    return ImportFigures(
        parse_s=parsed - started,
        import_s=imported - parsed,
        reimport_s=again_done - again_parsed,
        reimport_with_parse_s=again_done - again_started,
        first=first,
        again=again,
    )


def read_docx_bare(path: Path) -> int:
    """The baseline: load the .docx with python-docx and read every cell's text."""
    import docx

    document = docx.Document(str(path))
    return sum(
        len(cell.text) for table in document.tables for row in table.rows for cell in row.cells
    )


@asynccontextmanager
async def fresh_database(server_url: str | None, folder: Path, name: str) -> AsyncIterator[str]:
    """A new empty database: a SQLite file in ``folder``, or one on the PostgreSQL server."""
    if server_url is None:
        yield f"sqlite+aiosqlite:///{folder / f'{name}.sqlite3'}"
        return
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        yield make_url(server_url).set(database=database).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        await admin.dispose()


async def cli_import(path: Path, database_url: str, *, isolated: bool = False) -> float:
    """Seconds of an import as ``python -m bot import-plan`` runs it, on a migrated database.

    Timed from the file's reading to the commit, the database opened as the command opens
    it (its migrations, already run on the new database, are not timed). The command parses
    in a bounded child process (``start_parse``, the guard against files crafted to
    explode), started before the database is opened; ``isolated`` counts that child,
    otherwise the parse runs in a thread of this process once the directory is read, which
    is the import's own work without the child.
    """
    clock = SystemClock()
    settings = Settings(database_url=database_url, org_name="UBND phường Đo Đạc")
    async with open_runtime(settings, clock):
        pass  # migrates the new database: an installed bot's is
    started = time.perf_counter()
    data = await asyncio.to_thread(path.read_bytes)
    async with AsyncExitStack() as stack:
        parsing = await stack.enter_async_context(start_parse(path)) if isolated else None
        runtime = await stack.enter_async_context(open_runtime(settings, clock))
        session = await stack.enter_async_context(runtime.sessions())
        await stack.enter_async_context(frozen_heap())  # as the command does
        org_id = runtime.dispatcher.deployment.root_org_id
        directory = await orgs.unit_directory(session, org_id)
        if parsing is not None:
            plan = await parsing.plan(directory)
        else:
            plan = await asyncio.to_thread(parse_plan, path, directory=directory)
        await import_plan(
            session,
            org_id=org_id,
            plan=plan,
            data_hash=content_hash(data),
            actor_id=None,
            now=clock.now(),
            dry_run=False,
        )
        await replan(session, org_id=org_id, now=clock.now(), tz=settings.tz)
        await session.commit()
        return time.perf_counter() - started


async def measure_cli(
    docx_path: Path, runs: int, server_url: str | None, folder: Path
) -> dict[str, Any]:
    """The command-line import against the bare python-docx read, interleaved."""
    bare: list[float] = []
    full: list[float] = []
    isolated: list[float] = []
    for i in range(runs):
        started = time.perf_counter()
        read_docx_bare(docx_path)
        bare.append(time.perf_counter() - started)
        async with fresh_database(server_url, folder, f"cli{i}") as url:
            full.append(await cli_import(docx_path, url))
        async with fresh_database(server_url, folder, f"cli{i}i") as url:
            isolated.append(await cli_import(docx_path, url, isolated=True))
        log.info(
            "docx read %.3f s, import %.3f s, with the parse in its child process %.3f s",
            bare[-1],
            full[-1],
            isolated[-1],
        )
    return {
        "cli_database": "postgresql" if server_url else "sqlite",
        "docx_read_s": rounded(median(bare)),
        "cli_import_s": rounded(median(full)),
        "cli_import_over_docx_read": rounded(median(full) / median(bare), 2),
        "cli_import_isolated_s": rounded(median(isolated)),
        "cli_import_isolated_over_docx_read": rounded(median(isolated) / median(bare), 2),
        "cli_goal": "<= 2",
    }


def time_parse(path: Path, runs: int) -> float:
    """The median time of ``parse_plan`` on ``path``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        parse_plan(path)
        times.append(time.perf_counter() - started)
    return median(times)


async def measure(
    tasks: int, runs: int, keep: Path | None, server_url: str | None = None, only_cli: bool = False
) -> dict[str, Any]:
    """Generate the files, then time parse, import and re-import; then peak memory."""
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows = generate_rows(tasks)
        xlsx, docx_path = folder / f"plan-{tasks}.xlsx", folder / f"plan-{tasks}.docx"
        started = time.perf_counter()
        write_xlsx(xlsx, rows)
        write_docx(docx_path, rows)
        xlsx_bytes, docx_bytes = xlsx.stat().st_size, docx_path.stat().st_size
        log.info("generated %d rows in %.1f s", len(rows), time.perf_counter() - started)
        cli = await measure_cli(docx_path, runs, server_url, Path(tmp))
        if only_cli:
            return {"tasks": tasks, "runs": runs, **cli}

        parse_xlsx = time_parse(xlsx, runs)
        parse_docx = time_parse(docx_path, runs)
        log.info("parse: xlsx %.3f s, docx %.3f s", parse_xlsx, parse_docx)

        db_dir = Path(tmp)
        runs_done: list[ImportFigures] = []
        rss: list[int] = []
        for i in range(runs):
            url = f"sqlite+aiosqlite:///{db_dir / f'import-{i}.sqlite3'}"
            if i == 0:
                with rss_sampler() as rss:
                    runs_done.append(await import_run(xlsx, url))
            else:
                runs_done.append(await import_run(xlsx, url))
            run = runs_done[-1]
            log.info(
                "import %.3f s, re-import %.3f s (+parse %.3f s)",
                run.import_s,
                run.reimport_s,
                run.reimport_with_parse_s,
            )
            if not run.again.nothing_changed:
                log.error(
                    "re-import changed something: %d added, %d changed, %d removed",
                    len(run.again.added),
                    len(run.again.changed),
                    len(run.again.removed),
                )

        tracemalloc.start()
        try:
            await import_run(xlsx, f"sqlite+aiosqlite:///{db_dir / 'traced.sqlite3'}")
            _, traced_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    report = runs_done[0].first
    again = runs_done[0].again
    return {
        "tasks": len(report.plan.tasks),
        "runs": runs,
        "occurrences": report.occurrences_added,
        "units_created": len(report.new_units),
        "xlsx_kib": rounded(xlsx_bytes / 1024, 1),
        "docx_kib": rounded(docx_bytes / 1024, 1),
        "parse_xlsx_s": rounded(parse_xlsx),
        "parse_docx_s": rounded(parse_docx),
        "import_s": rounded(median(r.import_s for r in runs_done)),
        "parse_and_import_s": rounded(median(r.parse_s + r.import_s for r in runs_done)),
        "reimport_s": rounded(median(r.reimport_s for r in runs_done)),
        "reimport_with_parse_s": rounded(median(r.reimport_with_parse_s for r in runs_done)),
        "reimport_nothing_changed": all(r.again.nothing_changed for r in runs_done),
        "reimport_unchanged_tasks": again.unchanged,
        "tracemalloc_peak_mib": rounded(traced_peak / 2**20, 1),
        "rss_before_mib": rounded(rss[0] / 2**20, 1),
        "rss_peak_mib": rounded(max(rss) / 2**20, 1),
        **cli,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.import_plan", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="60 tasks, one run")
    parser.add_argument("--tasks", type=int, help="tasks in the generated plan (default 2000)")
    parser.add_argument("--runs", type=int, help="runs to take the median of (default 3)")
    parser.add_argument("--keep", type=Path, help="write the generated files to this folder")
    parser.add_argument("--database-url", help="a PostgreSQL server for the command-line runs")
    parser.add_argument("--only-cli", action="store_true", help="only the command-line ratio")
    args = parser.parse_args(argv)
    setup_logging()
    tasks = args.tasks or (60 if args.quick else 2000)
    runs = args.runs or (1 if args.quick else 3)
    figures = measure(tasks, runs, args.keep, args.database_url, args.only_cli)
    emit("import_plan", asyncio.run(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
