"""What every channel without buttons shares (the Zalo OA and the Zalo Bot).

Choices go out as numbered lines and come back as typed numbers or labels; ``#command``
means ``/command``; long texts are cut in order; events that need no dispatcher (a sticker,
a withdrawal) are answered in the person's language.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import choices
from bot.i18n import Translator, reader_locale
from bot.inbox.worker import Commit
from bot.messages import Attachment, Incoming, InfoCard, Reply
from bot.runtime import Runtime
from db.queries import people, usage

MAX_COMMAND: Final = 32

Act = Callable[[AsyncSession, datetime, Translator], Awaitable[list[Reply]]]


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line breaks where possible, in order."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= limit // 2:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        pieces.append(rest)
    return pieces or [""]


def as_command(text: str) -> str:
    """``#feedback`` (what a Zalo menu sends, or what a person types) means ``/feedback``."""
    word = text[1:].split(maxsplit=1)[0] if text[1:2].strip() else ""
    if (
        text.startswith("#")
        and word[:1].isalpha()
        and word.isascii()
        and word.replace("_", "").isalnum()
        and len(word) <= MAX_COMMAND
    ):
        return "/" + text[1:]
    return text


async def nothing(_session: AsyncSession, _now: datetime, _t: Translator) -> list[Reply]:
    """No answer of its own: the dispatcher's replies are the answer."""
    return []


async def too_large(_session: AsyncSession, _now: datetime, t: Translator) -> list[Reply]:
    """The answer to a file over the limit."""
    return [Reply(t._("That file is too large."), keeps_choices=True)]


async def not_fetched(_session: AsyncSession, _now: datetime, t: Translator) -> list[Reply]:
    """The answer to a file the platform would not hand over."""
    return [Reply(t._("I could not fetch that file. Please send it again."), keeps_choices=True)]


async def bad_number(_session: AsyncSession, _now: datetime, t: Translator) -> list[Reply]:
    """The answer to a number no shown button has."""
    return [Reply(t._("No button has that number."), keeps_choices=True)]


async def typed(runtime: Runtime, base: Incoming, text: str) -> Incoming | None:
    """What a typed text means: a pressed button, a command or plain text; ``None`` when it
    is a number no shown button has."""
    async with runtime.sessions() as session:
        answer = await choices.answer(
            session,
            channel=base.channel,
            chat_id=base.chat_id,
            text=text,
            now=runtime.clock.now(),
        )
    if answer.payload is not None:
        return replace(base, button=answer.payload)
    if answer.bad_number:
        return None
    return replace(base, text=as_command(text))


async def answer_directly(
    runtime: Runtime,
    channel: str,
    commit: Commit,
    sender: str,
    act: Act,
    *,
    interaction: bool = True,
) -> None:
    """Act without the dispatcher, answering in the person's language when known.

    ``interaction``: what the person did opens the channel's messaging window (a sticker
    does; leaving or withdrawing consent does not).
    """
    settings = runtime.settings
    async with runtime.sessions.begin() as session:
        if interaction:
            await usage.note_interaction(session, channel, sender, runtime.clock.now())
        chosen, reported = await people.languages_of_account(
            session, channel=channel, user_id=sender
        )
        t = Translator(reader_locale(chosen, reported, settings.default_locale), settings.tz)
        replies = await act(session, runtime.clock.now(), t)
        await commit(session, replies)


class NumberedSender(ABC):
    """Delivers replies as texts: buttons numbered across a batch, files sent or linked."""

    channel: str

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver one reply (the outbox's call); its choices replace the chat's numbers."""
        await self.send_all(chat_id, [reply], keep_old_choices=not reply.buttons)

    async def send_all(
        self, chat_id: str, replies: Sequence[Reply], *, keep_old_choices: bool = False
    ) -> None:
        """Deliver replies in order, their buttons numbered across all of them."""
        numbered = choices.number_replies(replies)
        keep_old_choices = keep_old_choices or all(reply.keeps_choices for reply in replies)
        if numbered.items or not keep_old_choices:
            async with self._runtime.sessions.begin() as session:
                await choices.remember(
                    session,
                    channel=self.channel,
                    chat_id=chat_id,
                    items=numbered.items,
                    now=self._runtime.clock.now(),
                )
        for reply, text in zip(replies, numbered.texts, strict=True):
            if reply.card is not None and await self._send_card(chat_id, reply.card):
                continue
            if reply.file is not None:
                link = await self._send_file(chat_id, reply.file)
                if link is not None:
                    text = f"{text}\n📎 {reply.file.filename}: {link}".strip()
            if text:
                await self._send_text(chat_id, text)

    async def _send_card(self, chat_id: str, card: InfoCard) -> bool:
        """Send ``card`` as the channel's own form; ``False``: it has none (the text goes)."""
        return False

    @abstractmethod
    async def _send_text(self, chat_id: str, text: str) -> None:
        """Send a text of any length."""

    @abstractmethod
    async def _send_file(self, chat_id: str, file: Attachment) -> str | None:
        """Send the file; return a link to put in the text instead when it cannot go."""
