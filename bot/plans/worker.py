"""Parse a plan file in a child process bounded in memory and time.

``parse_isolated`` runs ``python -m bot.plans.worker``: the child limits its own address
space and CPU time (``setrlimit``) before it imports a reader, parses the file and writes the
plan, or the reason it was refused, as JSON on stdout. A file that gets past the checks of
``bot.plans.inspection`` and still explodes kills only the child, and the bot keeps
answering everyone else while the child works.

``start_parse`` starts the child before the caller knows the unit directory: the child
starts Python, imports its readers and parses while the caller opens its database, and
waits for the directory only to flag the plan's units. The child imports no more than the
parser needs (no asyncio, no Babel, no SQLAlchemy), and skips its own teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys
import weakref
import zlib
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bot.filelimits import PLAN_LIMITS, PlanLimits
from bot.plans.errors import CorruptFile, FileLimitExceeded, PlanImportError
from bot.plans.preview import ParsedPlan, ParsedTask, PlanWarning

if TYPE_CHECKING:
    import asyncio
    from collections.abc import AsyncIterator, Callable, Mapping

# Freed when memory runs out, so the child can still report it.
_RESERVE_BYTES: Final = 4 * 1024 * 1024
_ROOT: Final = str(Path(__file__).resolve().parents[2])
# A parsed task crosses the boundary as the list of its fields, in this order.
_TASK_FIELDS: Final = tuple(f.name for f in fields(ParsedTask))


@dataclass(frozen=True, slots=True)
class WorkerResult:
    """What the child sent back, and the most memory it held (resident, in bytes)."""

    payload: dict[str, Any]
    peak_rss: int


async def parse_isolated(
    path: Path,
    *,
    year: int | None = None,
    directory: Mapping[str, int] | None = None,
    limits: PlanLimits = PLAN_LIMITS,
) -> ParsedPlan:
    """``parse_plan`` in a bounded child process; raises its ``PlanImportError``."""
    async with start_parse(path, year=year, limits=limits) as job:
        return await job.plan(directory)


async def run_worker(
    path: Path,
    *,
    year: int | None,
    directory: Mapping[str, int] | None,
    limits: PlanLimits,
) -> WorkerResult:
    """Run the child on ``path`` and return its answer, a plan or a refusal.

    Raises ``FileLimitExceeded`` when the child runs out of time or memory before answering.
    """
    async with start_parse(path, year=year, limits=limits) as job:
        return await job.result(directory)


class ParseJob:
    """A child started on a file, parsing while its caller gets the unit directory."""

    def __init__(self, path: Path, process: asyncio.subprocess.Process, limits: PlanLimits):
        self._path = path
        self._process = process
        self._limits = limits

    async def plan(self, directory: Mapping[str, int] | None) -> ParsedPlan:
        """The parsed plan, its units flagged against ``directory``; raises the refusal."""
        result = await self.result(directory)
        if "error" in result.payload:
            raise error_from_json(result.payload["error"])
        return plan_from_json(result.payload["plan"])

    async def result(self, directory: Mapping[str, int] | None) -> WorkerResult:
        """Send the directory, then wait (at most ``wall_seconds``) for the child's answer.

        Raises ``FileLimitExceeded`` when the child runs out of time or memory first.
        """
        import asyncio

        process, limits = self._process, self._limits
        line = json.dumps(dict(directory) if directory is not None else None).encode()
        try:
            # A child that refused the file has stopped reading: communicate() lets that be.
            out, _ = await asyncio.wait_for(process.communicate(line), limits.wall_seconds)
        except TimeoutError:
            await self.stop()
            raise FileLimitExceeded(
                self._path.name, "wall_seconds", limits.wall_seconds + 1, limits.wall_seconds
            ) from None
        try:
            answer = json.loads(out)
        except ValueError:
            raise _death(self._path.name, process.returncode, limits) from None
        return WorkerResult(answer, int(answer.get("peak_rss", 0)))

    async def stop(self) -> None:
        """End the child if it still runs (its caller gave up, or ran out of time)."""
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()


@asynccontextmanager
async def start_parse(
    path: Path, *, year: int | None = None, limits: PlanLimits = PLAN_LIMITS
) -> AsyncIterator[ParseJob]:
    """Start the child on ``path`` now; ``job.plan(directory)`` later collects the plan.

    Holds one of the ``limits.workers`` slots until the block ends, which also ends the
    child if nobody collected its answer.
    """
    import asyncio

    request = {"path": str(path), "year": year, "limits": asdict(limits)}
    async with _slots(limits.workers):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-S",  # see _child_env
            "-m",
            "bot.plans.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=_child_env(),
        )
        job = ParseJob(path, process, limits)
        try:
            assert process.stdin is not None
            process.stdin.write(json.dumps(request).encode() + b"\n")
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await process.stdin.drain()
            yield job
        finally:
            await job.stop()


def _child_env() -> dict[str, str]:
    """Only what Python needs: the child has no use for the bot's secrets.

    The child runs without ``site`` (whose path hooks cost more than they serve it), so it
    gets this process's import path, the readers' folders included, as ``PYTHONPATH``.
    """
    folders = dict.fromkeys(filter(None, [_ROOT, *sys.path]))
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(folders),
        # numpy (which openpyxl imports when present) would start a thread per core, each
        # reserving address space the memory limit counts.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }


_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slots(workers: int) -> asyncio.Semaphore:
    """At most ``workers`` files are read at once (per event loop): the memory limit is
    each child's."""
    import asyncio

    return _SLOTS.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(workers))


