"""Sending replies on Zalo: plain text in order, choices numbered, files uploaded or linked."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import PurePath
from typing import Any, Final, TypeVar

from bot.channels import textonly
from bot.channels.base import Deferred, TemporaryFailure, Unreachable
from bot.channels.flood import FloodControl, Limits
from bot.channels.textonly import NumberedSender
from bot.channels.zalo_oa import CHANNEL, transaction
from bot.channels.zalo_oa.api import (
    CONSULTATION_PATH,
    HOLD,
    NOT_AT_NIGHT,
    OUTSIDE_WINDOW,
    SLOW_DOWN,
    TOO_LONG,
    ZaloApi,
    ZaloApiError,
)
from bot.channels.zalo_oa.tokens import NotConnected, OAuthUnavailable
from bot.channels.zalo_oa.window import MessageClass, WindowPolicy, pick_class, record_sent
from bot.errors import BotError
from bot.http import links
from bot.i18n import Translator, reader_locale
from bot.messages import Attachment, InfoCard, Reply
from bot.runtime import Runtime
from db.queries import people

log = logging.getLogger(__name__)

TEXT_LIMIT: Final = 2000
SHORTEST_SPLIT: Final = 250
# Halving a transaction text element Zalo refused (-210) stops here.
SHORTEST_ELEMENT: Final = 60
IMAGE_LIMIT: Final = 1024 * 1024
FILE_LIMIT: Final = 5 * 1024 * 1024
CARD_TITLE_LIMIT: Final = 100
CARD_SUBTITLE_LIMIT: Final = 500
IMAGE_SUFFIXES: Final = frozenset({".jpg", ".jpeg", ".png"})
FILE_SUFFIXES: Final = frozenset({".pdf", ".doc", ".docx"})
SLOW_DOWN_PAUSE: Final = 60.0
# Zalo said "not at night" (-234) at an hour we took for day: try again an hour later.
NIGHT_PAUSE: Final = timedelta(hours=1)
# About 4,000 calls a minute per app; the per-person pace is a guess kept gentle.
ZALO_LIMITS: Final = Limits(
    overall_per_second=50, per_private_chat_interval=0.2, per_group_interval=0.2
)

T = TypeVar("T")


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters (Zalo's text limit by default), in order."""
    return textonly.split_text(text, limit)


