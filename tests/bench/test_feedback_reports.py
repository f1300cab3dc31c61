"""Smoke tests of ``bench.feedback`` and ``bench.reports`` at ``--quick`` size.

They check that each prints one JSON line with its keys and positive figures, never a speed.
"""

from __future__ import annotations

from tests.bench.support import assert_positive, run_bench

FEEDBACK_KEYS = {
    "dialog_citizens",
    "dialog_updates",
    "dialog_cases_stored",
    "dialog_wall_s",
    "dialog_cases_per_s",
    "dialog_updates_per_s",
    "send_to_code_p50_s",
    "send_to_code_p95_s",
    "send_to_code_max_s",
    "track_cases",
    "track_build_s",
    "track_calls",
    "track_p50_ms",
    "track_p95_ms",
    "track_max_ms",
}
REPORTS_KEYS = {
    "communes",
    "tasks",
    "occurrences",
    "cases",
    "build_s",
    "figures_q3_cases",
    "figures_q3_occurrences",
    "figures_q3_s",
    "figures_q3_peak_mib",
    "report_q3_s",
    "report_q3_peak_mib",
    "report_q3_file_kib",
    "status_commune_s",
    "status_commune_peak_mib",
    "status_province_s",
    "status_province_peak_mib",
    "status_province_quarter_cases",
    "status_province_year_occurrences",
    "status_province_overdue",
    "status_province_state_counts_query_s",
    "status_province_overdue_query_s",
    "status_province_undated_query_s",
    "status_province_case_counts_query_s",
    "status_province_task_figures_s",
    "status_province_feedback_summary_s",
}


def test_feedback_dialog_and_track() -> None:
    figures = run_bench("feedback", timeout=600)
    assert_positive(figures, FEEDBACK_KEYS)
    assert figures["dialog_citizens"] == figures["dialog_cases_stored"] == 30
    assert figures["track_cases"] == 20_000
    assert figures["track_calls"] == 200
    assert isinstance(figures["dialog_error_replies"], int)
    assert figures["limiter"] == "unlimited"


def test_reports_status_and_report() -> None:
    figures = run_bench("reports", timeout=600)
    assert_positive(figures, REPORTS_KEYS)
    assert (figures["communes"], figures["tasks"], figures["cases"]) == (10, 1_000, 50_000)
    assert figures["figures_q3_cases"] < figures["cases"]
    assert_positive(
        figures,
        {
            "lookup_s",
            "status_province_repeat_s",
            "status_province_over_lookup",
            "status_province_after_write_s",
            "status_province_after_case_s",
            "status_province_after_case_over_lookup",
            "status_province_after_task_s",
            "status_province_after_task_over_lookup",
        },
    )
