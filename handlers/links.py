"""One person on several channels: link them with a code, choose where reminders go, and
the admins' list of people no channel reaches."""

from __future__ import annotations

from typing import Final

from bot.access import Access
from bot.context import Context
from bot.feedback.catalog import KINDS
from bot.i18n import Translator
from bot.messages import Button
from bot.people import codes, linking
from bot.people.buttons import ChannelName, ChooseChannel, UnlinkAccount
from bot.people.channels import channel_name
from bot.people.errors import LinkError
from db.models import Person
from db.queries import dialogs, people, reach

FLOW: Final = "link"


async def link(ctx: Context) -> None:
    """``/link``: give a code to send on the other channel; ``/link CODE``: use one."""
    if ctx.args:
        await _redeem(ctx, " ".join(ctx.args))
        return
    issued = await linking.issue_code(
        ctx.operation(), person_id=ctx.person.id, channel=ctx.incoming.channel
    )
    await ctx.start_dialog(FLOW, "code")
    minutes = int(codes.TTL.total_seconds() // 60)
    shown = codes.shown(issued.code)
    ctx.reply(
        ctx._("Your link code: {code}", code=shown)
        + "\n"
        + ctx.t.ngettext(
            "Send “/link {code}” from your other channel (Zalo, Telegram…) within {n} minute "
            "to make both one account. The code works once.",
            "Send “/link {code}” from your other channel (Zalo, Telegram…) within {n} minutes "
            "to make both one account. The code works once.",
            minutes,
            code=shown,
        )
        + "\n"
        + ctx._(
            "Never give this code to anyone else: whoever sends it gets your roles and cases. "
            "If you already have a code from your other channel, send it here (or /cancel)."
        )
    )


async def receive_code(ctx: Context) -> None:
    """Take a code typed in the link dialog."""
    text = (ctx.incoming.text or "").strip()
    if not text:
        ctx.reply(ctx._("Please type the link code as text (or /cancel)."))
        return
    await _redeem(ctx, text)


async def _redeem(ctx: Context, text: str) -> None:
    try:
        linked = await linking.redeem_code(ctx.operation(), person_id=ctx.person.id, text=text)
    except LinkError as exc:
        # Not re-raised: a wrong code stays counted against its sender.
        ctx.reply(exc.message(ctx.t))
        return
    person = await ctx.session.get_one(Person, linked.person_id)
    ctx.person = person
    # The joined person keeps one dialog (the older one's); a link dialog is over for both.
    ctx.dialog = await dialogs.current_dialog(ctx.session, person.id)
    if ctx.dialog is not None and ctx.dialog.flow == FLOW:
        await ctx.end_dialog()
    ctx.memberships = await people.memberships_of(ctx.session, person.id)
    ctx.access = Access.of(ctx.memberships)
    await ctx.act_in(ctx.org_id)
    if person.locale and person.locale != ctx.t.locale:
        ctx.t = Translator(person.locale, ctx.deployment.settings.tz)
    ctx.outcome.roles_changed = True
    accounts = await reach.accounts_of(ctx.session, person.id)
    names = ", ".join(dict.fromkeys(channel_name(a.channel, ctx.t) for a in accounts))
    ctx.reply(
        ctx._(
            "Done: your channels are now one account ({channels}). Your roles, language and "
            "cases are the same on each.",
            channels=names,
        )
        + "\n"
        + ctx._("Send /channel to choose where reminders go.")
    )


async def show_channels(ctx: Context) -> None:
    """``/channel``: the person's linked channels, and buttons to choose the reminders' one."""
    accounts = await reach.accounts_of(ctx.session, ctx.person.id)
    reachable = [a for a in accounts if a.unreachable_since is None]
    current = reachable[0].channel if reachable else None
    lines = [ctx._("Your channels:")]
    for account in accounts:
        name = channel_name(account.channel, ctx.t)
        if account.unreachable_since is not None:
            lines.append(
                "• "
                + ctx._(
                    "{channel}: cannot deliver since {since}; write to the bot there to fix it",
                    channel=name,
                    since=ctx.t.datetime(account.unreachable_since),
                )
            )
        elif account.channel == current:
            lines.append("• " + ctx._("{channel}: reminders go here", channel=name))
        else:
            lines.append(
                "• " + ctx._("{channel}: used when the first one cannot deliver", channel=name)
            )
    channels = list(dict.fromkeys(a.channel for a in accounts))
    if len(channels) < 2:
        lines.append(
            ctx._("To add another channel (Zalo, Telegram…), send /link and follow the steps.")
        )
        ctx.reply("\n".join(lines))
        return
    lines.append(ctx._("Where should reminders go first?"))
    buttons = [
        [
            Button(
                ("✓ " if c == current else "") + channel_name(c, ctx.t),
                ChooseChannel(ChannelName(c)).data,
            )
        ]
        for c in channels
    ]
    ctx.reply("\n".join(lines), buttons)


async def choose_channel(ctx: Context) -> None:
    """A channel button: send reminders there first."""
    channel = ctx.payload_as(ChooseChannel).channel
    await linking.choose_channel(ctx.operation(), person=ctx.person, channel=str(channel))
    ctx.reply(
        ctx._(
            "Reminders now go to {channel} first. When it cannot deliver, your other channels "
            "are used.",
            channel=channel_name(channel, ctx.t),
        )
    )


async def show_unlink(ctx: Context) -> None:
    """``/unlink``: the person's channel accounts, a button to remove each (not the last)."""
    accounts = await reach.accounts_of(ctx.session, ctx.person.id)
    if len(accounts) < 2:
        ctx.reply(
            ctx._("You have only one channel, so there is nothing to remove.")
            + "\n"
            + ctx._("To add another channel (Zalo, Telegram…), send /link and follow the steps.")
        )
        return
    here = (ctx.incoming.channel, ctx.incoming.chat_id)
    buttons = [
        [
            Button(
                ctx._("Remove {channel}", channel=channel_name(a.channel, ctx.t))
                + (" " + ctx._("(this chat)") if (a.channel, a.chat_id) == here else ""),
                UnlinkAccount(a.id).data,
            )
        ]
        for a in accounts
    ]
    ctx.reply(
        ctx._(
            "Which channel should no longer be part of your account? It keeps none of your "
            "roles or cases; if it writes again, it is a new account."
        ),
        buttons,
    )


async def unlink_account(ctx: Context) -> None:
    """An ``/unlink`` button: take that account off the person."""
    done = await linking.unlink(
        ctx.operation(), person_id=ctx.person.id, account_id=ctx.payload_as(UnlinkAccount).account
    )
    ctx.reply(
        ctx._(
            "{channel} is no longer linked to your account. Send /channel to see the ones left.",
            channel=channel_name(done.channel, ctx.t),
        )
    )


async def list_unreachable(ctx: Context) -> None:
    """``/unreachable``: people of this organization no channel reaches, why, since when."""
    confidential = [kind for kind, spec in KINDS.items() if spec.confidential]
    found = await reach.unreachable_in(ctx.session, ctx.org_id, confidential)
    if not found:
        ctx.reply(ctx._("Everyone can be reached on at least one channel."))
        return
    lines = [ctx._("Cannot be reached on any channel:")]
    for entry in found:
        if entry.staff:
            who = entry.name
        elif entry.cases:
            who = ctx._("A citizen (cases {codes})", codes=", ".join(entry.cases))
        else:
            who = ctx._("A citizen")
        if entry.confidential:
            who += " " + ctx.t.ngettext(
                "and {n} confidential case", "and {n} confidential cases", entry.confidential
            )
        refusals = "; ".join(
            ctx._(
                "{channel}: {reason} since {since}",
                channel=channel_name(r.channel, ctx.t),
                reason=r.reason,
                since=ctx.t.datetime(r.since),
            )
            for r in entry.refusals
        )
        lines.append(f"• {who} — {refusals}")
    lines.append(ctx._("A person leaves this list as soon as they write to the bot again."))
    ctx.reply("\n".join(lines))
