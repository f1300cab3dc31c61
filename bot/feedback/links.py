"""Where a citizen starts feedback from outside the chat: a deep link and its QR code."""

from __future__ import annotations

import io
from typing import Final

import segno

from bot.invites import deep_link

# The argument of ``/start`` (a deep link) that opens the feedback dialog.
FEEDBACK_START: Final = "feedback"


def feedback_link(public_url: str | None, bot_username: str | None) -> str | None:
    """What the notice board's QR code opens: the public page if served, else the chat."""
    if public_url:
        return f"{public_url}/"
    return deep_link(bot_username, FEEDBACK_START) if bot_username else None


def feedback_qr(link: str) -> bytes:
    """A PNG QR code of ``link``."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
