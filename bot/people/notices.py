"""Security notices about a person's own accounts, each sent to one account's chat only.

A link made with a code someone tricked out of a person joins a stranger's chat to their
account: the accounts that were already theirs are told at once, wherever reminders go.
An account removed with /unlink is told of to the accounts that stay, the same way: whoever
holds one of them may have removed the owner's own chat. The removed chat itself is not
told: it is nobody's account any more (a new person if it writes again), and Zalo lets the
bot write only to accounts whose messaging window it keeps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import ClassVar, Final

from bot.i18n import Translator
from bot.operations import Operation
from bot.people.channels import channel_name
from bot.reminders.notices import Notice
from db.models import Identity
from db.queries import outbox

# The outbox kind of a notice delivered to the row's own chat, never re-routed.
ACCOUNT_NOTICE: Final = "account_notice"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AccountLinked(Notice):
    """Another channel account was joined to the person's account with a link code."""

    notice: ClassVar[str] = "account_linked"
    channels: str  # the new accounts' channels, comma-separated (``zalo_oa,telegram``)

    def render(self, t: Translator) -> str:
        """The notice's text."""
        names = dict.fromkeys(channel_name(c, t) for c in self.channels.split(",") if c)
        return "🔐 " + t._(
            "Your account was linked to a new channel: {channel}. If this wasn't you, send "
            "/unlink here to remove that channel, and tell your commune's administrator.",
            channel=", ".join(names),
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AccountUnlinked(Notice):
    """One of the person's channel accounts was removed with /unlink."""

    notice: ClassVar[str] = "account_unlinked"
    channel: str  # the removed account's channel (``zalo_oa``)

    def render(self, t: Translator) -> str:
        """The notice's text."""
        return "🔐 " + t._(
            "A channel was removed from your account: {channel}. It no longer gets your "
            "reminders or messages. If this wasn't you, tell your commune's administrator.",
            channel=channel_name(self.channel, t),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Account:
    """One chat account to tell, as it was when the notice was decided."""

    id: int
    channel: str
    chat_id: str


def accounts(identities: Iterable[Identity]) -> list[Account]:
    """The accounts behind ``identities`` (read now: a merge moves them without reloading)."""
    return [Account(i.id, i.channel, i.chat_id) for i in identities]


async def tell_accounts(
    op: Operation, person_id: int, to: Iterable[Account], notice: Notice, key: str
) -> int:
    """Queue ``notice`` for each account's own chat, due now; return how many were queued."""
    queued = 0
    for account in to:
        queued += await outbox.enqueue(
            op.session,
            outbox.Wanted(
                key=f"a:{key}:{account.id}",
                person_id=person_id,
                channel=account.channel,
                chat_id=account.chat_id,
                kind=ACCOUNT_NOTICE,
                due_at=op.now,
                params=notice.params(),
            ),
        )
    return queued
