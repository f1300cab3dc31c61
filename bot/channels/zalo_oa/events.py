"""Webhook events: the signature check and a strict reading of what Zalo posts."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Final

from bot.errors import BotError

SIGNATURE_HEADER: Final = "X-ZEvent-Signature"
MAX_ID_DIGITS: Final = 32
MAX_TEXT: Final = 20_000  # Zalo caps a message far lower; a longer one is not from Zalo

# Events switched on in the app that change nothing here (echoes of what the OA sent,
# receipts): acknowledged and dropped.
IGNORED_PREFIXES: Final = ("oa_send_", "user_seen_message", "user_received_message")
HANDLED: Final = frozenset(
    {
        "user_send_text",
        "user_send_image",
        "user_send_file",
        "user_send_location",
        "user_send_link",
        "user_send_sticker",
        "user_send_gif",
        "user_send_audio",
        "user_send_video",
        "follow",
        "unfollow",
        "user_submit_info",
        "user_withdraw",
    }
)


class BadEvent(BotError):
    """A webhook body that is not an event the bot can read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EventHead:
    """What the webhook needs before storing an event: who, what kind, which key."""

    kind: str
    sender: str
    dedupe_key: str


def verify(body: bytes, header: str | None, app_id: str, oa_secret_key: str) -> dict[str, Any]:
    """Return the event if ``header`` signs ``body``; raise ``BadEvent`` otherwise.

    ``mac = sha256(app_id + raw body + timestamp + OA secret key)``, where ``app_id`` and
    ``timestamp`` are the body's own fields; the app id must also be ours.
    """
    if not header or not header.startswith("mac="):
        raise BadEvent("no signature")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadEvent("not JSON") from None
    if not isinstance(data, dict):
        raise BadEvent("not an object")
    body_app, timestamp = data.get("app_id"), data.get("timestamp")
    if not isinstance(body_app, str) or not isinstance(timestamp, str | int):
        raise BadEvent("no app id or timestamp")
    expected = hashlib.sha256(
        body_app.encode() + body + str(timestamp).encode() + oa_secret_key.encode()
    ).hexdigest()
    given = header.removeprefix("mac=").strip().lower()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise BadEvent("signature mismatch")
    if not hmac.compare_digest(body_app.encode(), app_id.encode()):
        raise BadEvent("another app's event")
    return data


def head(data: dict[str, Any], body: bytes) -> EventHead | None:
    """The event's kind, sender and dedupe key; ``None`` for events to acknowledge and drop."""
    kind = data.get("event_name")
    if not isinstance(kind, str) or kind.startswith(IGNORED_PREFIXES) or kind not in HANDLED:
        return None
    sender = user_id(data)
    if sender is None:
        raise BadEvent("no sender")
    message = data.get("message")
    msg_id = message.get("msg_id") if isinstance(message, dict) else None
    if isinstance(msg_id, str) and 0 < len(msg_id) <= 100:
        key = f"m:{msg_id}"
    else:
        key = "h:" + hashlib.sha256(body).hexdigest()
    return EventHead(kind, sender, key)


def user_id(data: dict[str, Any]) -> str | None:
    """The person's id for this OA (``sender``, or ``follower`` on follow events)."""
    for field in ("sender", "follower", "user"):
        holder = data.get(field)
        value = holder.get("id") if isinstance(holder, dict) else None
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return value if len(value) <= MAX_ID_DIGITS else None
    return None


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment a person sent: where to fetch it and what Zalo says it is."""

    url: str
    name: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class UserEvent:
    """A stored event, read for handling."""

    kind: str
    sender: str
    text: str | None = None
    media: Media | None = None
    latitude: float | None = None
    longitude: float | None = None
    info: dict[str, str] | None = None


def read(payload: str) -> UserEvent:
    """Read a stored event; unknown shapes give an event with only kind and sender."""
    data = json.loads(payload)
    kind = str(data.get("event_name", ""))
    sender = user_id(data) or ""
    raw_message = data.get("message")
    message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
    raw_text = message.get("text")
    text = raw_text[:MAX_TEXT] if isinstance(raw_text, str) else None
    attachments = message.get("attachments")
    payloads: list[dict[str, Any]] = [
        a["payload"]
        for a in (attachments if isinstance(attachments, list) else [])
        if isinstance(a, dict) and isinstance(a.get("payload"), dict)
    ]
    first = payloads[0] if payloads else {}
    if kind == "user_send_location":
        coordinates = first.get("coordinates")
        lat, lon = _coordinate(coordinates, "latitude"), _coordinate(coordinates, "longitude")
        if lat is not None and lon is not None:
            return UserEvent(kind, sender, text, latitude=lat, longitude=lon)
        return UserEvent(kind, sender, text)
    if kind in {"user_send_image", "user_send_file"}:
        url = first.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            size = first.get("size")
            name = first.get("name")
            return UserEvent(
                kind,
                sender,
                text,
                media=Media(
                    url,
                    name if isinstance(name, str) else None,
                    int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
                ),
            )
        return UserEvent(kind, sender, text)
    if kind == "user_send_link":
        url = first.get("url")
        return UserEvent(kind, sender, text or (url if isinstance(url, str) else None))
    if kind == "user_submit_info":
        info = data.get("info")
        if isinstance(info, dict):
            kept = {str(k): str(v)[:500] for k, v in info.items() if isinstance(v, str | int)}
            return UserEvent(kind, sender, info=kept)
    return UserEvent(kind, sender, text)


def _coordinate(holder: object, name: str) -> float | None:
    if not isinstance(holder, dict):
        return None
    try:
        value = float(holder.get(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    limit = 90.0 if name == "latitude" else 180.0
    return value if -limit <= value <= limit else None
