"""Linking channels: a one-time code asked for on one channel, sent on another, joins the
two people behind them into one (the older one keeps everything).

Decided for staff: two people who both hold staff roles are joined only when they hold
them in the same organizations. A code can be passed on by someone who tricks a person
into sending it; joining two staff accounts of different organizations would give one
chat account the rights of both, so an administrator must sort it out instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from bot.operations import Operation
from bot.people import codes, notices
from bot.people.errors import (
    LastChannel,
    LinkCodeExpired,
    LinkCodeMalformed,
    LinkCodeUsed,
    LinkCodeWrong,
    LinkForgotten,
    LinkStaffConflict,
    LinkTooManyAttempts,
    LinkToSelf,
    NoSuchChannel,
)
from db.models import Person
from db.queries import choices, links, reach


@dataclass(frozen=True, slots=True)
class CodeIssued:
    """A new link code (shown once, stored hashed) and when it stops working."""

    code: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Linked:
    """Two people joined: ``person_id`` holds everything now, ``merged_id`` is gone."""

    person_id: int
    merged_id: int
    moved: dict[str, int]


async def issue_code(op: Operation, *, person_id: int, channel: str) -> CodeIssued:
    """Give the person a fresh link code; their older unused codes stop working."""
    await links.drop_open_codes(op.session, person_id)
    code = codes.new_code()
    expires_at = op.now + codes.TTL
    row = await links.add_code(
        op.session,
        person_id=person_id,
        code_hash=codes.hash_code(code),
        channel=channel,
        now=op.now,
        expires_at=expires_at,
    )
    await op.audit("link.code_issued", "link_code", row.id, after={"channel": channel})
    return CodeIssued(code, expires_at)


async def redeem_code(op: Operation, *, person_id: int, text: str) -> Linked:
    """Join the person who sent ``text`` with the person whose link code it is.

    Wrong, used and expired codes are counted against the sender (and stay counted: the
    caller must not roll this back); a flood of them is refused before any lookup. Text
    that is no code at all is refused without a lookup and not counted. Two
    people sending one code at once: the code row is locked, exactly one of them links.
    """
    await _check_rate(op, person_id)
    code = codes.read(text)
    if code is None:
        raise LinkCodeMalformed
    row = await links.code_by_hash(op.session, codes.hash_code(code))
    if row is None:
        await links.add_failure(op.session, person_id, op.now)
        raise LinkCodeWrong
    if row.used_at is not None:
        await links.add_failure(op.session, person_id, op.now)
        raise LinkCodeUsed
    if row.expires_at <= op.now:
        await links.add_failure(op.session, person_id, op.now)
        raise LinkCodeExpired
    if row.person_id == person_id:
        raise LinkToSelf
    owner = row.person_id
    keep, drop = await _mergeable(op, owner, person_id)
    if not await links.use_code(op.session, row.id, by=person_id, now=op.now):
        raise LinkCodeUsed
    known = notices.accounts(await reach.accounts_of(op.session, owner))
    joined = notices.accounts(await reach.accounts_of(op.session, person_id))
    moved = await _merge(op, keep, drop)
    # The code's owner is told on each account of theirs: the sender may not be them.
    channels = ",".join(dict.fromkeys(a.channel for a in joined))
    await notices.tell_accounts(
        op, keep.id, known, notices.AccountLinked(channels=channels), f"linked:{row.id}"
    )
    return Linked(keep.id, drop.id, moved)


async def choose_channel(op: Operation, *, person: Person, channel: str | None) -> None:
    """Send the person's reminders to ``channel`` first (``None``: the oldest account)."""
    if channel is not None and not await links.has_channel(op.session, person.id, channel):
        raise NoSuchChannel
    before = person.preferred_channel
    person.preferred_channel = channel
    await op.audit(
        "person.channel_chosen",
        "person",
        person.id,
        before={"channel": before},
        after={"channel": channel},
    )


@dataclass(frozen=True, slots=True)
class Unlinked:
    """An account taken off the person: it counts as a new person if it writes again."""

    channel: str
    remaining: int


async def unlink(op: Operation, *, person_id: int, account_id: int) -> Unlinked:
    """Remove one of the person's channel accounts; the last one always stays.

    The chat keeps nothing of the person: its shown choices are forgotten, reminders go to
    the accounts left (the chosen channel too, when it was the only one there). Each account
    left is told at once, as after a link (see ``bot.people.notices``).
    """
    locked = await links.lock_people(op.session, [person_id])
    accounts = await reach.accounts_of(op.session, person_id)
    target = next((a for a in accounts if a.id == account_id), None)
    if not locked or target is None:
        raise NoSuchChannel
    if len(accounts) < 2:
        raise LastChannel
    person = locked[0]
    channel = target.channel
    left = [a for a in accounts if a.id != target.id]
    await choices.clear_choices(op.session, channel=channel, chat_id=target.chat_id)
    await links.drop_identity(op.session, target.id)
    before = person.preferred_channel
    if before == channel and all(a.channel != channel for a in left):
        person.preferred_channel = None
    await op.audit(
        "person.unlinked",
        "person",
        person.id,
        before={"account": target.id, "channel": channel, "preferred": before},
        after={"accounts": len(left), "preferred": person.preferred_channel},
    )
    await notices.tell_accounts(
        op,
        person.id,
        notices.accounts(left),
        notices.AccountUnlinked(channel=channel),
        f"unlinked:{target.id}",
    )
    return Unlinked(channel, len(left))


async def _check_rate(op: Operation, person_id: int) -> None:
    count, oldest = await links.failures_since(op.session, person_id, op.now - codes.FAILURE_WINDOW)
    if count >= codes.MAX_FAILURES and oldest is not None:
        wait = oldest + codes.FAILURE_WINDOW - op.now
        raise LinkTooManyAttempts(max(1, math.ceil(wait.total_seconds() / 60)))


async def _mergeable(op: Operation, a: int, b: int) -> tuple[Person, Person]:
    """Lock both people; return (older, newer) if they may be joined, else refuse."""
    locked = await links.lock_people(op.session, [a, b])
    if len(locked) != 2 or any(p.merged_into is not None for p in locked):
        raise LinkCodeWrong
    if any(p.forget_requested_at is not None for p in locked):
        raise LinkForgotten
    orgs = [await links.staff_orgs(op.session, p.id) for p in locked]
    if all(orgs) and orgs[0] != orgs[1]:
        raise LinkStaffConflict
    older, newer = sorted(locked, key=lambda p: (p.created_at, p.id))
    return older, newer


async def _merge(op: Operation, keep: Person, drop: Person) -> dict[str, int]:
    """Move everything of ``drop`` to ``keep``; ``drop`` stays only as a name in the audit."""
    moved = await links.move_person(op.session, source=drop.id, target=keep.id)
    # What the older person never set is taken from the newer one.
    keep.locale = keep.locale or drop.locale
    keep.preferred_channel = keep.preferred_channel or drop.preferred_channel
    keep.digest = keep.digest or drop.digest
    if not keep.display_name and drop.display_name:
        keep.display_name = drop.display_name  # only staff names are kept in clear
    if keep.name_sealed is None:
        keep.name_sealed = drop.name_sealed
    drop.merged_into = keep.id
    drop.name_sealed = None
    drop.preferred_channel = None
    drop.locale = None
    drop.digest = False
    await op.session.flush()
    await op.audit(
        "person.linked",
        "person",
        keep.id,
        before={"merged": drop.id},
        after={"moved": moved},
    )
    return moved
