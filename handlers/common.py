"""What every person can do: start, join with a code, help, who am I, language, cancel."""

from __future__ import annotations

from bot import invites
from bot.access import Access
from bot.context import Context
from bot.feedback.buttons import StartFeedback
from bot.i18n import SUPPORTED, Translator
from bot.invites import InviteError
from bot.language_buttons import Language, SetLanguage
from bot.messages import Button
from bot.people import language
from bot.privacy.names import name_of, show_name_to_colleagues
from bot.roles import Audience, audience_label
from db.queries import orgs, people

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
JOIN_FLOW = "join"


async def start_bot(ctx: Context) -> None:
    """Greet the person, open the feedback dialog, or redeem the invite code of a deep link."""
    opened = ctx.deployment.router.resolve_deep_link(ctx.args)
    if opened is not None:
        await opened(ctx)
        return
    if ctx.args:
        await _redeem(ctx, " ".join(ctx.args))
        return
    ctx.reply(
        ctx._(
            "Hello {name}! I am the assistant of {org}. I remind officials of their tasks, "
            "take citizens' feedback and report to the leaders.\nSend /help to see what you "
            "can do.",
            name=name_of(ctx.person, ctx.deployment.sealer),
            org=await orgs.org_name(ctx.session, ctx.org_id),
        ),
        [[Button(ctx._("Send feedback"), StartFeedback().data)]],
    )


async def join_with_code(ctx: Context) -> None:
    """Redeem an invite code given with the command, or ask for one."""
    if ctx.args:
        await _redeem(ctx, " ".join(ctx.args))
        return
    await ctx.start_dialog(JOIN_FLOW, "code")
    ctx.reply(ctx._("Send me your invite code (or /cancel)."))


async def receive_code(ctx: Context) -> None:
    """Take the invite code typed in the join dialog."""
    code = (ctx.incoming.text or "").strip()
    if not code:
        ctx.reply(ctx._("Please type the invite code as text (or /cancel)."))
        return
    await ctx.end_dialog()
    await _redeem(ctx, code)


async def _redeem(ctx: Context, code: str) -> None:
    try:
        invite, membership = await invites.redeem_invite(
            ctx.session, person_id=ctx.person.id, code=code[:64], now=ctx.now
        )
    except InviteError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    await ctx.audit(
        "invite.redeemed",
        "membership",
        membership.id,
        after={
            "role": str(membership.role),
            "org_id": membership.org_id,
            "unit_id": invite.unit_id,
        },
    )
    show_name_to_colleagues(ctx.person, ctx.deployment.sealer)
    ctx.memberships = await people.memberships_of(ctx.session, ctx.person.id)
    ctx.access = Access.of(ctx.memberships)
    await ctx.act_in(membership.org_id)
    ctx.outcome.roles_changed = True
    role = audience_label(Audience(membership.role), ctx.t)
    unit = None
    if membership.unit_id is not None:
        found = await orgs.unit_in_org(ctx.session, membership.org_id, membership.unit_id)
        unit = found.name if found else None
    if unit:
        text = ctx._("Welcome! You are now {role} of {unit}.", role=role, unit=unit)
    else:
        text = ctx._("Welcome! You are now {role}.", role=role)
    ctx.reply(text + "\n" + ctx._("Send /help to see your commands."))


async def show_help(ctx: Context) -> None:
    """List the commands this person may use, with what each does."""
    lines = [ctx._("What you can do:")]
    anywhere = ctx.access.anywhere
    for command in ctx.deployment.router.commands():
        if command.in_menu and command.audiences & anywhere:
            lines.append(f"/{command.name} — {ctx._(command.description)}")
    ctx.reply("\n".join(lines))


async def show_whoami(ctx: Context) -> None:
    """Show the person's roles and units."""
    lines = [ctx._("You are {name}.", name=name_of(ctx.person, ctx.deployment.sealer))]
    if not ctx.memberships:
        lines.append(ctx._("Role: citizen."))
    for membership in ctx.memberships:
        role = audience_label(Audience(membership.role), ctx.t)
        unit = None
        if membership.unit_id is not None:
            found = await orgs.unit_in_org(ctx.session, membership.org_id, membership.unit_id)
            unit = found.name if found else None
        lines.append(
            ctx._("Role: {role}, unit: {unit}.", role=role, unit=unit)
            if unit
            else ctx._("Role: {role}.", role=role)
        )
    lines.append(ctx._("Language: {language}.", language=LANGUAGE_NAMES[ctx.t.locale]))
    ctx.reply("\n".join(lines))


async def choose_language(ctx: Context) -> None:
    """Offer the languages as buttons."""
    buttons = [
        [Button(LANGUAGE_NAMES[code], SetLanguage(Language(code)).data) for code in SUPPORTED]
    ]
    ctx.reply(ctx._("Choose your language:"), buttons)


async def set_language(ctx: Context) -> None:
    """Switch the person's language to the one on the pressed button."""
    code = str(ctx.payload_as(SetLanguage).language)
    await language.choose_language(ctx.operation(), person=ctx.person, language=code)
    ctx.t = Translator(code, ctx.deployment.settings.tz)
    ctx.outcome.roles_changed = True
    ctx.reply(ctx._("Language set to English."))


async def cancel_dialog(ctx: Context) -> None:
    """Leave the current dialog, if any."""
    if ctx.dialog is None:
        ctx.reply(ctx._("There is nothing to cancel."))
        return
    await ctx.end_dialog()
    ctx.reply(ctx._("Cancelled. Nothing was saved."))
