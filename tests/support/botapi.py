"""A Telegram Bot API emulator for tests and benchmarks.

The emulator is a small aiohttp server on 127.0.0.1 that answers the Bot API methods this
project uses, the way api.telegram.org answers them, so the real python-telegram-bot
``Bot``/``Application`` can talk to it over HTTP::

    async with BotApiEmulator(token="123:ABC", username="commune_test_bot") as emu:
        app = (
            ApplicationBuilder()
            .token(emu.token)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .build()
        )
        ...
        alice = emu.user(1001, "Alice")
        await alice.send("/start")
        [reply] = await emu.wait_for(alice.chat_id, 1)
        await alice.press(reply, "Tiếng Việt")

What it models:

* long polling (``getUpdates`` with ``offset``/``limit``/``timeout``, waiting on a condition,
  a newer ``getUpdates`` terminating an older one with 409) and, on request, webhook delivery
  (:meth:`BotApiEmulator.push_to_webhook`);
* simulated users (:class:`SimulatedUser`) who send text, commands, documents and locations and
  press inline buttons;
* what the bot sends: every call is recorded (:class:`ApiCall`), and every sent or edited
  message is kept as a :class:`SentMessage` for assertions;
* the errors Telegram really answers: bad HTML, messages too long, edits that change nothing,
  unknown chats, invalid callback data, and injected faults (429 flood control, 403 blocked
  users, 5xx) plus optional enforcement of Telegram's send-rate limits.

Text sent with ``parse_mode=HTML`` is validated and turned into plain text plus entities, as
Telegram does; Markdown and MarkdownV2 texts are kept as sent, without validation.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import math
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from multidict import MultiMapping

__all__ = [
    "ApiCall",
    "BotApiEmulator",
    "Buttons",
    "Clock",
    "SentMessage",
    "SimulatedGroup",
    "SimulatedUser",
    "UploadedFile",
]

JSONDict = dict[str, Any]
Clock = Callable[[], float]
Buttons = list[list[tuple[str, str | None]]]
"""Inline keyboard rows, each button as ``(text, callback_data)`` (``None`` for URL buttons)."""

MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_DOWNLOAD_BYTES: Final = 20 * 1024 * 1024
MAX_UPLOAD_BYTES: Final = 50 * 1024 * 1024

SEND_METHODS: Final = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
"""Methods that count as deliveries for :meth:`BotApiEmulator.enforce_limits` by default."""

# Form-encoded and multipart bodies carry every value as a string: PTB JSON-encodes objects
# and lists. These sets say how to turn the strings back into what the JSON body would hold.
_JSON_FIELDS: Final = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "menu_button",
        "reply_markup",
        "reply_parameters",
        "scope",
    }
)
_INT_FIELDS: Final = frozenset(
    {
        "cache_time",
        "chat_id",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "user_id",
    }
)
_FLOAT_FIELDS: Final = frozenset({"timeout"})
_BOOL_FIELDS: Final = frozenset(
    {
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "has_spoiler",
        "protect_content",
        "show_alert",
    }
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "choose_sticker",
        "find_location",
        "record_video",
        "record_video_note",
        "record_voice",
        "typing",
        "upload_document",
        "upload_photo",
        "upload_video",
        "upload_video_note",
        "upload_voice",
    }
)
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TRUE_STRINGS: Final = frozenset({"true", "1"})


# --------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file as uploaded in a multipart request (or sent by a simulated user)."""

    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class ApiCall:
    """One call the bot made (``getUpdates`` excepted), whatever its outcome.

    ``status`` is the HTTP status answered: 200 for a delivered call, 429/403/400/5xx for
    rejected ones (those are *not* delivered: no message was recorded for them).
    """

    at: float
    method: str
    chat_id: int | str | None
    payload: JSONDict
    status: int = HTTPStatus.OK
    description: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status == HTTPStatus.OK


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent (``edited=False``) or a new state of one it edited (``True``).

    ``text`` is what the user reads (the text or caption with HTML markup resolved),
    ``raw_text`` what the bot sent. ``buttons`` holds the inline keyboard.
    """

    at: float
    method: str
    chat_id: int
    message_id: int
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    buttons: Buttons
    reply_markup: JSONDict | None
    kind: str  # "text", "document" or "photo"
    file_data: bytes | None
    filename: str | None
    mime_type: str | None
    edited: bool
    raw: JSONDict  # the Message object as returned to the bot

    @property
    def document(self) -> bytes | None:
        """The bytes of a sent document."""
        return self.file_data if self.kind == "document" else None

    @property
    def photo(self) -> bytes | None:
        """The bytes of a sent photo."""
        return self.file_data if self.kind == "photo" else None

    @property
    def callback_data(self) -> list[str]:
        """Every callback_data of the inline keyboard, row by row."""
        return [data for row in self.buttons for _, data in row if data is not None]

    def describe(self) -> str:
        """A one-line summary, for assertion messages."""
        what = f"{self.method}{' (edit)' if self.edited else ''} #{self.message_id}"
        parts = [what, repr(self.text)]
        if self.filename is not None:
            parts.append(f"file={self.filename!r} ({len(self.file_data or b'')} bytes)")
        if self.buttons:
            parts.append(f"buttons={self.buttons!r}")
        return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Simulated users and groups
# --------------------------------------------------------------------------------------------


class SimulatedUser:
    """A Telegram user talking to the bot; created by :meth:`BotApiEmulator.user`."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None,
        last_name: str | None,
    ) -> None:
        self._emu = emulator
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.last_name = last_name

    @property
    def chat_id(self) -> int:
        """The id of the private chat with the bot (equal to the user id, as on Telegram)."""
        return self.user_id

    def to_dict(self) -> JSONDict:
        """The ``User`` object Telegram would send for this user."""
        return _drop_none(
            {
                "id": self.user_id,
                "is_bot": False,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
                "language_code": self.language_code,
            }
        )

    async def send(self, text: str, *, chat: SimulatedGroup | None = None) -> int:
        """Send a text message (commands get their bot_command entity); returns its id."""
        fields: JSONDict = {"text": text}
        entities = _command_entities(text)
        if entities:
            fields["entities"] = entities
        return await self.send_raw(fields, chat=chat)

    async def send_document(
        self,
        filename: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat: SimulatedGroup | None = None,
    ) -> int:
        """Send a document; the bot can fetch it with getFile and download it."""
        stored = self._emu._store_file(UploadedFile(filename, data, mime_type), "documents")
        fields: JSONDict = {"document": stored.document_dict()}
        if caption is not None:
            fields["caption"] = caption
        return await self.send_raw(fields, chat=chat)

    async def send_location(
        self, latitude: float, longitude: float, *, chat: SimulatedGroup | None = None
    ) -> int:
        """Share a location."""
        return await self.send_raw(
            {"location": {"latitude": latitude, "longitude": longitude}}, chat=chat
        )

    async def send_raw(
        self, fields: Mapping[str, Any], *, chat: SimulatedGroup | None = None
    ) -> int:
        """Send a message with arbitrary content fields (``{"contact": {...}}``, ...)."""
        chat_id = self.chat_id if chat is None else chat.chat_id
        return await self._emu._user_message(self, chat_id, dict(fields))

    async def press(self, message: SentMessage | int, button: str) -> str:
        """Press the inline button whose text or callback_data is ``button``.

        ``message`` is a message the bot sent to this user (or its id); the button is looked
        up in its current keyboard, after any edits. Returns the callback query id.
        """
        message_id = message if isinstance(message, int) else message.message_id
        chat_id = self.chat_id if isinstance(message, int) else message.chat_id
        data = self._emu._find_button_data(chat_id, message_id, button)
        return await self._emu._callback_query(self, chat_id, message_id, data)

    async def press_data(
        self, message_id: int, data: str, *, chat: SimulatedGroup | None = None
    ) -> str:
        """Send a callback query with any ``data`` (a forged button) for ``message_id``."""
        chat_id = self.chat_id if chat is None else chat.chat_id
        return await self._emu._callback_query(self, chat_id, message_id, data)

    def messages(self) -> list[SentMessage]:
        """What the bot sent to (and edited in) this user's private chat."""
        return self._emu.messages(self.chat_id)

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[SentMessage]:  # noqa: ASYNC109
        """See :meth:`BotApiEmulator.wait_for`."""
        return await self._emu.wait_for(self.chat_id, count, timeout)


