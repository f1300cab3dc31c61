"""Run every benchmark, each in its own process, and print each one's JSON line.

    .venv/bin/python -m bench.run_all [--quick] [--database-url URL] [--only NAME ...]

A benchmark that fails is reported on stderr; the others still run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Final

from bench._support import REPO_ROOT

BENCHMARKS: Final = (
    "startup",
    "update_cpu",
    "throughput",
    "import_plan",
    "reminders",
    "feedback",
    "reports",
    "public",
    "replies",
    "bench_timeframes",
    "hostile_files",
    "zalo_webhook",
)
TIMEOUT: Final = 1800.0
# Tiny sizes for benchmarks that have no --quick of their own (used only if the option exists).
QUICK_ARGS: Final = {"bench_timeframes": ("--count", "2000")}


def available() -> list[str]:
    """Every benchmark, in the order they run."""
    return list(BENCHMARKS)


def command(name: str, quick: bool, database_url: str | None) -> list[str]:
    """The command line running one benchmark."""
    argv = [sys.executable, "-m", f"bench.{name}"]
    source = (REPO_ROOT / "bench" / f"{name}.py").read_text(encoding="utf-8")
    if quick and "--quick" in source:
        argv.append("--quick")
    elif quick and name in QUICK_ARGS and QUICK_ARGS[name][0] in source:
        argv += QUICK_ARGS[name]
    if database_url and "--database-url" in source:
        argv += ["--database-url", database_url]
    return argv


def run(name: str, quick: bool, database_url: str | None) -> str | None:
    """Run one benchmark; return its JSON line, or None (and say why on stderr)."""
    print(f"--- bench.{name}", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(
            command(name, quick, database_url),
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"bench.{name}: timed out after {TIMEOUT:g} s", file=sys.stderr)
        return None
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        print(f"bench.{name}: exit status {done.returncode}", file=sys.stderr)
        return None
    return lines[-1]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks one after the other."""
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--database-url", help="passed to the benchmarks that take it")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    args = parser.parse_args(argv)
    names = available()
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(names)}")
        names = [name for name in names if name in args.only]
    failed = False
    for name in names:
        line = run(name, args.quick, args.database_url)
        if line is None:
            failed = True
        else:
            print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
