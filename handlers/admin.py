"""What the office's administrators do: invite people and keep the unit directory."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.invite_buttons import InvitePage, InviteUnit
from bot.invites import deep_link
from bot.messages import Button
from bot.paging import page_of, paged_buttons
from bot.roles import Audience, audience_label
from db.models import Role, Unit
from db.queries import invites, orgs

UNIT_FLOW = "addunit"
NAME_LIMIT = 200
ALIASES_LIMIT = 10


async def issue_invite(ctx: Context) -> None:
    """Create an invite: ``/invite admin|leader`` or ``/invite official <unit>``; else ask."""
    if not ctx.args:
        ctx.reply(ctx._("Who is the invite for?"), _role_buttons(ctx))
        return
    role_word, unit_name = ctx.args[0].lower(), " ".join(ctx.args[1:])
    if role_word not in {r.value for r in Role}:
        ctx.reply(ctx._("Unknown role. Choose one:"), _role_buttons(ctx))
        return
    role = Role(role_word)
    if role is not Role.OFFICIAL:
        await _send_invite(ctx, role, None)
        return
    if not unit_name:
        await _ask_unit(ctx, page=0)
        return
    unit = await orgs.unit_by_name(ctx.session, ctx.org_id, unit_name)
    if unit is None:
        ctx.reply(ctx._("There is no unit called “{name}”.", name=unit_name))
        await _ask_unit(ctx, page=0)
        return
    await _send_invite(ctx, role, unit)


async def pick_invite_role(ctx: Context) -> None:
    """Continue an invite after the role button was pressed."""
    if not ctx.args or ctx.args[0] not in {r.value for r in Role}:
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return
    role = Role(ctx.args[0])
    if role is Role.OFFICIAL:
        await _ask_unit(ctx, page=0)
    else:
        await _send_invite(ctx, role, None)


async def pick_invite_unit(ctx: Context) -> None:
    """Finish an official's invite after the unit button was pressed."""
    unit = await orgs.unit_in_org(ctx.session, ctx.org_id, ctx.payload_as(InviteUnit).unit)
    if unit is None:
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return
    await _send_invite(ctx, Role.OFFICIAL, unit)


async def page_invite_units(ctx: Context) -> None:
    """Show another page of units to invite an official into."""
    await _ask_unit(ctx, page=ctx.payload_as(InvitePage).page)


async def list_units(ctx: Context) -> None:
    """List the organization's units."""
    units = await orgs.list_units(ctx.session, ctx.org_id)
    if not units:
        ctx.reply(ctx._("No units yet. Add one with /addunit."))
        return
    lines = [ctx._("Units:")]
    for unit in units:
        aliases = ", ".join(a.alias for a in unit.aliases)
        lines.append(f"• {unit.name}" + (f" ({aliases})" if aliases else ""))
    ctx.reply("\n".join(lines))


async def add_unit(ctx: Context) -> None:
    """Add a unit: ``/addunit <name>`` directly, or step by step."""
    name = " ".join(ctx.args).strip()
    if name:
        await _save_unit(ctx, name, [])
        return
    await ctx.start_dialog(UNIT_FLOW, "name")
    ctx.reply(ctx._("Send the unit's full name (or /cancel)."))


async def receive_unit_name(ctx: Context) -> None:
    """Take the unit's name and ask for other names it goes by."""
    name = " ".join((ctx.incoming.text or "").split())
    problem = await _name_problem(ctx, name)
    if problem:
        ctx.reply(problem)
        return
    await ctx.move_dialog("aliases", name=name)
    ctx.reply(
        ctx._(
            "Other names or abbreviations of “{name}” used in plans, separated by “;” "
            "(or send - for none):",
            name=name,
        )
    )


async def receive_unit_aliases(ctx: Context) -> None:
    """Take the aliases and save the unit."""
    if ctx.dialog is None:
        return
    raw = (ctx.incoming.text or "").strip()
    aliases = [] if raw in {"", "-"} else [" ".join(a.split()) for a in raw.split(";")]
    aliases = [a[:NAME_LIMIT] for a in aliases if a][:ALIASES_LIMIT]
    name = str(ctx.dialog.data["name"])
    await ctx.end_dialog()
    await _save_unit(ctx, name, aliases)


async def _name_problem(ctx: Context, name: str) -> str | None:
    if not name or name.startswith("/"):
        return ctx._("Please send the unit's name as text (or /cancel).")
    if len(name) > NAME_LIMIT:
        return ctx._("That name is too long (at most {limit} characters).", limit=NAME_LIMIT)
    if not orgs.name_key(name):
        return ctx._("Please send the unit's name as text (or /cancel).")
    if await orgs.unit_by_name(ctx.session, ctx.org_id, name) is not None:
        return ctx._("A unit called “{name}” already exists.", name=name)
    return None


async def _save_unit(ctx: Context, name: str, aliases: list[str]) -> None:
    name = " ".join(name.split())
    problem = await _name_problem(ctx, name)
    if problem:
        ctx.reply(problem)
        return
    free: list[str] = []
    for alias in aliases:
        key = orgs.name_key(alias)
        if (
            key
            and key not in {orgs.name_key(a) for a in free}
            and await orgs.unit_by_name(ctx.session, ctx.org_id, alias) is None
        ):
            free.append(alias)
    unit = await orgs.add_unit(ctx.session, org_id=ctx.org_id, name=name, aliases=free, now=ctx.now)
    await ctx.audit("unit.created", "unit", unit.id, after={"name": name, "aliases": free})
    ctx.reply(ctx._("Unit “{name}” added.", name=name))


async def _ask_unit(ctx: Context, page: int) -> None:
    units = list(await orgs.list_units(ctx.session, ctx.org_id))
    if not units:
        ctx.reply(ctx._("No units yet. Add one with /addunit."))
        return
    rows = paged_buttons(
        page_of(units, page),
        lambda u: Button(u.name[:60], InviteUnit(u.id).data),
        lambda n: InvitePage(n).data,
    )
    ctx.reply(ctx._("Which unit will the official work in?"), rows)


async def _send_invite(ctx: Context, role: Role, unit: Unit | None) -> None:
    settings = ctx.deployment.settings
    invite, code = await invites.create_invite(
        ctx.session,
        org_id=ctx.org_id,
        role=role,
        unit_id=unit.id if unit else None,
        created_by=ctx.person.id,
        now=ctx.now,
        ttl=timedelta(days=settings.invite_ttl_days),
    )
    await ctx.audit(
        "invite.created",
        "invite",
        invite.id,
        after={
            "role": role.value,
            "unit_id": invite.unit_id,
            "expires_at": invite.expires_at.isoformat(),
        },
    )
    role_name = audience_label(Audience(role), ctx.t)
    lines = [
        ctx._("Invite for a new {role}", role=role_name)
        + (f" — {unit.name}" if unit else "")
        + ":",
        ctx._("Code: {code}", code=code),
        ctx._(
            "They send /start {code} to the bot. The code works once and expires on {date}.",
            code=code,
            date=ctx.t.datetime(invite.expires_at),
        ),
    ]
    if ctx.deployment.bot_username:
        lines.append(deep_link(ctx.deployment.bot_username, code))
    ctx.reply("\n".join(lines))


def _role_buttons(ctx: Context) -> list[list[Button]]:
    return [
        [Button(audience_label(Audience(r), ctx.t), f"invite:role:{r.value}")]
        for r in (Role.OFFICIAL, Role.LEADER, Role.ADMIN)
    ]
