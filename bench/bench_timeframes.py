"""Benchmark: read 100,000 time-frame phrases; print phrases per second and peak memory.

Run as ``.venv/bin/python -m bench.bench_timeframes [--count N] [--seed S]``. The phrases are
the labelled data file's and the tests' (``tests/bot/timeframe_cases.py``), each written again
the way officials vary them: any case, with or without diacritics, stray spaces, line breaks
and trailing dots (fixed seed, so every run reads the same phrases). Prints one JSON line:

- ``phrases_per_second``: through ``parse_timeframe`` as the app calls it (its bounded cache
  starts empty, so repeated phrases are served from it);
- ``uncached_phrases_per_second``: every phrase read from scratch (all caches emptied
  before each phrase), the same-run baseline; ``ratio_vs_uncached`` is cached / from scratch
  (0.96 before the cache was keyed on the folded clause, since 68 % of the raw spellings
  were distinct); both are medians of ``--runs`` (3) interleaved runs;
- ``peak_memory_bytes``: the peak traced by ``tracemalloc`` while reading them all.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import tracemalloc
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Final

from bot.timeframe_rules import read_folded
from bot.timeframes import Timeframe, _parse, parse_timeframe
from tests.bot.timeframe_cases import all_phrases

DEFAULT_COUNT: Final = 100_000
DEFAULT_SEED: Final = 20240601
SPACES: Final = (" ", " ", " ", "  ", "\n", " \n ", "\t", "\u00a0")


def strip_marks(text: str) -> str:
    """The phrase typed without diacritics (``đ`` -> ``d``), as on a keyboard without Telex."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def vary(text: str, rng: random.Random) -> str:
    """Write ``text`` again with random case, diacritics and spacing."""
    if rng.random() < 0.4:
        text = strip_marks(text)
    casing = rng.random()
    if casing < 0.2:
        text = text.upper()
    elif casing < 0.4:
        text = text.lower()
    elif casing < 0.5:
        text = "".join(c.upper() if rng.random() < 0.5 else c for c in text)
    words = text.split(" ")
    text = "".join(word + rng.choice(SPACES) for word in words).rstrip()
    if rng.random() < 0.2:
        text = rng.choice(("  ", "\n", "- ")) + text
    if rng.random() < 0.2:
        text += rng.choice((".", " .", ";", "\n"))
    return text


def phrases(count: int, seed: int) -> list[tuple[str, int]]:
    """``count`` varied phrases with their plan years."""
    rng = random.Random(seed)
    sources = all_phrases()
    return [(vary(text, rng), year) for text, year in rng.choices(sources, k=count)]


def timed(read: Callable[[str, int], Timeframe], work: Sequence[tuple[str, int]]) -> float:
    """Seconds ``read`` takes over ``work``."""
    started = time.perf_counter()
    for text, year in work:
        read(text, year)
    return time.perf_counter() - started


def _from_scratch(text: str, year: int) -> Timeframe:
    """``parse_timeframe`` with every cache emptied first: each phrase read from scratch."""
    _parse.cache_clear()
    read_folded.cache_clear()
    return parse_timeframe(text, year)


def _empty_caches() -> None:
    _parse.cache_clear()
    read_folded.cache_clear()


def run(count: int, seed: int, runs: int = 3) -> dict[str, object]:
    """Read ``count`` phrases both ways, interleaved ``runs`` times, and report the medians."""
    work = phrases(count, seed)
    cached_runs: list[float] = []
    uncached_runs: list[float] = []
    for _ in range(runs):
        _empty_caches()
        cached_runs.append(timed(parse_timeframe, work))
        uncached_runs.append(timed(_from_scratch, work))
    cached, uncached = statistics.median(cached_runs), statistics.median(uncached_runs)

    _empty_caches()
    tracemalloc.start()
    kinds = Counter(parse_timeframe(text, year).kind for text, year in work)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "benchmark": "timeframes",
        "phrases": count,
        "distinct_phrases": len(set(work)),
        "seconds": round(cached, 3),
        "phrases_per_second": round(count / cached),
        "uncached_phrases_per_second": round(count / uncached),
        "ratio_vs_uncached": round(uncached / cached, 2),
        "runs": runs,
        "peak_memory_bytes": peak,
        "kinds": dict(sorted(kinds.items())),
        "seed": seed,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.count, args.seed, args.runs), ensure_ascii=False))


if __name__ == "__main__":
    main()
