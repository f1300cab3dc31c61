"""Every Zalo Bot Platform detail the channel relies on, in one place, none verified yet.

From public descriptions of the platform (see ``reference/zalo-oa.md``, "Zalo Bot Platform
(unverified details)"): calls go to ``<base>/bot<TOKEN>/<method>`` as JSON; answers are
``{"ok": true, "result": …}`` and errors come as HTTP 200 with ``ok: false`` (and perhaps an
``error_code``); the webhook carries the secret given to ``setWebhook`` in the header
``X-Bot-Api-Secret-Token``; texts are capped at 2,000 characters; there are no inline
buttons, no callbacks, no message editing and no documents. An update is an ``event_name``
(``message.text.received`` …) with a ``message`` holding ``message_id``, ``from``, ``chat``
and ``text`` or ``photo``; it may come wrapped in ``{"ok", "result"}``. Whether updates carry
an ``update_id`` for ``getUpdates``' offset is not known: without one, the inbox's dedupe on
the message id keeps a repeated update from being handled twice.

When the real platform differs, this module is what changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Final

import httpx

from bot.channels.download import fetch_limited
from bot.errors import BotError

log = logging.getLogger(__name__)

GET_ME: Final = "getMe"
GET_UPDATES: Final = "getUpdates"
SET_WEBHOOK: Final = "setWebhook"
DELETE_WEBHOOK: Final = "deleteWebhook"
SEND_MESSAGE: Final = "sendMessage"
SEND_PHOTO: Final = "sendPhoto"

SECRET_HEADER: Final = "X-Bot-Api-Secret-Token"
TEXT_LIMIT: Final = 2000
CAPTION_LIMIT: Final = 1000  # a guess, kept well under the text limit

TEXT: Final = "message.text.received"
IMAGE: Final = "message.image.received"
STICKER: Final = "message.sticker.received"
UNSUPPORTED: Final = "message.unsupported.received"
# Other ``message.*.received`` events (voice, video, …) are answered politely like stickers;
# anything else is acknowledged and dropped.
KNOWN_PREFIX: Final = "message."

# Telegram-like error codes, assumed: the person blocked the bot or never wrote to it; too
# many calls.
UNREACHABLE_CODES: Final = frozenset({403})
SLOW_DOWN_CODES: Final = frozenset({429})

MAX_ID: Final = 64
MAX_TEXT: Final = 20_000  # the platform caps far lower; a longer one is not from Zalo
MAX_NAME: Final = 200
POLL_SECONDS: Final = 25
TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
_ID_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class ZaloBotApiError(BotError):
    """The platform answered a call with ``ok: false`` (or not at all: code 0)."""

    def __init__(self, code: int, method: str) -> None:
        super().__init__(f"Zalo Bot error {code} on {method}")
        self.code = code
        self.method = method


class BadUpdate(BotError):
    """A pushed body that is not an update the bot can read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def method_url(base: str, token: str, method: str) -> str:
    """Where a method is called."""
    return f"{base.rstrip('/')}/bot{token}/{method}"


