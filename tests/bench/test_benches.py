"""Smoke tests: every benchmark runs at a tiny size and prints one JSON line of figures.

They check the shape of the output and that the figures are positive, not any speed.
"""

from __future__ import annotations

import json

import pytest

from bench import run_all
from tests.bench.support import assert_positive, run_bench

STARTUP_KEYS = {
    "ready_fresh_db_s",
    "ready_existing_db_s",
    "idle_rss_mib",
    "shutdown_s",
    "shutdown_max_s",
}
THROUGHPUT_KEYS = {
    "a_ours_unlimited_updates_per_s",
    "a_first_contact_updates_per_s",
    "b_ours_default_limits_updates_per_s",
    "b_fraction_of_30",
    "c_bare_ptb_echo_updates_per_s",
    "a_over_c",
}
IMPORT_KEYS = {
    "tasks",
    "occurrences",
    "units_created",
    "xlsx_kib",
    "docx_kib",
    "parse_xlsx_s",
    "parse_docx_s",
    "import_s",
    "parse_and_import_s",
    "reimport_s",
    "reimport_with_parse_s",
    "tracemalloc_peak_mib",
    "rss_before_mib",
    "rss_peak_mib",
    "docx_read_s",
    "cli_import_s",
    "cli_import_over_docx_read",
    "cli_import_isolated_s",
    "cli_import_isolated_over_docx_read",
}
REMINDERS_KEYS = {
    "plan_tasks",
    "plan_occurrences",
    "plan_first_replan_s",
    "plan_first_rows_added",
    "plan_again_replan_s",
    "plan_load_facts_s",
    "plan_window_s",
    "sweep_small_s",
    "sweep_large_s",
    "sweep_large_over_small",
    "sweep_large_build_s",
    "tg_people",
    "tg_delivered",
    "tg_seconds",
    "tg_messages_per_s",
    "tg_fraction_of_30",
}


def test_startup_reaches_ready_and_stops_cleanly() -> None:
    figures = run_bench("startup", "--idle", "0.5")
    assert_positive(figures, STARTUP_KEYS)
    assert figures["runs"] == 1
    assert figures["exit_code"] == 0


def test_throughput_of_the_three_bots(database_url: str) -> None:
    figures = run_bench("throughput", "--users", "5", "--database-url", database_url)
    assert_positive(figures, THROUGHPUT_KEYS)
    assert figures["users"] == 5


def test_import_plan_and_reimport_changes_nothing() -> None:
    figures = run_bench("import_plan", "--tasks", "20")
    assert_positive(figures, IMPORT_KEYS)
    assert figures["tasks"] == 20
    assert figures["reimport_nothing_changed"] is True
    assert figures["reimport_unchanged_tasks"] == 20


def test_reminders_plan_sweep_and_send() -> None:
    figures = run_bench("reminders", "--tasks", "100", "--people", "40")
    assert_positive(figures, REMINDERS_KEYS)
    assert figures["plan_tasks"] == 100
    assert figures["plan_again_rows_added"] == 0
    assert figures["plan_window_rows"] == figures["plan_first_rows_added"]
    assert (figures["sweep_small_rows"], figures["sweep_large_rows"]) == (10_000, 100_000)
    assert figures["tg_delivered"] == figures["tg_people"] == 40
    assert isinstance(figures["tg_flood_errors"], int)


def test_update_cpu_of_ours_and_of_the_echo_bot(database_url: str) -> None:
    figures = run_bench("update_cpu", "--rounds", "3", "--database-url", database_url)
    assert_positive(figures, {"ours_cpu_ms_per_update", "ours_first_contact_cpu_ms_per_update"})
    assert figures["echo_cpu_ms_per_update"] >= 0
    assert figures["users"] == 20


def test_replies_are_counted_against_the_limits() -> None:
    figures = run_bench("replies", "--people", "4", "--messages", "2", timeout=600)
    assert figures["replies_per_run"] == 8
    assert isinstance(figures["flood_errors_total"], int)
    assert_positive(figures, {"seconds", "fraction_of_30"})


def test_run_all_prints_each_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(run_all.BENCHMARKS) <= set(run_all.available())
    assert run_all.main(["--quick", "--only", "import_plan"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["bench"] == "import_plan"


def test_run_all_passes_quick_and_database_url() -> None:
    argv = run_all.command("throughput", quick=True, database_url="sqlite+aiosqlite:///x")
    assert argv[1:] == [
        "-m",
        "bench.throughput",
        "--quick",
        "--database-url",
        "sqlite+aiosqlite:///x",
    ]
    assert "--database-url" not in run_all.command("startup", quick=True, database_url="x")


HOSTILE_KEYS = {
    "baseline_s",
    "baseline_peak_rss_mib",
    *(
        f"{a}_{f}"
        for a in ("far_cell", "grid_span", "zip_bomb", "one_line_csv")
        for f in ("s", "peak_rss_mib", "time_ratio", "rss_ratio")
    ),
    "memory_limit_mib",
    "cpu_limit_s",
}


def test_hostile_files_are_refused_by_their_limits() -> None:
    figures = run_bench("hostile_files")
    assert_positive(figures, HOSTILE_KEYS)
    assert (
        figures["far_cell_refused_by"],
        figures["grid_span_refused_by"],
        figures["zip_bomb_refused_by"],
        figures["one_line_csv_refused_by"],
    ) == ("columns", "span", "part_unpacked", "line_chars")


ZALO_WEBHOOK_KEYS = {
    "zalo_events",
    "zalo_answered_200",
    "zalo_p50_ms",
    "zalo_p99_ms",
    "zalo_processed_per_s",
    "zalo_cpu_ms_per_event",
    "tg_updates",
    "tg_p50_ms",
    "tg_p99_ms",
    "tg_processed_per_s",
    "tg_cpu_ms_per_update",
    "base_p50_ms",
    "base_p99_ms",
    "zalo_p50_over_base",
    "zalo_p99_over_base",
    "zalo_cpu_over_tg",
}
# The baseline's CPU over ten requests can be below what the system counts (10 ms).
ZALO_WEBHOOK_MAYBE_ZERO = {"base_cpu_ms_per_request", "zalo_cpu_over_base", "tg_cpu_over_base"}


def test_zalo_webhook_under_load_answers_and_handles_every_event(database_url: str) -> None:
    figures = run_bench(
        "zalo_webhook", "--seconds", "0.5", "--rate", "20", "--database-url", database_url
    )
    assert_positive(figures, ZALO_WEBHOOK_KEYS)
    for key in ZALO_WEBHOOK_MAYBE_ZERO:
        assert isinstance(figures[key], float)
        assert figures[key] >= 0
    assert figures["zalo_answered_200"] == figures["zalo_events"] == 10
    assert figures["seconds"] == 0.5
