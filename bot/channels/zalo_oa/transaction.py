"""Zalo's transaction messages: the template that reaches a person outside the 7-day window.

Zalo's documentation (``/v3.0/oa/message/transaction``): an ``attachment`` of type
``template`` whose ``payload`` names a ``template_type`` and a ``language`` (``VI``/``EN``)
and lists ``elements``: at most one ``header`` of 100 characters and at most two ``text``
elements of 250 characters each, lines broken with ``<br>``; up to 4 buttons. Zalo accepts
them at any hour but pushes a notification only from 06:00 to 21:59, so they are held for
06:00: account security notices too, since one sent at night would wait unseen in the chat
while at 06:00 the phone shows it. The endpoint and the template type are settings: neither
has been tried on a real OA.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.channels import textonly

HEADER_LIMIT: Final = 100
TEXT_LIMIT: Final = 250
TEXTS_PER_MESSAGE: Final = 2
# Zalo pushes transaction messages to a phone only in these hours (local time).
NOTIFY_FROM: Final = time(6, 0)
NOTIFY_UNTIL: Final = time(22, 0)
LINE_BREAK: Final = "<br>"


def held_until(now: datetime, tz: ZoneInfo) -> datetime | None:
    """When a transaction message due at ``now`` may go (``None``: now, not at night)."""
    local = now.astimezone(tz)
    if NOTIFY_FROM <= local.time() < NOTIFY_UNTIL:
        return None
    day = local.date() if local.time() < NOTIFY_FROM else local.date() + timedelta(days=1)
    return datetime.combine(day, NOTIFY_FROM, tzinfo=tz)


def language(locale: str | None) -> str:
    """The template's language: the default labels Zalo adds follow the person's."""
    return "EN" if locale == "en" else "VI"


def messages(text: str, limit: int = TEXT_LIMIT) -> list[list[str]]:
    """The text as messages of at most two text elements each, in order; an element holds
    at most ``limit`` characters, its line breaks written ``<br>`` as Zalo shows them."""
    pieces = _pieces(text, limit)
    return [
        pieces[i : i + TEXTS_PER_MESSAGE] for i in range(0, len(pieces), TEXTS_PER_MESSAGE)
    ] or [[""]]


def plain(pieces: list[str]) -> str:
    """The text a message's elements carry, line breaks as written by people."""
    return "\n".join(pieces).replace(LINE_BREAK, "\n")


def template(pieces: list[str], *, header: str, template_type: str, lang: str) -> dict[str, Any]:
    """One transaction message: the header, then each piece as a text element."""
    elements: list[dict[str, Any]] = [
        {"type": "header", "content": header[:HEADER_LIMIT], "align": "left"}
    ]
    elements += [{"type": "text", "content": piece, "align": "left"} for piece in pieces if piece]
    payload = {"template_type": template_type, "language": lang, "elements": elements}
    return {"attachment": {"type": "template", "payload": payload}}


def _pieces(text: str, limit: int) -> list[str]:
    """Lines packed into pieces of at most ``limit`` characters, joined by ``<br>``."""
    out: list[str] = []
    current = ""
    for line in text.strip().splitlines():
        for part in textonly.split_text(line, limit) if line.strip() else [""]:
            joined = current + LINE_BREAK + part if current else part
            if len(joined) <= limit:
                current = joined
            else:
                out.append(current)
                current = part
    out.append(current)
    trimmed = [_trim_breaks(piece) for piece in out]
    return [piece for piece in trimmed if piece.strip()]


def _trim_breaks(piece: str) -> str:
    while piece.endswith(LINE_BREAK):
        piece = piece.removesuffix(LINE_BREAK)
    return piece
