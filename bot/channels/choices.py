"""Buttons on channels that have none: numbered lines, answered by number or by label.

The numbers a chat was shown are kept in the database, so an answer means the same after a
restart or when another worker takes it. One implementation for every text-only channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Reply
from db.queries import choices

CHOICES_VALID: Final = timedelta(days=2)
# A person answers with a small number; a longer run of digits (a phone number) is text.
MAX_NUMBER_DIGITS: Final = 2


@dataclass(frozen=True, slots=True)
class Numbered:
    """Replies as plain texts with their buttons as numbered lines, and what each number means."""

    texts: list[str]
    items: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Answer:
    """How a typed text relates to the numbered choices a chat was shown."""

    payload: str | None = None
    bad_number: bool = False


def number_replies(replies: Sequence[Reply]) -> Numbered:
    """Number every button of ``replies`` in order, one line each (``1. Góp ý``)."""
    texts: list[str] = []
    items: list[tuple[str, str]] = []
    for reply in replies:
        lines = [reply.text] if reply.text else []
        for row in reply.buttons:
            for button in row:
                if button.url:
                    lines.append(f"🔗 {button.text}: {button.url}")
                elif button.data:
                    items.append((button.text, button.data))
                    lines.append(f"{len(items)}. {button.text}")
        texts.append("\n".join(lines))
    return Numbered(texts, items)


async def remember(
    session: AsyncSession,
    *,
    channel: str,
    chat_id: str,
    items: list[tuple[str, str]],
    now: datetime,
) -> None:
    """Keep what the numbers shown to a chat mean (no numbers: forget the old ones)."""
    if items:
        await choices.save_choices(session, channel=channel, chat_id=chat_id, items=items, now=now)
    else:
        await choices.clear_choices(session, channel=channel, chat_id=chat_id)


async def answer(
    session: AsyncSession, *, channel: str, chat_id: str, text: str, now: datetime
) -> Answer:
    """Which button a typed number or label presses, if any."""
    stored = await choices.load_choices(session, channel=channel, chat_id=chat_id)
    if stored is None or now - stored[1] > CHOICES_VALID:
        return Answer()
    items = stored[0]
    typed = " ".join(text.split()).removesuffix(".")
    if typed.isascii() and typed.isdigit() and len(typed) <= MAX_NUMBER_DIGITS:
        index = int(typed) - 1
        return (
            Answer(payload=items[index][1]) if 0 <= index < len(items) else Answer(bad_number=True)
        )
    folded = typed.casefold()
    for number, (label, payload) in enumerate(items, start=1):
        if folded in {label.casefold(), f"{number}. {label}".casefold()}:
            return Answer(payload=payload)
    return Answer()