class ZaloBotApi:
    """Calls the Zalo Bot API with the bot's static token."""

    def __init__(self, base_url: str, token: str, http: httpx.AsyncClient) -> None:
        self._base = base_url
        self._token = token
        self._http = http

    async def get_me(self) -> dict[str, Any]:
        """The bot's own account."""
        result = await self._call(GET_ME, {})
        return result if isinstance(result, dict) else {}

    async def set_webhook(self, url: str, secret: str) -> None:
        """Have the platform push updates to ``url`` with ``secret`` in the header."""
        await self._call(SET_WEBHOOK, {"url": url, "secret_token": secret})

    async def delete_webhook(self) -> None:
        """Stop pushing, so that ``getUpdates`` answers."""
        await self._call(DELETE_WEBHOOK, {})

    async def get_updates(self, offset: int | None, wait_seconds: int = POLL_SECONDS) -> list[Any]:
        """Updates not yet confirmed (long poll up to ``wait_seconds``)."""
        params: dict[str, Any] = {"timeout": wait_seconds}
        if offset is not None:
            params["offset"] = offset
        wait = httpx.Timeout(wait_seconds + 10.0, connect=5.0)
        result = await self._call(GET_UPDATES, params, wait)
        if isinstance(result, list):
            return result
        return [] if result is None or result == {} else [result]

    async def send_message(self, chat_id: str, text: str) -> None:
        """A text of at most ``TEXT_LIMIT`` characters."""
        await self._call(SEND_MESSAGE, {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, url: str, caption: str) -> None:
        """A photo the platform fetches from ``url``."""
        params = {"chat_id": chat_id, "photo": url, "caption": caption[:CAPTION_LIMIT]}
        await self._call(SEND_PHOTO, params)

    async def download(self, url: str, limit: int) -> bytes:
        """Fetch a photo a person sent, refusing more than ``limit`` bytes."""
        return await fetch_limited(
            self._http, url, limit, TIMEOUT, lambda status: ZaloBotApiError(status, "download")
        )

    async def _call(
        self, method: str, params: dict[str, Any], limits: httpx.Timeout = TIMEOUT
    ) -> Any:
        try:
            response = await self._http.post(
                method_url(self._base, self._token, method), json=params, timeout=limits
            )
            answer = response.json()
        except (httpx.HTTPError, ValueError):
            # The URL holds the token: never log it or the exception that quotes it.
            log.warning("Zalo Bot %s: no answer", method)
            raise ZaloBotApiError(0, method) from None
        if not isinstance(answer, dict):
            raise ZaloBotApiError(response.status_code, method)
        if answer.get("ok") is not True:
            code = answer.get("error_code")
            code = code if isinstance(code, int) and not isinstance(code, bool) else 0
            log.info("Zalo Bot %s answered ok=false (%d)", method, code)
            raise ZaloBotApiError(code or response.status_code, method)
        return answer.get("result")


# -- updates --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpdateHead:
    """What the inbox needs before storing an update: what kind, which chat, which key."""

    kind: str
    chat: str
    dedupe_key: str


@dataclass(frozen=True, slots=True)
class BotEvent:
    """A stored update, read for handling."""

    kind: str
    user_id: str
    chat_id: str
    name: str = ""
    text: str | None = None
    photo_url: str | None = None


def unwrap(data: object) -> dict[str, Any]:
    """The update in a pushed body (bare, or wrapped as ``{"ok", "result"}``)."""
    if not isinstance(data, dict):
        raise BadUpdate("not an object")
    inner = data.get("result")
    if "event_name" not in data and isinstance(inner, dict):
        return inner
    return data


def update_id(update: object) -> int | None:
    """The update's number for ``getUpdates``' offset, if it has one."""
    value = update.get("update_id") if isinstance(update, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def head(update: dict[str, Any]) -> UpdateHead | None:
    """Kind, chat and dedupe key; ``None`` for updates to acknowledge and drop."""
    kind = update.get("event_name")
    if not isinstance(kind, str) or not kind.startswith(KNOWN_PREFIX) or len(kind) > 100:
        return None
    message = update.get("message")
    if not isinstance(message, dict):
        raise BadUpdate("no message")
    user, chat = _ids(message)
    if user is None or chat is None:
        raise BadUpdate("no sender")
    message_id = message.get("message_id")
    if isinstance(message_id, str | int) and 0 < len(str(message_id)) <= 100:
        key = f"m:{message_id}"
    else:
        canonical = json.dumps(update, sort_keys=True, ensure_ascii=False).encode()
        key = "h:" + hashlib.sha256(canonical).hexdigest()
    return UpdateHead(kind, chat, key)


def read(payload: str) -> BotEvent:
    """Read a stored update; fields of the wrong type are left out."""
    update = unwrap(json.loads(payload))
    kind = str(update.get("event_name", ""))
    raw = update.get("message")
    message: dict[str, Any] = raw if isinstance(raw, dict) else {}
    user, chat = _ids(message)
    sender = message.get("from")
    name = ""
    if isinstance(sender, dict):
        given = sender.get("display_name", sender.get("name"))
        name = given[:MAX_NAME] if isinstance(given, str) else ""
    text = message.get("text")
    if not isinstance(text, str):
        caption = message.get("caption")
        text = caption if isinstance(caption, str) else None
    photo = message.get("photo") or message.get("photo_url")
    photo_url = (
        photo if isinstance(photo, str) and photo.startswith(("https://", "http://")) else None
    )
    return BotEvent(
        kind,
        user or "",
        chat or "",
        name,
        None if text is None else text[:MAX_TEXT],
        photo_url if kind == IMAGE else None,
    )


def _ids(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """The person's id and the chat's (a private chat's id may be the person's)."""
    holder = message.get("from")
    user = _id(holder.get("id")) if isinstance(holder, dict) else None
    holder = message.get("chat")
    chat = _id(holder.get("id")) if isinstance(holder, dict) else None
    return user, chat or user


def _id(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        value = str(value)
    if isinstance(value, str) and 0 < len(value) <= MAX_ID and set(value) <= _ID_CHARS:
        return value
    return None