@dataclass(frozen=True)
class SimulatedGroup:
    """A group chat the bot is a member of; created by :meth:`BotApiEmulator.group`."""

    chat_id: int
    title: str

    def to_dict(self) -> JSONDict:
        kind = "supergroup" if str(self.chat_id).startswith("-100") else "group"
        return {"id": self.chat_id, "type": kind, "title": self.title}


# --------------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """An error answered to the bot as ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = int(status)
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> web.Response:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


def _bad_request(detail: str) -> _ApiError:
    return _ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {detail}")


def _too_many_requests(retry_after: int) -> _ApiError:
    return _ApiError(
        HTTPStatus.TOO_MANY_REQUESTS,
        f"Too Many Requests: retry after {retry_after}",
        retry_after=retry_after,
    )


@dataclass
class _Params:
    """The parameters of one API call, decoded from query string, form, multipart or JSON."""

    values: JSONDict
    files: dict[str, UploadedFile]

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def require_str(self, name: str) -> str:
        value = self.get_str(name)
        if not value:
            raise _bad_request(f"{name} is empty")
        return value

    def get_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad_request(f"invalid {name} specified") from None

    def require_int(self, name: str) -> int:
        value = self.get_int(name)
        if value is None:
            raise _bad_request(f"{name} is empty")
        return value

    def get_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in _TRUE_STRINGS
        return bool(value)

    def get_dict(self, name: str) -> JSONDict | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _bad_request(f"can't parse {name} JSON object")
        return value

    def payload(self) -> JSONDict:
        """Values and uploaded files together, as recorded in :class:`ApiCall`."""
        return {**self.values, **self.files}


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    upload: UploadedFile

    def document_dict(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.upload.filename,
            "mime_type": self.upload.mime_type,
            "file_size": len(self.upload.data),
        }

    def photo_sizes(self) -> list[JSONDict]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": 0,
                "height": 0,
                "file_size": len(self.upload.data),
            }
        ]


