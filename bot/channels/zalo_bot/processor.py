"""What each stored Zalo Bot update means: an ``Incoming`` for the dispatcher, or a polite
word when the platform brought something the bot cannot read."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Unreachable
from bot.channels.download import DownloadTooLarge
from bot.channels.textonly import (
    Act,
    answer_directly,
    bad_number,
    not_fetched,
    nothing,
    too_large,
    typed,
)
from bot.channels.zalo_bot import CHANNEL
from bot.channels.zalo_bot.platform import (
    IMAGE,
    TEXT,
    BotEvent,
    ZaloBotApi,
    ZaloBotApiError,
    read,
)
from bot.channels.zalo_bot.sender import ZaloBotSender
from bot.i18n import Translator
from bot.inbox.worker import Claimed, Commit
from bot.messages import Attachment, Incoming, Outcome, Reply
from bot.runtime import Runtime
from db.queries import reminders

log = logging.getLogger(__name__)

PHOTO_LIMIT: Final = 20 * 1024 * 1024


async def _unread(_session: AsyncSession, _now: datetime, t: Translator) -> list[Reply]:
    return [
        Reply(
            t._(
                "Here I can read only text and photos. Please write your message as text, "
                "or send /help to see what I can do."
            ),
            keeps_choices=True,
        )
    ]


class ZaloBotProcessor:
    """Handles stored updates and answers through the sender."""

    def __init__(self, runtime: Runtime, api: ZaloBotApi, sender: ZaloBotSender) -> None:
        self._runtime = runtime
        self._api = api
        self._sender = sender

    async def handle(self, event: Claimed, commit: Commit) -> None:
        """Make the update's changes and record it handled in the same transaction."""
        update = read(event.payload or "{}")
        log.info("zalo bot event %d: %s", event.id, update.kind)
        incoming, refusal = await self._incoming(update)
        if incoming is None:
            await answer_directly(self._runtime, CHANNEL, commit, update.user_id, refusal)
            return

        async def before_commit(session: AsyncSession, outcome: Outcome) -> None:
            await commit(session, outcome.replies)

        await self._runtime.dispatcher.handle(incoming, before_commit)

    async def deliver(self, sender: str, replies: Sequence[Reply]) -> None:
        """Send an update's replies, choices numbered; a refusal marks the person."""
        if not replies:
            return
        try:
            await self._sender.send_all(sender, replies)
        except Unreachable:
            async with self._runtime.sessions.begin() as session:
                await reminders.mark_unreachable(
                    session, CHANNEL, sender, self._runtime.clock.now()
                )
            raise

    async def _incoming(self, update: BotEvent) -> tuple[Incoming | None, Act]:
        """What the update says as an ``Incoming``, or why not (what to answer instead)."""
        if not update.user_id or not update.chat_id:
            return None, nothing
        base = Incoming(
            channel=CHANNEL,
            user_id=update.user_id,
            chat_id=update.chat_id,
            display_name=update.name,
            language_code=None,
        )
        if update.kind == IMAGE and update.photo_url is not None:
            try:
                content = await self._api.download(update.photo_url, PHOTO_LIMIT)
            except DownloadTooLarge:
                return None, too_large
            except ZaloBotApiError as exc:
                log.info("zalo bot photo download failed with %d", exc.code)
                return None, not_fetched
            attachment = Attachment("photo.jpg", "image/jpeg", len(content), content=content)
            return replace(base, attachment=attachment), nothing
        if update.kind != TEXT:
            return None, _unread
        text = (update.text or "").strip()
        if not text:
            return None, nothing
        incoming = await typed(self._runtime, base, text)
        return (incoming, nothing) if incoming is not None else (None, bad_number)
