"""What each stored Zalo event means: an ``Incoming`` for the dispatcher, or a direct act."""

from __future__ import annotations

import json
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
from bot.channels.zalo_oa import CHANNEL
from bot.channels.zalo_oa.api import ZaloApi, ZaloApiError
from bot.channels.zalo_oa.events import UserEvent, read
from bot.channels.zalo_oa.sender import ZaloSender
from bot.i18n import Translator
from bot.inbox.worker import Claimed, Commit
from bot.messages import Attachment, Incoming, Location, Outcome, Reply
from bot.privacy.forget import forget_person
from bot.runtime import Runtime
from db.queries import inbox, people, reminders

log = logging.getLogger(__name__)

UNREAD_KINDS: Final = frozenset(
    {"user_send_sticker", "user_send_gif", "user_send_audio", "user_send_video"}
)

_Act = Act


async def _unread(_session: AsyncSession, _now: datetime, t: Translator) -> list[Reply]:
    return [
        Reply(
            t._(
                "I can read text, photos, files and locations. Please write your message "
                "as text, or send /help to see what I can do."
            ),
            keeps_choices=True,
        )
    ]


class ZaloProcessor:
    """Handles stored Zalo events and answers through the sender."""

    def __init__(self, runtime: Runtime, api: ZaloApi, sender: ZaloSender) -> None:
        self._runtime = runtime
        self._api = api
        self._sender = sender

    async def handle(self, event: Claimed, commit: Commit) -> None:
        """Make the event's changes and record it handled in the same transaction."""
        user = read(event.payload or "{}")
        log.info("zalo event %d: %s", event.id, user.kind)
        if user.kind in UNREAD_KINDS:
            await self._direct(commit, user.sender, _unread)
        elif user.kind == "unfollow":
            await self._direct(
                commit,
                user.sender,
                lambda s, now, t: _unfollowed(s, user.sender, now, t),
                interaction=False,
            )
        elif user.kind == "user_submit_info":
            sealed = self._runtime.dispatcher.deployment.sealer.seal(
                json.dumps(user.info or {}, ensure_ascii=False)
            )
            await self._direct(
                commit, user.sender, lambda s, now, t: _contact(s, user.sender, sealed, t)
            )
        elif user.kind == "user_withdraw":
            await self._direct(
                commit,
                user.sender,
                lambda s, now, t: request_erasure(s, user.sender, now),
                interaction=False,
            )
        else:
            incoming, refusal = await self._incoming(user)
            if incoming is None:
                await self._direct(commit, user.sender, refusal)
                return

            async def before_commit(session: AsyncSession, outcome: Outcome) -> None:
                await commit(session, outcome.replies)

            await self._runtime.dispatcher.handle(incoming, before_commit)

    async def deliver(self, sender: str, replies: Sequence[Reply]) -> None:
        """Send an event's replies, choices numbered; outside the window, mark the person."""
        if not replies:
            return
        try:
            await self._sender.send_all(sender, replies)
        except Unreachable as exc:
            async with self._runtime.sessions.begin() as session:
                await reminders.mark_unreachable(
                    session, CHANNEL, sender, self._runtime.clock.now(), exc.code
                )
            raise

    async def _direct(
        self, commit: Commit, sender: str, act: _Act, *, interaction: bool = True
    ) -> None:
        await answer_directly(self._runtime, CHANNEL, commit, sender, act, interaction=interaction)

    async def _incoming(self, user: UserEvent) -> tuple[Incoming | None, _Act]:
        """What the event says as an ``Incoming``, or why not (what to answer instead)."""
        base = Incoming(
            channel=CHANNEL,
            user_id=user.sender,
            chat_id=user.sender,
            display_name=await self._display_name(user.sender),
            language_code=None,
        )
        if user.kind == "follow":
            return replace(base, text="/start"), nothing
        if user.latitude is not None and user.longitude is not None:
            return replace(base, location=Location(user.latitude, user.longitude)), nothing
        if user.media is not None:
            try:
                content = await self._api.download(user.media.url)
            except DownloadTooLarge:
                return None, too_large
            except ZaloApiError as exc:
                log.info("zalo download failed with %d", exc.code)
                return None, not_fetched
            name = user.media.name or ("photo.jpg" if user.kind == "user_send_image" else "file")
            attachment = Attachment(name[:200], None, len(content), content=content)
            return replace(base, attachment=attachment, text=user.text), nothing
        text = (user.text or "").strip()
        if not text:
            return None, nothing
        incoming = await typed(self._runtime, base, text)
        return (incoming, nothing) if incoming is not None else (None, bad_number)

    async def _display_name(self, user_id: str) -> str:
        async with self._runtime.sessions() as session:
            known = await people.identity_of(session, channel=CHANNEL, user_id=user_id)
        if known is not None:
            return ""
        return await self._api.user_name(user_id) or ""


async def request_erasure(session: AsyncSession, sender: str, now: datetime) -> list[Reply]:
    """The person withdrew consent on Zalo (``user_withdraw``): erase their personal data.

    The same erasure as ``/forget``: what the law requires is kept, anonymized, the rest
    erased; nothing is sent back, since the person asked Zalo to stop the exchange.
    """
    identity = await people.identity_of(session, channel=CHANNEL, user_id=sender)
    if identity is None:
        return []
    result = await forget_person(
        session, person_id=identity.person_id, now=now, reason="zalo user_withdraw"
    )
    await inbox.forget_sender(session, CHANNEL, sender)
    log.info(
        "zalo user_withdraw: person %s erased (%s cases anonymized, %s kept)",
        result.person_id,
        result.cases_anonymized,
        len(result.kept),
    )
    return []


async def _unfollowed(
    session: AsyncSession, sender: str, now: datetime, t: Translator
) -> list[Reply]:
    person = await reminders.mark_unreachable(session, CHANNEL, sender, now, "zalo-unfollow")
    log.info("zalo unfollow: person %s unreachable on %s", person, CHANNEL)
    return []


async def _contact(session: AsyncSession, sender: str, sealed: str, t: Translator) -> list[Reply]:
    person = await people.set_contact(session, channel=CHANNEL, user_id=sender, sealed=sealed)
    if person is None:
        return []
    return [
        Reply(
            t._(
                "Thank you. Your contact details are kept sealed and used only to "
                "answer your feedback."
            )
        )
    ]
