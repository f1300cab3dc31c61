"""Zalo's messaging window: which class a message to a person falls in, and what it costs.

From Zalo's 2023 price list (verify): within 48 hours of the person's last interaction the
first 8 messages are free replies; within 7 days a message is a paid consultation; within a
year only a transaction message can reach them. The limits and prices are settings, since
Zalo changes them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.settings import Settings
from db.queries import usage


class MessageClass(enum.StrEnum):
    """What Zalo counts a message as."""

    REPLY = "reply"
    CONSULTATION = "consultation"
    TRANSACTION = "transaction"


@dataclass(frozen=True, slots=True)
class WindowPolicy:
    """The windows and the price of each class (VND a message)."""

    reply_window: timedelta = timedelta(hours=48)
    free_replies: int = 8
    consultation_window: timedelta = timedelta(days=7)
    prices: Mapping[MessageClass, int] = field(
        default_factory=lambda: {
            MessageClass.REPLY: 0,
            MessageClass.CONSULTATION: 55,
            MessageClass.TRANSACTION: 165,
        }
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> WindowPolicy:
        """The policy the deployment's settings describe."""
        return cls(
            free_replies=settings.zalo_free_replies,
            prices={
                MessageClass.REPLY: 0,
                MessageClass.CONSULTATION: settings.zalo_price_consultation,
                MessageClass.TRANSACTION: settings.zalo_price_transaction,
            },
        )

    def classify(self, last: datetime | None, sent_since: int, now: datetime) -> MessageClass:
        """The class of the next message to a person who last interacted at ``last``.

        An unknown last interaction (an identity older than this count) is the dearest class.
        """
        if last is None:
            return MessageClass.TRANSACTION
        age = now - last
        if age <= self.reply_window and sent_since < self.free_replies:
            return MessageClass.REPLY
        if age <= self.consultation_window:
            return MessageClass.CONSULTATION
        return MessageClass.TRANSACTION


def month_of(moment: datetime, tz: ZoneInfo) -> str:
    """The month (``YYYY-MM``) a moment falls in, where the commune is."""
    return moment.astimezone(tz).strftime("%Y-%m")


async def pick_class(
    session: AsyncSession, policy: WindowPolicy, channel: str, user_id: str, now: datetime
) -> MessageClass:
    """The class the next message to this person will be counted in."""
    last, sent_since = await usage.window_of(session, channel, user_id)
    return policy.classify(last, sent_since, now)


async def record_sent(
    session: AsyncSession,
    *,
    policy: WindowPolicy,
    channel: str,
    user_id: str,
    message_class: MessageClass,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Count a delivered message in its class and month, at today's price."""
    await usage.count_sent(
        session,
        channel=channel,
        user_id=user_id,
        month=month_of(now, tz),
        message_class=str(message_class),
        price=policy.prices.get(message_class, 0),
    )


@dataclass(frozen=True, slots=True)
class MonthCost:
    """One month's messages by class and what they are estimated to cost."""

    month: str
    counts: Mapping[str, int]
    cost: int

    @property
    def total(self) -> int:
        """How many messages were counted."""
        return sum(self.counts.values())


async def month_costs(session: AsyncSession, channel: str, months: list[str]) -> list[MonthCost]:
    """Each of ``months`` with its counts and estimated cost (months without messages too)."""
    stored = await usage.month_counts(session, channel, months)
    return [
        MonthCost(
            month,
            {name: n for name, (n, _) in stored.get(month, {}).items()},
            sum(cost for _, cost in stored.get(month, {}).values()),
        )
        for month in months
    ]


def months_between(first: date, last: date) -> list[str]:
    """Every month (``YYYY-MM``) from the one holding ``first`` to the one holding ``last``."""
    year, month = first.year, first.month
    months = []
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def cost_text(item: MonthCost, t: Translator) -> str:
    """One month's Zalo messages and estimated cost, as a person reads it."""
    year, month = item.month.split("-")
    return t._(
        "Zalo messages in {month}: {reply} free replies, {consultation} consultation "
        "messages, {transaction} transaction messages; estimated cost {cost} VND "
        "(Zalo's 2023 prices; check the current price list).",
        month=month + "/" + year,
        reply=t.number(item.counts.get(MessageClass.REPLY, 0)),
        consultation=t.number(item.counts.get(MessageClass.CONSULTATION, 0)),
        transaction=t.number(item.counts.get(MessageClass.TRANSACTION, 0)),
        cost=t.number(item.cost),
    )