def _death(name: str, returncode: int | None, limits: PlanLimits) -> PlanImportError:
    """Why the child ended without an answer: out of CPU time, or out of memory."""
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        # SIGXCPU at the soft CPU limit, SIGKILL at the hard one a second later.
        return FileLimitExceeded(name, "cpu_seconds", limits.cpu_seconds + 1, limits.cpu_seconds)
    if returncode:
        # Out of address space, C code aborts or Python exits without a word.
        return FileLimitExceeded(name, "memory", limits.memory + 1, limits.memory)
    return CorruptFile(name, "the reader gave no answer")


# -- the JSON that crosses the process boundary -----------------------------------------


def plan_to_json(plan: ParsedPlan) -> dict[str, Any]:
    """A parsed plan as plain JSON values, warnings with their message ids."""
    return {
        "title": plan.title,
        "year": plan.year,
        "source": plan.source,
        # Lists of fields, not objects: a tenth of the encoding time (asdict copies deeply).
        "tasks": [[getattr(task, name) for name in _TASK_FIELDS] for task in plan.tasks],
        "warnings": [
            {"msgid": w.msgid, "params": w.params} if isinstance(w, PlanWarning) else str(w)
            for w in plan.warnings
        ],
    }


def plan_from_json(data: Mapping[str, Any]) -> ParsedPlan:
    """The parsed plan ``plan_to_json`` wrote."""
    return ParsedPlan(
        title=str(data["title"]),
        year=int(data["year"]),
        source=str(data["source"]),
        tasks=[ParsedTask(*task) for task in data["tasks"]],
        warnings=[
            PlanWarning(w["msgid"], **w["params"]) if isinstance(w, dict) else str(w)
            for w in data["warnings"]
        ],
    )


def _error_classes(base: type[PlanImportError]) -> dict[str, type[PlanImportError]]:
    found = {base.__name__: base}
    for sub in base.__subclasses__():
        found.update(_error_classes(sub))
    return found


def error_to_json(exc: PlanImportError) -> dict[str, Any]:
    """A refusal as its class name, message and fields."""
    fields = {k: list(v) if isinstance(v, tuple) else v for k, v in vars(exc).items()}
    return {"type": type(exc).__name__, "text": str(exc), "fields": fields}


def error_from_json(data: Mapping[str, Any]) -> PlanImportError:
    """The refusal ``error_to_json`` wrote (an unknown class reads as a damaged file)."""
    fields = dict(data.get("fields", {}))
    cls = _error_classes(PlanImportError).get(str(data.get("type")))
    if cls is None:
        return CorruptFile(str(fields.get("name", "")), "unknown refusal")
    exc = cls.__new__(cls)
    Exception.__init__(exc, str(data.get("text", "")))
    exc.__dict__.update({k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
    return exc


# -- the child --------------------------------------------------------------------------


def _limit_self(limits: Mapping[str, int]) -> None:
    memory = int(limits["memory"])
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    # Memory that runs out must not be dumped to disk either.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _peak_rss() -> int:
    # VmHWM, not ru_maxrss: the latter keeps the parent's size from before the exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _out_of_memory(cause: BaseException | None) -> bool:
    """Whether a reader's error was the memory limit (zlib and libxml2 say it their way)."""
    if isinstance(cause, MemoryError):
        return True
    text = str(cause).lower()
    return (isinstance(cause, zlib.error) and "error -4" in text) or (
        "memory allocation failed" in text
    )


def _answer(
    request: Mapping[str, Any], directory: Callable[[], Mapping[str, int] | None]
) -> dict[str, Any]:
    """Parse the file; ``directory`` is asked for only once the plan is read."""
    limits = PlanLimits(**request["limits"])
    path = Path(request["path"])
    reserve = bytearray(_RESERVE_BYTES)
    try:
        from bot.plans.parser import flag_units, parse_plan

        plan = parse_plan(path, year=request["year"], max_bytes=limits.max_bytes, limits=limits)
        units = directory()
        if units is not None:
            plan = flag_units(plan, units)
    except PlanImportError as exc:
        if not _out_of_memory(exc.__cause__):
            return {"error": error_to_json(exc), "peak_rss": _peak_rss()}
        refusal = FileLimitExceeded(path.name, "memory", limits.memory + 1, limits.memory)
        return {"error": error_to_json(refusal), "peak_rss": _peak_rss()}
    except MemoryError:
        del reserve
        refusal = FileLimitExceeded(path.name, "memory", limits.memory + 1, limits.memory)
        return {"error": error_to_json(refusal), "peak_rss": _peak_rss()}
    return {"plan": plan_to_json(plan), "peak_rss": _peak_rss()}


def _read_directory() -> Mapping[str, int] | None:
    """The unit directory, the second line on stdin (the parent sends it when it has it)."""
    raw = sys.stdin.buffer.read()
    return json.loads(raw) if raw.strip() else None


def main() -> None:
    """Read the request from stdin, parse, read the directory, answer on stdout."""
    request = json.loads(sys.stdin.buffer.readline())
    _limit_self(request["limits"])
    answer = _answer(request, _read_directory)
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.buffer.write(json.dumps(answer).encode())
        sys.stdout.flush()
    # Nothing is left to clean up: freeing the parsed document only delays the answer's end.
    os._exit(0)


if __name__ == "__main__":
    main()