class ZaloSender(NumberedSender):
    """Delivers replies to one OA's followers."""

    channel = CHANNEL

    def __init__(self, runtime: Runtime, api: ZaloApi, flood: FloodControl | None = None) -> None:
        super().__init__(runtime)
        self._api = api
        self._flood = flood or FloodControl(ZALO_LIMITS)
        self._policy = WindowPolicy.from_settings(runtime.settings)

    async def send_all(
        self, chat_id: str, replies: Sequence[Reply], *, keep_old_choices: bool = False
    ) -> None:
        """Deliver replies in order; outside the 7-day window as transaction messages, which
        wait for 06:00 at night (Zalo would not push them to the phone then)."""
        runtime = self._runtime
        now = runtime.clock.now()
        until = transaction.held_until(now, runtime.settings.tz)
        if until is not None and await self._class_of(chat_id) is MessageClass.TRANSACTION:
            log.info("zalo transaction message held for the morning")
            raise Deferred("zalo: transaction messages wait for 06:00", until)
        await super().send_all(chat_id, replies, keep_old_choices=keep_old_choices)

    async def _class_of(self, chat_id: str) -> MessageClass:
        async with self._runtime.sessions() as session:
            return await pick_class(
                session, self._policy, CHANNEL, chat_id, self._runtime.clock.now()
            )

    async def _send_card(self, chat_id: str, card: InfoCard) -> bool:
        if await self._class_of(chat_id) is MessageClass.TRANSACTION:
            return False  # no card template there: its text goes instead
        image = self._runtime.settings.zalo_card_image_url
        await self.send_message(chat_id, "card", _info_card(card, image))
        return True

    async def _send_text(self, chat_id: str, text: str, limit: int = TEXT_LIMIT) -> None:
        if await self._class_of(chat_id) is MessageClass.TRANSACTION:
            await self._send_transaction(chat_id, text)
            return
        for piece in split_text(text, limit):
            try:
                await self._send_piece(chat_id, piece)
            except _TooLong:
                if limit // 2 < SHORTEST_SPLIT:
                    raise TemporaryFailure("zalo -210: text refused even when short") from None
                await self._send_text(chat_id, piece, limit // 2)

    async def _send_piece(self, chat_id: str, piece: str) -> None:
        await self.send_message(chat_id, "text", {"text": piece})

    async def _send_transaction(
        self, chat_id: str, text: str, limit: int = transaction.TEXT_LIMIT
    ) -> None:
        """Send the text as transaction templates, two text elements each, numbered when
        it takes more than one; a part Zalo finds too long goes again in shorter pieces."""
        settings = self._runtime.settings
        async with self._runtime.sessions() as session:
            chosen, reported = await people.languages_of_account(
                session, channel=CHANNEL, user_id=chat_id
            )
        locale = reader_locale(chosen, reported, settings.default_locale)
        t = Translator(locale, settings.tz)
        parts = transaction.messages(text, limit)
        for number, pieces in enumerate(parts, start=1):
            header = t._("Notice")
            if len(parts) > 1:
                header = t._("Notice ({part}/{parts})", part=number, parts=len(parts))
            message = transaction.template(
                pieces,
                header=header,
                template_type=settings.zalo_transaction_template,
                lang=transaction.language(locale),
            )
            try:
                await self.send_message(
                    chat_id, "transaction", message, path=settings.zalo_transaction_path
                )
            except _TooLong:
                if limit // 2 < SHORTEST_ELEMENT:
                    raise TemporaryFailure("zalo -210: template refused even when short") from None
                await self._send_transaction(chat_id, transaction.plain(pieces), limit // 2)

    async def send_message(
        self,
        chat_id: str,
        what: str,
        message: dict[str, Any],
        path: str = CONSULTATION_PATH,
    ) -> None:
        """Send one message, counted in the class the person's window puts it in."""
        runtime = self._runtime
        now = runtime.clock.now()
        async with runtime.sessions() as session:
            message_class = await pick_class(session, self._policy, CHANNEL, chat_id, now)
        await self._guarded(chat_id, what, lambda: self._api.send_message(chat_id, message, path))
        async with runtime.sessions.begin() as session:
            await record_sent(
                session,
                policy=self._policy,
                channel=CHANNEL,
                user_id=chat_id,
                message_class=message_class,
                now=now,
                tz=runtime.settings.tz,
            )

    async def _send_file(self, chat_id: str, file: Attachment) -> str | None:
        """Upload and send the file; return a link instead when Zalo cannot carry it (as
        a transaction message cannot)."""
        if await self._class_of(chat_id) is MessageClass.TRANSACTION:
            return await links.offer(self._runtime, file)
        content = await file.read()
        suffix = PurePath(file.filename).suffix.lower()
        if suffix in IMAGE_SUFFIXES and len(content) <= IMAGE_LIMIT:
            mime = "image/png" if suffix == ".png" else "image/jpeg"
            data = await self._guarded(
                chat_id, "upload", lambda: self._api.upload("image", file.filename, content, mime)
            )
            element = {"media_type": "image", "attachment_id": data.get("attachment_id")}
            message: dict[str, Any] = {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "media", "elements": [element]},
                }
            }
        elif suffix in FILE_SUFFIXES and len(content) <= FILE_LIMIT:
            mime = file.mime_type or "application/octet-stream"
            data = await self._guarded(
                chat_id, "upload", lambda: self._api.upload("file", file.filename, content, mime)
            )
            message = {"attachment": {"type": "file", "payload": {"token": data.get("token")}}}
        else:
            return await links.offer(self._runtime, file)
        await self.send_message(chat_id, "file", message)
        return None

    async def _guarded(self, chat_id: str, what: str, call: Callable[[], Awaitable[T]]) -> T:
        await self._flood.acquire(chat_id)
        try:
            result = await call()
        except ZaloApiError as exc:
            log.info("zalo send %s: error %d", what, exc.code)
            if exc.code in OUTSIDE_WINDOW:
                raise Unreachable(
                    f"zalo {exc.code}: outside the messaging window", code=f"zalo{exc.code}"
                ) from None
            if exc.code == SLOW_DOWN:
                self._flood.pause(SLOW_DOWN_PAUSE)
                raise TemporaryFailure("zalo -32: too many calls") from None
            if exc.code in HOLD:
                raise TemporaryFailure(f"zalo {exc.code}: quota reached, held") from None
            if exc.code == TOO_LONG and what in {"text", "transaction"}:
                raise _TooLong() from None
            if exc.code == NOT_AT_NIGHT:
                now = self._runtime.clock.now()
                until = transaction.held_until(now, self._runtime.settings.tz)
                raise Deferred("zalo -234: not at night", until or now + NIGHT_PAUSE) from None
            raise TemporaryFailure(f"zalo {exc.code}") from None
        except (NotConnected, OAuthUnavailable) as exc:
            log.warning("zalo send %s: not connected (%s)", what, type(exc).__name__)
            raise TemporaryFailure("zalo: no usable access token") from None
        log.info("zalo send %s: ok", what)
        return result


def _info_card(card: InfoCard, image_url: str | None) -> dict[str, Any]:
    """Zalo's "request user info" template; the person's answer arrives as ``user_submit_info``."""
    element = {
        "title": card.title[:CARD_TITLE_LIMIT],
        "subtitle": card.subtitle[:CARD_SUBTITLE_LIMIT],
    }
    if image_url:
        element["image_url"] = image_url
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "request_user_info", "elements": [element]},
        }
    }


class _TooLong(BotError):
    """Zalo refused a text as over a limit (-210)."""
