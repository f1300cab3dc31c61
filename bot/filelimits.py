"""What a file people send may claim and cost: plan files, their parsing, citizens' files.

A plan's task table is a few hundred rows of about ten columns in a Word or Excel file of
at most a few megabytes; the limits leave an order of magnitude of room above the largest
real plan and refuse what only a crafted file claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MIB: Final = 1024 * 1024

PLAN_MAX_BYTES: Final = 20 * MIB
"""The largest plan file accepted, as sent."""


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """What a plan file may claim before it is read, and what reading it may cost."""

    max_bytes: int = PLAN_MAX_BYTES
    archive_members: int = 1000
    """Parts of a .docx/.xlsx (a real plan has 10-60)."""
    archive_unpacked: int = 200 * MIB
    """All parts of a .docx/.xlsx together, uncompressed (pictures included)."""
    part_unpacked: int = 25 * MIB
    """One XML part, uncompressed: what the XML readers hold in memory many times over."""
    compression_ratio: int = 200
    """Uncompressed / compressed size of a part over 1 MiB; zip bombs reach thousands."""
    tables: int = 200
    """Tables in a document or visible sheets in a workbook."""
    rows: int = 5000
    columns: int = 100
    span: int = 100
    """Columns one Word cell may span (gridSpan, gridBefore)."""
    cells: int = 200_000
    """Cells of all tables together, counting each spanned or merged cell."""
    merges: int = 20_000
    """Merged ranges of one sheet."""
    line_chars: int = 100_000
    """One line of a CSV file."""
    field_chars: int = 32_768
    """One CSV field (the csv module's own limit is 131,072)."""
    memory: int = 1024 * MIB
    """Address space of the parsing process (RLIMIT_AS)."""
    cpu_seconds: int = 60
    """CPU time of the parsing process (RLIMIT_CPU)."""
    wall_seconds: int = 120
    """Time the bot waits for the parsing process before killing it."""
    workers: int = 2
    """Parsing processes at once; more files wait their turn (the memory limit is each's)."""


PLAN_LIMITS: Final = PlanLimits()

RATIO_FLOOR: Final = MIB
"""Parts smaller than this are not judged by their compression ratio."""


@dataclass(frozen=True, slots=True)
class AttachmentLimits:
    """What citizens' photos and files may add up to."""

    file_bytes: int = 10 * MIB
    per_case: int = 5
    files_per_day: int = 15
    """Files one person may send in one local day (three full cases)."""
    bytes_per_day: int = 60 * MIB


ATTACHMENT_LIMITS: Final = AttachmentLimits()
