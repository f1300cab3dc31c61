"""Smoke test of ``bench.public`` at a tiny size: one JSON line, every figure positive."""

from __future__ import annotations

from tests.bench.support import assert_positive, run_bench

PAGES = (
    "home",
    "questions",
    "questions_search",
    "plan",
    "numbers",
    "chart",
    "open311_requests",
    "open311_services",
)
PUBLIC_KEYS = {
    "communes",
    "cases",
    "published",
    "healthz_s",
    "figures_direct_s",
    "lookup_s",
    "lookup_over_healthz",
    "numbers_cold_over_figures",
    *(f"{page}_{what}" for page in PAGES for what in ("cold_s", "warm_s", "warm_over_healthz")),
}


def test_public_pages_at_a_tiny_size() -> None:
    figures = run_bench(
        "public", "--communes", "3", "--tasks", "60", "--cases", "3000", "--runs", "1"
    )
    assert_positive(figures, PUBLIC_KEYS)
    assert figures["communes"] == 3
    assert figures["cases"] == 3000
