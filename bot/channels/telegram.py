"""The Telegram channel: python-telegram-bot in, channel-neutral ``Incoming`` and ``Reply``."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, Final

# Opt in to PTB's future timedelta durations now; the int form warns on every RetryAfter.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    TypeHandler,
)

from bot.channels.base import TemporaryFailure, Unreachable
from bot.channels.flood import FloodControl
from bot.errors import BotError
from bot.http.keys import derived_key
from bot.i18n import SUPPORTED, Translator
from bot.messages import Attachment, Button, Incoming, Location, Outcome, Reply
from bot.roles import Audience
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

CHANNEL: Final = "telegram"
TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024
ALLOWED_UPDATES: Final = ["message", "callback_query"]
SENDING_METHODS: Final = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)
MAX_RETRIES: Final = 5
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
DELIVERY_ATTEMPTS: Final = 3
DELIVERY_BACKOFF: Final = 0.5  # seconds, doubled after each failed attempt


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramFloodLimiter(BaseRateLimiter[int]):
    """Applies ``FloodControl`` to every sending call and retries on ``RetryAfter``.

    PTB's own ``AIORateLimiter`` has no per-private-chat limit, hence this one.
    """

    def __init__(self, flood: FloodControl | None = None, max_retries: int = MAX_RETRIES) -> None:
        self.flood = flood or FloodControl()
        self.max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for a slot, send, and on flood errors pause everything and try again."""
        chat_id = data.get("chat_id") if endpoint in SENDING_METHODS else None
        for attempt in range(self.max_retries + 1):
            ticket = await self.flood.acquire(chat_id) if endpoint in SENDING_METHODS else None
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                log.warning("flood limit hit on %s; waiting %.1f s", endpoint, wait)
                self.flood.pause(wait)
                if attempt == self.max_retries:
                    raise
            finally:
                if ticket is not None:  # it arrived by now: count it from now
                    self.flood.sent(ticket)
        raise AssertionError("unreachable")


def to_incoming(update: Update) -> Incoming | None:
    """Translate a Telegram update into an ``Incoming``; ``None`` for what we ignore."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "user_id": str(user.id),
        "chat_id": str(chat.id),
        "display_name": user.full_name,
        "username": user.username,
        "language_code": user.language_code,
    }
    if (query := update.callback_query) is not None:
        return Incoming(**base, button=query.data or "")
    message = update.message
    if message is None:
        return None
    if message.location is not None:
        base["location"] = Location(message.location.latitude, message.location.longitude)
    if (document := message.document) is not None:
        base["attachment"] = Attachment(
            filename=document.file_name or "file",
            mime_type=document.mime_type,
            size=document.file_size,
            fetch=_fetcher(document.get_file),
        )
    elif message.photo:
        photo = message.photo[-1]
        base["attachment"] = Attachment(
            filename="photo.jpg",
            mime_type="image/jpeg",
            size=photo.file_size,
            fetch=_fetcher(photo.get_file),
        )
    return Incoming(**base, text=message.text or message.caption)


def _fetcher(get_file: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[bytes]]:
    async def fetch() -> bytes:
        file = await get_file()
        return bytes(await file.download_as_bytearray())

    return fetch


def _markup(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in buttons
        ]
    )


def _chunks(text: str, size: int = TEXT_LIMIT) -> list[str]:
    if len(text) <= size:
        return [text]
    chunks, rest = [], text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    return [*chunks, rest] if rest else chunks


async def send_reply(
    app: Application[Any, Any, Any, Any, Any, Any], chat_id: int, reply: Reply
) -> None:
    """Send one reply as plain text (no parse mode, so nothing a user typed becomes markup)."""
    bot = app.bot
    if reply.file is not None:
        content = await reply.file.read()
        caption = reply.text[:CAPTION_LIMIT] if reply.text else None
        await bot.send_document(
            chat_id,
            InputFile(content, filename=reply.file.filename),
            caption=caption,
            reply_markup=_markup(reply.buttons),
        )
        if reply.text and len(reply.text) > CAPTION_LIMIT:
            for chunk in _chunks(reply.text[CAPTION_LIMIT:]):
                await bot.send_message(chat_id, chunk)
        return
    chunks = _chunks(reply.text)
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await bot.send_message(
            chat_id, chunk, reply_markup=_markup(reply.buttons) if last else None
        )


class TelegramSender:
    """Sends outbox messages through the running application's bot (and its limiter)."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._app = app

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver a reply; translate Telegram's failures into delivery errors."""
        try:
            await send_reply(self._app, int(chat_id), reply)
        except Forbidden as exc:
            raise Unreachable(exc.message, code="telegram-blocked") from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Unreachable(exc.message, code="telegram-chat-gone") from exc
            raise TemporaryFailure(exc.message) from exc
        except (RetryAfter, NetworkError) as exc:
            raise TemporaryFailure(str(exc)) from exc


