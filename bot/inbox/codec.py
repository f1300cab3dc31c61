"""Replies kept between handling an event and delivering its answer, as JSON."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from bot.messages import Attachment, Button, InfoCard, Reply


def encode_replies(replies: Sequence[Reply]) -> str:
    """Replies as JSON text (file contents base64)."""
    return json.dumps([_reply(r) for r in replies], ensure_ascii=False)


def decode_replies(text: str) -> list[Reply]:
    """What ``encode_replies`` wrote, back as replies."""
    return [_from_reply(item) for item in json.loads(text)]


def _reply(reply: Reply) -> dict[str, Any]:
    file = reply.file
    return {
        "text": reply.text,
        "buttons": [[[b.text, b.data, b.url] for b in row] for row in reply.buttons],
        "file": None
        if file is None or file.content is None
        else {
            "filename": file.filename,
            "mime_type": file.mime_type,
            "content": base64.b64encode(file.content).decode(),
        },
        "card": None if reply.card is None else [reply.card.title, reply.card.subtitle],
        "keeps_choices": reply.keeps_choices,
    }


def _from_reply(item: dict[str, Any]) -> Reply:
    file = item.get("file")
    attachment = None
    if file is not None:
        content = base64.b64decode(file["content"])
        attachment = Attachment(file["filename"], file["mime_type"], len(content), content)
    buttons = tuple(
        tuple(Button(text, data, url) for text, data, url in row) for row in item["buttons"]
    )
    card = item.get("card")
    return Reply(
        item["text"],
        buttons,
        attachment,
        None if card is None else InfoCard(*card),
        keeps_choices=bool(item.get("keeps_choices", False)),
    )