@dataclass
class _Chat:
    info: JSONDict
    next_message_id: int = 1
    bot_messages: dict[int, JSONDict] = field(default_factory=dict)
    records: list[SentMessage] = field(default_factory=list)

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class _Fault:
    methods: frozenset[str] | None  # lower-case method names; None matches every method
    remaining: int
    error: _ApiError

    def matches(self, method: str) -> bool:
        return self.remaining > 0 and (self.methods is None or method.lower() in self.methods)


@dataclass
class _Limits:
    per_chat_per_second: int | None
    overall_per_second: int | None
    per_group_per_minute: int | None
    methods: frozenset[str]
    overall: deque[float] = field(default_factory=deque)
    per_chat: dict[int | str, deque[float]] = field(default_factory=dict)


@dataclass
class _Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


_Handler = Callable[[_Params], Awaitable[Any]]


# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------


class BotApiEmulator:
    """A Bot API server on 127.0.0.1 for one bot; use ``async with`` (or start/stop)."""

    def __init__(
        self,
        token: str = "123:ABC",
        username: str = "commune_test_bot",
        *,
        first_name: str = "Commune Test Bot",
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        latency: float = 0.0,
    ) -> None:
        """``clock`` stamps calls and drives the rate limits; ``wall_clock`` gives message
        dates; ``latency`` (seconds) delays every answer, to mimic the network."""
        self.token = token
        self.username = username
        self.first_name = first_name
        self.bot_id = int(token.split(":", 1)[0])
        self.clock = clock
        self.wall_clock = wall_clock
        self.latency = latency
        self.flood_errors = 0
        """How many calls :meth:`enforce_limits` answered with 429."""

        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = False
        self._changed = asyncio.Condition()
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, SimulatedUser] = {}
        self._calls: list[ApiCall] = []
        self._call_counts: Counter[tuple[str, bool]] = Counter()  # (method.lower(), delivered)
        self._updates: deque[JSONDict] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._open_callback_queries: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._menu_buttons: dict[int | None, JSONDict] = {}
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._limits: _Limits | None = None
        self._webhook = _Webhook()
        self._webhook_session: ClientSession | None = None
        self._handlers: dict[str, tuple[str, _Handler]] = self._handler_table()

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Answer pending long polls, then close the server."""
        self._closing = True
        await self._notify()
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def url(self) -> str:
        """The server root, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What PTB takes as ``base_url`` (it appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What PTB takes as ``base_file_url`` (it appends the token)."""
        return f"{self.url}/file/bot"

    # -- users and chats ---------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "vi",
        username: str | None = None,
        *,
        last_name: str | None = None,
    ) -> SimulatedUser:
        """A simulated user, with a private chat with the bot (the same object for an id)."""
        if user_id in self._users:
            return self._users[user_id]
        user = SimulatedUser(self, user_id, first_name, language_code, username, last_name)
        self._users[user_id] = user
        info = _drop_none(
            {
                "id": user_id,
                "type": "private",
                "first_name": first_name,
                "last_name": last_name,
                "username": username,
            }
        )
        self._chats.setdefault(user_id, _Chat(info))
        return user

    def group(self, chat_id: int, title: str) -> SimulatedGroup:
        """A group chat (negative id) that the bot is a member of."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        group = SimulatedGroup(chat_id, title)
        self._chats.setdefault(chat_id, _Chat(group.to_dict()))
        return group

    # -- observation -------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Messages the bot sent to, or edited in, a chat, in order (edits are records too)."""
        chat = self._chats.get(chat_id)
        return list(chat.records) if chat else []

    def current(self, chat_id: int, message_id: int) -> SentMessage:
        """The latest state (after edits) of a message the bot sent."""
        for record in reversed(self.messages(chat_id)):
            if record.message_id == message_id:
                return record
        raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")

    def calls(
        self,
        method: str | None = None,
        *,
        chat_id: int | None = None,
        delivered: bool | None = None,
    ) -> list[ApiCall]:
        """Recorded calls (all but getUpdates), filtered by method, chat and outcome."""
        return [
            call
            for call in self._calls
            if (method is None or call.method.lower() == method.lower())
            and (chat_id is None or call.chat_id == chat_id)
            and (delivered is None or call.delivered == delivered)
        ]

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The commands set for a scope (default: ``{"type": "default"}``) and language."""
        stored = self._commands.get(_commands_key(scope, language_code), [])
        return [(command["command"], command["description"]) for command in stored]

    def menu_button(self, chat_id: int | None = None) -> JSONDict | None:
        """The menu button set for a chat (``None``: the default one)."""
        return self._menu_buttons.get(chat_id)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot."""
        return len(self._updates)

    @property
    def webhook_url(self) -> str:
        return self._webhook.url

    async def wait_for(
        self,
        chat_id: int,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 (a deadline, as in asyncio.wait_for)
    ) -> list[SentMessage]:
        """Wait until at least ``count`` message records exist for the chat; return them all.

        Raises AssertionError, listing what did arrive and the calls rejected for that chat,
        if the timeout passes first.
        """
        try:
            await self._wait_until(lambda: self._message_count(chat_id) >= count, timeout)
        except TimeoutError:
            raise AssertionError(self._explain_wait(chat_id, count, timeout)) from None
        return self.messages(chat_id)

    def _message_count(self, chat_id: int) -> int:
        chat = self._chats.get(chat_id)
        return len(chat.records) if chat else 0

    def _call_count(self, method: str, delivered: bool | None) -> int:
        outcomes = (True, False) if delivered is None else (delivered,)
        return sum(self._call_counts[method.lower(), outcome] for outcome in outcomes)

    async def wait_for_calls(
        self,
        method: str,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        delivered: bool | None = True,
    ) -> list[ApiCall]:
        """Wait until at least ``count`` calls of ``method`` were recorded; return them."""
        try:
            await self._wait_until(lambda: self._call_count(method, delivered) >= count, timeout)
        except TimeoutError:
            got = self.calls(method, delivered=delivered)
            raise AssertionError(
                f"expected at least {count} {method} call(s) within {timeout:g}s, "
                f"got {len(got)}: {got!r}"
            ) from None
        return self.calls(method, delivered=delivered)

    # -- fault injection ---------------------------------------------------------------------

    def flood(
        self, retry_after: int, count: int, methods: Iterable[str] = ("sendMessage",)
    ) -> None:
        """Answer the next ``count`` calls of ``methods`` with 429 ``retry_after``."""
        self._faults.append(_Fault(_lower_set(methods), count, _too_many_requests(retry_after)))

    def fail_next(self, method: str, count: int = 1, status: int = HTTPStatus.BAD_GATEWAY) -> None:
        """Answer the next ``count`` calls of ``method`` with a server error ``status``."""
        error = _ApiError(status, HTTPStatus(status).phrase)
        self._faults.append(_Fault(_lower_set([method]), count, error))

    def block(self, user_id: int) -> None:
        """The user blocked the bot: calls to their chat answer 403."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def enforce_limits(
        self,
        per_chat_per_second: int | None = 1,
        overall_per_second: int | None = 30,
        *,
        per_group_per_minute: int | None = 20,
        methods: Iterable[str] = SEND_METHODS,
    ) -> None:
        """Answer 429 to deliveries beyond Telegram's limits, counting them in flood_errors.

        Deliveries (successful calls of ``methods``) are counted in sliding windows of the
        injectable clock: per chat per second, overall per second, per group per minute.
        ``None`` disables a limit.
        """
        self._limits = _Limits(
            per_chat_per_second, overall_per_second, per_group_per_minute, _lower_set(methods)
        )

    def clear_faults(self) -> None:
        """Forget injected faults, blocked users and rate limits."""
        self._faults.clear()
        self._blocked.clear()
        self._limits = None

    # -- webhook -----------------------------------------------------------------------------

    async def push_to_webhook(self) -> int:
        """POST the pending updates, in order, to the webhook URL; return how many it took.

        An update is confirmed by a 2xx answer; on any other answer delivery stops there and
        the error shows in getWebhookInfo, as on Telegram.
        """
        if not self._webhook.url:
            raise RuntimeError("no webhook is set")
        if self._webhook_session is None:
            self._webhook_session = ClientSession(timeout=ClientTimeout(total=10))
        headers = {}
        if self._webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook.secret_token
        pushed = 0
        for update in self._deliverable(self._webhook_allowed()):
            error = await self._post_update(self._webhook_session, update, headers)
            if error is not None:
                self._webhook.last_error_date = int(self.wall_clock())
                self._webhook.last_error_message = error
                break
            self._drop_update(update)
            pushed += 1
        return pushed

    async def _post_update(
        self, session: ClientSession, update: JSONDict, headers: dict[str, str]
    ) -> str | None:
        try:
            async with session.post(self._webhook.url, json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (ClientError, TimeoutError) as exc:
            return f"Connection failed: {exc!r}"

    def _webhook_allowed(self) -> frozenset[str] | None:
        allowed = self._webhook.allowed_updates
        return frozenset(allowed) if allowed else None

    # -- HTTP handlers -----------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _ApiError(HTTPStatus.UNAUTHORIZED, "Unauthorized").to_response()
        entry = self._handlers.get(request.match_info["method"].lower())
        if entry is None:
            return _ApiError(HTTPStatus.NOT_FOUND, "Not Found: method not found").to_response()
        method, handler = entry
        if self.latency:
            await asyncio.sleep(self.latency)
        try:
            params = await _read_params(request)
        except _ApiError as err:
            return err.to_response()
        try:
            self._inject_faults(method, params)
            result = await handler(params)
        except _ApiError as err:
            await self._record_call(method, params, err.status, err.description)
            return err.to_response()
        await self._record_call(method, params, HTTPStatus.OK, None)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._files_by_path.get(request.match_info["file_path"])
        if request.match_info["token"] != self.token or stored is None:
            return _ApiError(HTTPStatus.NOT_FOUND, "Not Found").to_response()
        return web.Response(body=stored.upload.data, content_type=stored.upload.mime_type)

    def _handler_table(self) -> dict[str, tuple[str, _Handler]]:
        handlers: dict[str, _Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "close": self._close,
            "logOut": self._close,
        }
        # Telegram matches method names case-insensitively.
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    async def _record_call(
        self, method: str, params: _Params, status: int, description: str | None
    ) -> None:
        if method == "getUpdates":
            return
        chat_id = params.values.get("chat_id")
        call = ApiCall(self.clock(), method, chat_id, params.payload(), status, description)
        self._calls.append(call)
        self._call_counts[method.lower(), call.delivered] += 1
        await self._notify()

    def _inject_faults(self, method: str, params: _Params) -> None:
        self._faults = [fault for fault in self._faults if fault.remaining > 0]
        for fault in self._faults:
            if fault.matches(method):
                fault.remaining -= 1
                raise fault.error
        chat_id = params.values.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self._blocked:
            raise _ApiError(HTTPStatus.FORBIDDEN, "Forbidden: bot was blocked by the user")

    # -- methods: bot and updates ------------------------------------------------------------

    async def _get_me(self, params: _Params) -> JSONDict:
        return self._bot_user() | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: _Params) -> list[JSONDict]:
        if self._webhook.url:
            raise _ApiError(
                HTTPStatus.CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = max(params.get_float("timeout") or 0.0, 0.0)
        allowed = params.values.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        async with self._changed:
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed.notify_all()  # an older long poll, if any, is terminated
            if offset is not None:
                self._confirm_updates(offset)

            def ready() -> bool:
                return (
                    self._closing
                    or generation != self._poll_generation
                    or bool(self._deliverable(self._allowed_updates))
                )

            if timeout > 0 and not ready():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(ready)
            if generation != self._poll_generation and not self._closing:
                raise _ApiError(
                    HTTPStatus.CONFLICT,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            return self._deliverable(self._allowed_updates)[:limit]

    def _confirm_updates(self, offset: int) -> None:
        if offset < 0:  # keep only the last -offset updates
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _deliverable(self, allowed: frozenset[str] | None) -> list[JSONDict]:
        """Pending updates of allowed types; updates of other types are dropped."""
        if allowed is not None:
            for update in [u for u in self._updates if _update_type(u) not in allowed]:
                self._updates.remove(update)
        return list(self._updates)

    def _drop_update(self, update: JSONDict) -> None:
        with contextlib.suppress(ValueError):
            self._updates.remove(update)

    async def _set_webhook(self, params: _Params) -> bool:
        url = params.get_str("url") or ""
        secret = params.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise _bad_request("secret token contains unallowed characters")
        if url and not url.startswith(("http://", "https://")):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        allowed = params.values.get("allowed_updates")
        self._webhook = _Webhook(
            url=url,
            secret_token=secret,
            max_connections=params.get_int("max_connections") or 40,
            allowed_updates=allowed if isinstance(allowed, list) else None,
        )
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: _Params) -> bool:
        self._webhook = _Webhook()
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: _Params) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        return info

    async def _close(self, params: _Params) -> bool:
        return True

    # -- methods: commands and menu ----------------------------------------------------------

    async def _set_my_commands(self, params: _Params) -> bool:
        commands = params.values.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        checked = [_check_command(command) for command in commands]
        key = _commands_key(params.get_dict("scope"), params.get_str("language_code") or "")
        if len(checked) > 100:
            raise _bad_request("too many commands specified")
        self._commands[key] = checked
        return True

    async def _get_my_commands(self, params: _Params) -> list[JSONDict]:
        key = _commands_key(params.get_dict("scope"), params.get_str("language_code") or "")
        return list(self._commands.get(key, []))

    async def _delete_my_commands(self, params: _Params) -> bool:
        key = _commands_key(params.get_dict("scope"), params.get_str("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _set_chat_menu_button(self, params: _Params) -> bool:
        chat_id = params.get_int("chat_id")
        if chat_id is not None:
            self._chat(chat_id)
        self._menu_buttons[chat_id] = params.get_dict("menu_button") or {"type": "default"}
        return True

    async def _get_chat_menu_button(self, params: _Params) -> JSONDict:
        chat_id = params.get_int("chat_id")
        return self._menu_buttons.get(chat_id) or {"type": "commands"}

    # -- methods: messages -------------------------------------------------------------------

    async def _send_message(self, params: _Params) -> JSONDict:
        chat_id = params.require_int("chat_id")
        chat = self._chat(chat_id)
        raw_text = params.get_str("text") or ""
        parse_mode = params.get_str("parse_mode")
        text, entities = _render(raw_text, parse_mode, params.values.get("entities"))
        if not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        markup = _check_reply_markup(params.get_dict("reply_markup"))
        self._check_limits("sendMessage", chat_id)
        message = self._bot_message(chat, {"text": text, "entities": entities}, markup)
        self._record_message("sendMessage", chat_id, message, raw_text, parse_mode)
        return message

    async def _send_document(self, params: _Params) -> JSONDict:
        return self._send_file(params, "sendDocument", "document")

    async def _send_photo(self, params: _Params) -> JSONDict:
        return self._send_file(params, "sendPhoto", "photo")

    def _send_file(self, params: _Params, method: str, kind: str) -> JSONDict:
        chat_id = params.require_int("chat_id")
        chat = self._chat(chat_id)
        stored = self._file_param(params, kind)
        raw_caption = params.get_str("caption")
        parse_mode = params.get_str("parse_mode")
        content: JSONDict = (
            {"document": stored.document_dict()}
            if kind == "document"
            else {"photo": stored.photo_sizes()}
        )
        if raw_caption:
            caption, entities = _render(
                raw_caption, parse_mode, params.values.get("caption_entities")
            )
            if _utf16_len(caption) > MAX_CAPTION_LENGTH:
                raise _bad_request("message caption is too long")
            content |= {"caption": caption, "caption_entities": entities}
        markup = _check_reply_markup(params.get_dict("reply_markup"))
        self._check_limits(method, chat_id)
        message = self._bot_message(chat, content, markup)
        self._record_message(method, chat_id, message, raw_caption, parse_mode, stored.upload)
        return message

    async def _edit_message_text(self, params: _Params) -> JSONDict:
        chat_id, _, current = self._message_to_edit(params)
        raw_text = params.get_str("text") or ""
        parse_mode = params.get_str("parse_mode")
        text, entities = _render(raw_text, parse_mode, params.values.get("entities"))
        if not text.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        if "text" not in current:
            raise _bad_request("there is no text in the message to edit")
        markup = _check_reply_markup(params.get_dict("reply_markup"))
        edited = {k: v for k, v in current.items() if k not in ("entities", "reply_markup")}
        edited |= _drop_none({"text": text, "entities": entities or None})
        self._check_limits("editMessageText", chat_id)
        return self._apply_edit("editMessageText", current, edited, markup, raw_text, parse_mode)

    async def _edit_message_reply_markup(self, params: _Params) -> JSONDict:
        chat_id, _, current = self._message_to_edit(params)
        markup = _check_reply_markup(params.get_dict("reply_markup"))
        edited = {k: v for k, v in current.items() if k != "reply_markup"}
        self._check_limits("editMessageReplyMarkup", chat_id)
        raw_text = current.get("text", current.get("caption"))
        return self._apply_edit("editMessageReplyMarkup", current, edited, markup, raw_text, None)

    def _message_to_edit(self, params: _Params) -> tuple[int, int, JSONDict]:
        if params.get_str("inline_message_id"):
            raise _bad_request("inline messages are not supported by the emulator")
        chat_id = params.require_int("chat_id")
        message_id = params.require_int("message_id")
        current = self._chat(chat_id).bot_messages.get(message_id)
        if current is None:
            raise _bad_request("message to edit not found")
        return chat_id, message_id, current

    def _apply_edit(
        self,
        method: str,
        current: JSONDict,
        edited: JSONDict,
        markup: JSONDict | None,
        raw_text: str | None,
        parse_mode: str | None,
    ) -> JSONDict:
        if markup is not None and "inline_keyboard" in markup:
            edited["reply_markup"] = markup
        if _without_date(edited) == _without_date(current):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = int(self.wall_clock())
        chat_id = int(current["chat"]["id"])
        self._chat(chat_id).bot_messages[int(current["message_id"])] = edited
        upload = self._upload_of(current)
        self._record_message(method, chat_id, edited, raw_text, parse_mode, upload, edited=True)
        return edited

    async def _delete_message(self, params: _Params) -> bool:
        chat = self._chat(params.require_int("chat_id"))
        if chat.bot_messages.pop(params.require_int("message_id"), None) is None:
            raise _bad_request("message to delete not found")
        return True

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.require_str("callback_query_id")
        if query_id not in self._open_callback_queries:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get_str("text") or ""
        if len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._open_callback_queries.discard(query_id)
        return True

    async def _send_chat_action(self, params: _Params) -> bool:
        self._chat(params.require_int("chat_id"))
        if params.get_str("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    # -- methods: files ----------------------------------------------------------------------

    async def _get_file(self, params: _Params) -> JSONDict:
        stored = self._files.get(params.require_str("file_id"))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.upload.data) > MAX_DOWNLOAD_BYTES:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.upload.data),
            "file_path": stored.file_path,
        }

    def _file_param(self, params: _Params, kind: str) -> _StoredFile:
        """The file of a send method: an upload (maybe via attach://) or a known file_id."""
        value = params.get_str(kind)
        upload = params.files.get(kind)
        if upload is None and value and value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
        if upload is not None:
            if not upload.data:
                raise _bad_request("file must be non-empty")
            return self._store_file(upload, "documents" if kind == "document" else "photos")
        if value and value in self._files:
            return self._files[value]
        if value and value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or kind
            return self._store_file(UploadedFile(name, b"", "application/octet-stream"), kind)
        raise _bad_request(f"there is no {kind} in the request")

    def _store_file(self, upload: UploadedFile, folder: str) -> _StoredFile:
        number = next(self._file_counter)
        suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        stored = _StoredFile(
            file_id=f"FILE{number:06d}{'x' * 20}",
            file_unique_id=f"U{number:06d}",
            file_path=f"{folder}/file_{number}.{suffix}",
            upload=upload,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _upload_of(self, message: JSONDict) -> UploadedFile | None:
        document = message.get("document")
        photo = message.get("photo")
        file_id = document["file_id"] if document else photo[-1]["file_id"] if photo else None
        stored = self._files.get(file_id) if file_id else None
        return stored.upload if stored else None

    # -- building and recording messages -----------------------------------------------------

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad_request("chat not found")
        return chat

    def _bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _bot_message(self, chat: _Chat, content: JSONDict, markup: JSONDict | None) -> JSONDict:
        message: JSONDict = {
            "message_id": chat.take_message_id(),
            "from": self._bot_user(),
            "chat": chat.info,
            "date": int(self.wall_clock()),
        }
        message |= {key: value for key, value in content.items() if value}
        # Telegram echoes only inline keyboards; reply keyboards are not part of the Message.
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        chat.bot_messages[message["message_id"]] = message
        return message

    def _record_message(
        self,
        method: str,
        chat_id: int,
        message: JSONDict,
        raw_text: str | None,
        parse_mode: str | None,
        upload: UploadedFile | None = None,
        *,
        edited: bool = False,
    ) -> None:
        markup = message.get("reply_markup")
        record = SentMessage(
            at=self.clock(),
            method=method,
            chat_id=chat_id,
            message_id=int(message["message_id"]),
            text=message.get("text", message.get("caption")),
            raw_text=raw_text,
            parse_mode=parse_mode,
            buttons=_buttons(markup),
            reply_markup=markup,
            kind="document" if "document" in message else "photo" if "photo" in message else "text",
            file_data=upload.data if upload else None,
            filename=upload.filename if upload else None,
            mime_type=upload.mime_type if upload else None,
            edited=edited,
            raw=message,
        )
        self._chat(chat_id).records.append(record)

    # -- rate limits -------------------------------------------------------------------------

    def _check_limits(self, method: str, chat_id: int) -> None:
        """Raise 429 if delivering now would break an enforced limit; else count it."""
        limits = self._limits
        if limits is None or method.lower() not in limits.methods:
            return
        now = self.clock()
        per_chat = limits.per_chat.setdefault(chat_id, deque())
        # A chat is either private (1 s window) or a group (60 s window), never both, so the
        # two per-chat checks can share one deque without pruning each other's entries.
        checks: list[tuple[deque[float], int | None, float]] = [
            (limits.overall, limits.overall_per_second, 1.0),
            (per_chat, limits.per_chat_per_second if chat_id > 0 else None, 1.0),
            (per_chat, limits.per_group_per_minute if chat_id < 0 else None, 60.0),
        ]
        for window, limit, seconds in checks:
            if limit is None:
                continue
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= limit:
                self.flood_errors += 1
                raise _too_many_requests(max(1, math.ceil(window[0] + seconds - now)))
        limits.overall.append(now)
        per_chat.append(now)

    # -- user side ---------------------------------------------------------------------------

    async def _user_message(self, user: SimulatedUser, chat_id: int, fields: JSONDict) -> int:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}: create it with emu.user() or emu.group()")
        message: JSONDict = {
            "message_id": chat.take_message_id(),
            "from": user.to_dict(),
            "chat": chat.info,
            "date": int(self.wall_clock()),
            **fields,
        }
        await self._enqueue({"message": message})
        return int(message["message_id"])

    def _find_button_data(self, chat_id: int, message_id: int, button: str) -> str:
        chat = self._chats.get(chat_id)
        message = chat.bot_messages.get(message_id) if chat else None
        if message is None:
            raise AssertionError(f"the bot has no message {message_id} in chat {chat_id}")
        buttons = _buttons(message.get("reply_markup"))
        for row in buttons:
            for text, data in row:
                if button in (text, data):
                    if data is None:
                        raise AssertionError(f"button {text!r} has no callback_data")
                    return data
        raise AssertionError(
            f"no button {button!r} in message {message_id} of chat {chat_id}; "
            f"its buttons: {buttons!r}"
        )

    async def _callback_query(
        self, user: SimulatedUser, chat_id: int, message_id: int, data: str
    ) -> str:
        chat = self._chats.get(chat_id)
        message = chat.bot_messages.get(message_id) if chat else None
        if message is None:  # Telegram sends an InaccessibleMessage for these
            info = chat.info if chat else {"id": chat_id, "type": "private"}
            message = {"chat": info, "message_id": message_id, "date": 0}
        query_id = str(next(self._callback_counter))
        self._open_callback_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": message,
            "chat_instance": str(chat_id * 7919 + self.bot_id),
            "data": data,
        }
        await self._enqueue({"callback_query": query})
        return query_id

    async def _enqueue(self, content: JSONDict) -> None:
        async with self._changed:
            update = {"update_id": self._next_update_id, **content}
            self._next_update_id += 1
            self._updates.append(update)
            self._changed.notify_all()

    # -- waiting -----------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait_until(self, predicate: Callable[[], bool], seconds: float) -> None:
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(predicate)

    def _explain_wait(self, chat_id: int, count: int, timeout: float) -> str:
        got = self.messages(chat_id)
        lines = [
            f"chat {chat_id}: expected at least {count} message(s) within {timeout:g}s, "
            f"got {len(got)}"
        ]
        lines += [f"  {record.describe()}" for record in got]
        rejected = self.calls(chat_id=chat_id, delivered=False)
        lines += [f"  rejected {c.method}: {c.status} {c.description}" for c in rejected]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Request decoding
# --------------------------------------------------------------------------------------------


async def _read_params(request: web.Request) -> _Params:
    values: JSONDict = {}
    files: dict[str, UploadedFile] = {}
    _merge_form(values, request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad_request("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise _bad_request("JSON body must be an object")
            values.update({name: _coerce_json_value(name, v) for name, v in body.items()})
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = UploadedFile(
                        value.filename, value.file.read(), value.content_type
                    )
                elif isinstance(value, str):
                    values[name] = _decode_form_value(name, value)
    return _Params(values, files)


def _merge_form(values: JSONDict, form: MultiMapping[str]) -> None:
    for name, value in form.items():
        values[name] = _decode_form_value(name, value)


def _decode_form_value(name: str, raw: str) -> Any:
    if name in _JSON_FIELDS:
        try:
            return json.loads(raw)
        except ValueError:
            raise _bad_request(f"can't parse {name} JSON object") from None
    if name in _BOOL_FIELDS:
        return raw.lower() in _TRUE_STRINGS
    return _coerce_json_value(name, raw)


def _coerce_json_value(name: str, value: Any) -> Any:
    if isinstance(value, str):
        if name in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            return int(value)
        if name in _FLOAT_FIELDS:
            with contextlib.suppress(ValueError):
                return float(value)
    return value


# --------------------------------------------------------------------------------------------
# Message content helpers
# --------------------------------------------------------------------------------------------


def _drop_none(values: JSONDict) -> JSONDict:
    return {key: value for key, value in values.items() if value is not None}


def _without_date(message: JSONDict) -> JSONDict:
    return {key: value for key, value in message.items() if key not in ("date", "edit_date")}


def _lower_set(methods: Iterable[str]) -> frozenset[str]:
    return frozenset(method.lower() for method in methods)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _update_type(update: JSONDict) -> str:
    return next(key for key in update if key != "update_id")


def _command_entities(text: str) -> list[JSONDict]:
    """The bot_command entity Telegram adds to a message starting with a command."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?", text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}]


def _commands_key(scope: Mapping[str, Any] | None, language_code: str) -> tuple[str, str]:
    return json.dumps(dict(scope or {"type": "default"}), sort_keys=True), language_code


def _check_command(command: Any) -> JSONDict:
    if not isinstance(command, dict):
        raise _bad_request("can't parse BotCommand JSON object")
    name = command.get("command")
    description = command.get("description")
    if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
        raise _bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description) <= 256:
        raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return {"command": name, "description": description}


def _check_reply_markup(markup: JSONDict | None) -> JSONDict | None:
    """Validate an inline keyboard the way Telegram does; other markups pass as they are."""
    if markup is None or "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('can\'t parse inline keyboard: field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            _check_inline_button(button)
    return markup


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
    data = button.get("callback_data")
    if data is not None:
        size = len(str(data).encode())
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise _bad_request("BUTTON_DATA_INVALID")
    elif len(button) == 1:
        raise _bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )


def _buttons(markup: Any) -> Buttons:
    if not isinstance(markup, dict):
        return []
    return [
        [(str(button["text"]), button.get("callback_data")) for button in row]
        for row in markup.get("inline_keyboard", [])
    ]


# --------------------------------------------------------------------------------------------
# parse_mode=HTML
# --------------------------------------------------------------------------------------------

_TAG_RE: Final = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
_ATTR_RE: Final = re.compile(r"""([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


@dataclass
class _OpenTag:
    name: str
    offset: int  # in UTF-16 code units of the plain text
    attrs: dict[str, str]


def _render(raw: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSONDict]]:
    """The plain text and entities Telegram makes of a text and its parse_mode."""
    if parse_mode is not None and parse_mode.lower() == "html":
        return _parse_html(raw)
    return raw, entities if isinstance(entities, list) else []


def _parse_html(raw: str) -> tuple[str, list[JSONDict]]:
    """Resolve Telegram's HTML subset; raise 400 as Telegram does for malformed markup."""
    plain: list[str] = []
    length = 0  # UTF-16 length of the plain text so far
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    position = 0
    while position < len(raw):
        lt = raw.find("<", position)
        chunk = html.unescape(raw[position : lt if lt >= 0 else len(raw)])
        plain.append(chunk)
        length += _utf16_len(chunk)
        if lt < 0:
            break
        tag = _TAG_RE.match(raw, lt)
        if tag is None:
            raise _html_error('unexpected "<"', raw, lt)
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name not in _HTML_ENTITY_TYPES:
            which = "end" if closing else "start"
            raise _html_error(f'Unsupported {which} tag "{name}"', raw, lt)
        if not closing:
            attrs = _html_attributes(tag.group(3))
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _html_error('Tag "span" must have class "tg-spoiler"', raw, lt)
            stack.append(_OpenTag(name, length, attrs))
        elif not stack or stack[-1].name != name:
            raise _html_error(f'Unmatched end tag "{name}"', raw, lt)
        else:
            entity = _html_entity(stack.pop(), length)
            if entity is not None:
                entities.append(entity)
        position = tag.end()
    if stack:
        raise _bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1].name}"'
        )
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(plain), entities


def _html_attributes(text: str) -> dict[str, str]:
    return {
        match.group(1).lower(): html.unescape(
            next((value for value in match.groups()[1:] if value is not None), "")
        )
        for match in _ATTR_RE.finditer(text)
    }


def _html_entity(tag: _OpenTag, end: int) -> JSONDict | None:
    if end == tag.offset:
        return None
    entity: JSONDict = {"type": _HTML_ENTITY_TYPES[tag.name], "offset": tag.offset}
    entity["length"] = end - tag.offset
    if tag.name == "a":
        if "href" not in tag.attrs:
            return None
        entity["url"] = tag.attrs["href"]
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    return entity


def _html_error(detail: str, raw: str, index: int) -> _ApiError:
    offset = len(raw[:index].encode())
    return _bad_request(f"can't parse entities: {detail} at byte offset {offset}")
