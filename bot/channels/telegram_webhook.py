"""Telegram's webhook on the bot's HTTP server: updates kept in the inbox, then handled.

``POST /telegram`` checks the secret header, stores the update (deduplicated on its
``update_id``) and only then answers 200; the inbox worker handles each chat's updates in
the order they arrived. A crash after the 200 loses nothing: the stored update is handled
after the restart, once.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from telegram import BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram import (
    CHANNEL,
    SECRET_HEADER,
    TelegramSender,
    menu_commands,
    to_incoming,
    webhook_secret,
)
from bot.http.body import BodyTooLarge, read_body
from bot.http.state import runtime_of
from bot.inbox.worker import Claimed, Commit, InboxWorker
from bot.messages import Outcome, Reply
from bot.runtime import Runtime

log = logging.getLogger(__name__)

BODY_LIMIT: Final = 1024 * 1024
MAX_UPDATE_ID: Final = 2**63 - 1

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass(slots=True)
class TelegramWebhook:
    """What the endpoint needs of the running channel."""

    app: TelegramApp
    inbox: InboxWorker


@dataclass(frozen=True, slots=True)
class _Head:
    """What the endpoint reads of an update before storing it."""

    update_id: int
    chat_id: str
    kind: str


def _head(data: object) -> _Head | None:
    """The update's id, chat and kind; ``None`` when it is not an update we answer."""
    if not isinstance(data, dict):
        return None
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return None
    for kind in ("message", "callback_query"):
        body = data.get(kind)
        if not isinstance(body, dict):
            continue
        holder = body.get("message") if kind == "callback_query" else body
        chat_id = _field(_field(holder, "chat"), "id")
        if kind == "callback_query" and chat_id is None:
            chat_id = _field(body.get("from"), "id")
        if type(chat_id) is int:
            return _Head(update_id, str(chat_id), kind)
    return None


def _field(value: object, name: str) -> object:
    """``value[name]`` when ``value`` is an object, else ``None`` (whatever was posted)."""
    return value.get(name) if isinstance(value, dict) else None


async def webhook(request: Request) -> Response:
    """``POST /telegram``: check the secret, store the update (committed), answer 200.

    A wrong or missing secret gets 401 and nothing is kept.
    """
    runtime = runtime_of(request)
    channel = runtime.channels.get(CHANNEL)
    if not isinstance(channel, TelegramWebhook):
        return Response(status_code=404)
    expected = webhook_secret(runtime.settings).encode()
    given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
    if not hmac.compare_digest(given, expected):
        log.warning("Telegram webhook call with a wrong secret refused")
        return Response(status_code=401)
    try:
        body = await read_body(request, BODY_LIMIT)
        data = json.loads(body)
    except BodyTooLarge:
        return Response(status_code=413)
    except ValueError:
        return Response(status_code=400)
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return Response(status_code=400)
    head = _head(data)
    if head is None:
        # A real update of a kind we do not answer: acknowledged, so Telegram moves on.
        log.debug("Telegram webhook: update without a chat ignored")
        return Response(status_code=200)
    new = await channel.inbox.accept(
        dedupe_key=f"update:{head.update_id}",
        sender=head.chat_id,
        kind=head.kind,
        payload=body.decode("utf-8", "replace"),
    )
    if not new:
        log.info("Telegram webhook: repeated update acknowledged once more")
    return Response(status_code=200)


class TelegramProcessor:
    """Handles stored Telegram updates and answers through the bot."""

    def __init__(self, runtime: Runtime, app: TelegramApp) -> None:
        self._runtime = runtime
        self._app = app
        self._sender = TelegramSender(app)

    async def handle(self, event: Claimed, commit: Commit) -> None:
        """Make the update's changes and record it handled in the same transaction."""
        update = Update.de_json(json.loads(event.payload or "{}"), self._app.bot)
        incoming = to_incoming(update)
        if incoming is None:
            async with self._runtime.sessions.begin() as session:
                await commit(session, [])
            return
        if update.callback_query is not None:
            # Stops the spinner on the button; an old query may no longer be answerable.
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()

        async def before_commit(session: AsyncSession, outcome: Outcome) -> None:
            await commit(session, outcome.replies)

        outcome = await self._runtime.dispatcher.handle(incoming, before_commit)
        if outcome.roles_changed:
            # Before the replies, so the menu is ready when the person reads the welcome.
            commands = menu_commands(self._runtime, outcome.roles, outcome.locale)
            try:
                await self._app.bot.set_my_commands(
                    commands, BotCommandScopeChat(int(incoming.chat_id))
                )
            except TelegramError as exc:
                log.warning("Telegram menu not updated: %s", type(exc).__name__)

    async def deliver(self, sender: str, replies: Sequence[Reply]) -> None:
        """Send the update's replies in order."""
        for reply in replies:
            await self._sender.send(sender, reply)