def menu_commands(runtime: Runtime, audiences: frozenset[str], locale: str) -> list[BotCommand]:
    """The command menu for people of these audiences, described in ``locale``."""
    t = Translator(locale)
    return [
        BotCommand(c.name, t._(c.description)[:256])
        for c in runtime.dispatcher.deployment.router.commands()
        if c.in_menu and {str(a) for a in c.audiences} & audiences
    ]


async def set_default_menus(
    app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime
) -> None:
    """Publish the citizens' command menu in every language (Vietnamese as the default)."""
    citizen = frozenset({str(Audience.CITIZEN)})
    default = runtime.settings.default_locale
    await app.bot.set_my_commands(
        menu_commands(runtime, citizen, default), BotCommandScopeDefault()
    )
    for locale in SUPPORTED:
        await app.bot.set_my_commands(
            menu_commands(runtime, citizen, locale), BotCommandScopeDefault(), language_code=locale
        )


class ReplyNotDelivered(BotError):
    """What the person did is saved, but the reply about it could not be sent."""


async def _retrying(send: Callable[[], Awaitable[object]]) -> None:
    # The change is committed already: a passing server error must not lose the reply
    # that says so. Bad requests will not get better by retrying.
    for attempt in range(DELIVERY_ATTEMPTS):
        try:
            await send()
            return
        except NetworkError as exc:
            if isinstance(exc, BadRequest) or attempt == DELIVERY_ATTEMPTS - 1:
                raise ReplyNotDelivered(str(exc)) from exc
            log.warning("reply not delivered (%s); trying again", exc)
            await asyncio.sleep(DELIVERY_BACKOFF * 2**attempt)


async def _deliver(
    app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime, chat_id: int, outcome: Outcome
) -> None:
    if outcome.roles_changed:
        # Before the replies, so the menu is ready when the person reads the welcome.
        commands = menu_commands(runtime, outcome.roles, outcome.locale)
        await _retrying(lambda: app.bot.set_my_commands(commands, BotCommandScopeChat(chat_id)))
    for reply in outcome.replies:
        await _retrying(partial(send_reply, app, chat_id, reply))


def _concurrency(runtime: Runtime) -> int:
    # SQLite takes one writer at a time: more updates in flight only queue on its lock and
    # time out, so they wait in Python instead. PostgreSQL takes them side by side.
    return 256 if runtime.engine.dialect.name == "postgresql" else 8


def build_application(
    runtime: Runtime, limiter: BaseRateLimiter[Any] | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the python-telegram-bot application that feeds the dispatcher."""
    settings = runtime.settings
    if settings.telegram_token is None:
        raise ValueError("the Telegram channel needs TELEGRAM_BOT_TOKEN")
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.file_base_url)
        .rate_limiter(limiter or TelegramFloodLimiter())
        .concurrent_updates(_concurrency(runtime))
        .build()
    )

    async def on_update(update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update) or (incoming := to_incoming(update)) is None:
            return
        if update.callback_query is not None:
            await update.callback_query.answer()
        outcome = await runtime.dispatcher.handle(incoming)
        await _deliver(app, runtime, int(incoming.chat_id), outcome)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            t = Translator(runtime.settings.default_locale)
            if isinstance(context.error, ReplyNotDelivered):
                text = t._(
                    "What you sent was saved, but our answer could not be delivered. "
                    "Please check before sending it again."
                )
            else:
                text = t._("Something went wrong on our side. Nothing was changed; try again.")
            try:
                await app.bot.send_message(update.effective_chat.id, text)
            except TelegramError:
                log.warning("could not tell the user about the error")

    app.add_handler(TypeHandler(Update, on_update))
    app.add_error_handler(on_error)
    return app


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends with each update: the configured one, else a derived one."""
    return settings.webhook_secret or derived_key(settings, "telegram-webhook").hex()
