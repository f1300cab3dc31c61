"""Files people send: kept for the dialog that needs them, within a daily allowance."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from bot.errors import BotError
from bot.filelimits import ATTACHMENT_LIMITS, MIB, AttachmentLimits
from db.queries import uploads

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.i18n import Translator
    from db.models import Upload


class DailyFilesExceeded(BotError):
    """The person has sent as many files, or as many bytes, today as one person may."""

    def __init__(self, files: int, size: int, limits: AttachmentLimits) -> None:
        super().__init__(f"{files} files, {size} bytes today")
        self.files = files
        self.size = size
        self.limits = limits

    def message(self, t: Translator) -> str:
        """Explain the refusal."""
        if self.files >= self.limits.files_per_day:
            return t.ngettext(
                "You have sent {n} file today, the most one person may. Nothing more was "
                "kept; please send it tomorrow.",
                "You have sent {n} files today, the most one person may. Nothing more was "
                "kept; please send it tomorrow.",
                self.files,
            )
        return t._(
            "That file would bring today's files to {size} MB; one person may send {limit} MB "
            "a day. Nothing more was kept; please send it tomorrow.",
            size=t.number(round(self.size / MIB, 1)),
            limit=t.number(self.limits.bytes_per_day // MIB),
        )


def day_start(now: datetime, tz: tzinfo) -> datetime:
    """The start of ``now``'s local day."""
    return datetime.combine(now.astimezone(tz).date(), time.min, tzinfo=tz)


async def check_allowance(
    session: AsyncSession,
    *,
    person_id: int,
    size: int,
    now: datetime,
    tz: tzinfo,
    limits: AttachmentLimits = ATTACHMENT_LIMITS,
) -> None:
    """Raise ``DailyFilesExceeded`` if one more file of ``size`` bytes is over today's."""
    files, total = await uploads.received_since(session, person_id, day_start(now, tz))
    if files >= limits.files_per_day or total + size > limits.bytes_per_day:
        raise DailyFilesExceeded(files, total + size, limits)


async def keep_file(
    session: AsyncSession,
    *,
    person_id: int,
    filename: str,
    content: bytes,
    now: datetime,
    tz: tzinfo,
    limits: AttachmentLimits = ATTACHMENT_LIMITS,
) -> Upload:
    """Keep a received file for the person's dialog, within the daily allowance."""
    await check_allowance(
        session, person_id=person_id, size=len(content), now=now, tz=tz, limits=limits
    )
    await uploads.note_receipt(session, person_id=person_id, size=len(content), now=now)
    return await uploads.save_upload(
        session, person_id=person_id, filename=filename, content=content, now=now
    )


def upload_ids(data: Mapping[str, Any]) -> list[int]:
    """The kept files a dialog's data refers to (a citizen's files, an admin's plan)."""
    found = [i for i in data.get("files", []) if isinstance(i, int)]
    if isinstance(data.get("upload"), int):
        found.append(data["upload"])
    return found


async def drop_dialog_files(
    session: AsyncSession,
    person_id: int,
    data: Mapping[str, Any],
    *,
    keep: Collection[int] = (),
) -> None:
    """Forget the files a dialog the person leaves was holding, except ``keep``."""
    await uploads.drop_uploads_of(session, person_id, set(upload_ids(data)) - set(keep))
