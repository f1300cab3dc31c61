"""Sending replies on the Zalo Bot: texts cut at the platform's limit, choices numbered,
photos by link with ``sendPhoto``, every other file as an expiring signed link."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from pathlib import PurePath
from typing import Final

from bot.channels.base import TemporaryFailure, Unreachable
from bot.channels.flood import FloodControl, Limits
from bot.channels.textonly import NumberedSender, split_text
from bot.channels.zalo_bot import CHANNEL
from bot.channels.zalo_bot.platform import (
    SLOW_DOWN_CODES,
    TEXT_LIMIT,
    UNREACHABLE_CODES,
    ZaloBotApi,
    ZaloBotApiError,
)
from bot.http import links
from bot.messages import Attachment
from bot.runtime import Runtime

log = logging.getLogger(__name__)

PHOTO_SUFFIXES: Final = frozenset({".jpg", ".jpeg", ".png"})
SLOW_DOWN_PAUSE: Final = 30.0
# The platform publishes no limits; Telegram's own are a gentle guess.
ZALO_BOT_LIMITS: Final = Limits(
    overall_per_second=25, per_private_chat_interval=0.2, per_group_interval=1.0
)


class ZaloBotSender(NumberedSender):
    """Delivers replies to the people who write to the bot."""

    channel = CHANNEL

    def __init__(
        self, runtime: Runtime, api: ZaloBotApi, flood: FloodControl | None = None
    ) -> None:
        super().__init__(runtime)
        self._api = api
        self._flood = flood or FloodControl(ZALO_BOT_LIMITS)

    async def _send_text(self, chat_id: str, text: str) -> None:
        for piece in split_text(text, TEXT_LIMIT):
            await self._flood.acquire(chat_id)
            await self._guarded("text", self._api.send_message(chat_id, piece))

    async def _send_file(self, chat_id: str, file: Attachment) -> str | None:
        """The platform carries no documents: a link; photos are also shown by ``sendPhoto``."""
        link = await links.offer(self._runtime, file)
        if PurePath(file.filename).suffix.lower() not in PHOTO_SUFFIXES:
            return link
        try:
            await self._flood.acquire(chat_id)
            await self._guarded("photo", self._api.send_photo(chat_id, link, file.filename))
        except TemporaryFailure:
            # The link in the text still brings the photo; do not send the rest twice.
            log.info("zalo bot photo not shown; its link is sent instead")
            return link
        return None

    async def _guarded(self, what: str, call: Awaitable[None]) -> None:
        try:
            await call
        except ZaloBotApiError as exc:
            log.info("zalo bot send %s: error %d", what, exc.code)
            if exc.code in UNREACHABLE_CODES:
                raise Unreachable(f"zalo bot {exc.code}: the person cannot be reached") from None
            if exc.code in SLOW_DOWN_CODES:
                self._flood.pause(SLOW_DOWN_PAUSE)
            raise TemporaryFailure(f"zalo bot {exc.code}") from None
        log.info("zalo bot send %s: ok", what)
