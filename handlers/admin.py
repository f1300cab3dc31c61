"""What the office's administrators do: invite people and keep the unit directory."""

from __future__ import annotations

from datetime import timedelta

from bot import invites, units
from bot import orgs as org_ops
from bot.channels.zalo_oa import CHANNEL as ZALO
from bot.channels.zalo_oa.window import cost_text, month_costs, months_between
from bot.context import Context
from bot.invite_buttons import InvitePage, InviteRole, InviteUnit
from bot.invites import deep_link
from bot.messages import Button
from bot.numbers import parse_id
from bot.paging import page_of, paged_buttons
from bot.roles import Audience, audience_label
from db.models import Role, Unit
from db.queries import orgs

UNIT_FLOW = "addunit"
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
    try:
        unit = await units.find_unit(ctx.session, ctx.org_id, unit_name)
    except units.UnitError as exc:
        ctx.reply(exc.message(ctx.t))
        await _ask_unit(ctx, page=0)
        return
    await _send_invite(ctx, role, unit)


async def pick_invite_role(ctx: Context) -> None:
    """Continue an invite after the role button was pressed."""
    role = ctx.payload_as(InviteRole).role
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
    aliases = [a for a in aliases if a][:ALIASES_LIMIT]
    name = str(ctx.dialog.data["name"])
    await ctx.end_dialog()
    await _save_unit(ctx, name, aliases)


async def _name_problem(ctx: Context, name: str) -> str | None:
    try:
        name = units.clean_name(name)
    except units.UnitError as exc:
        return exc.message(ctx.t)
    if await orgs.unit_by_name(ctx.session, ctx.org_id, name) is not None:
        return ctx._("A unit called “{name}” already exists.", name=name)
    return None


def _actor(ctx: Context) -> units.Actor:
    return units.Actor(ctx.org_id, ctx.person.id, ctx.now)


async def _save_unit(ctx: Context, name: str, aliases: list[str]) -> None:
    try:
        added = await units.add_unit(ctx.session, _actor(ctx), name, aliases)
    except units.UnitError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    ctx.reply(ctx._("Unit “{name}” added.", name=added.name))


def _two_names(ctx: Context) -> tuple[str, str] | None:
    left, sep, right = " ".join(ctx.args).partition("=")
    left, right = left.strip(), right.strip()
    return (left, right) if sep and left and right else None


async def rename_unit(ctx: Context) -> None:
    """Rename a unit: ``/renameunit <name> = <new name>``."""
    names = _two_names(ctx)
    if names is None:
        ctx.reply(ctx._("Write: /renameunit current name = new name"))
        return
    try:
        unit = await units.find_unit(ctx.session, ctx.org_id, names[0])
        renamed = await units.rename_unit(ctx.session, _actor(ctx), unit, names[1])
    except units.UnitError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    ctx.reply(
        ctx._(
            "“{old}” is now called “{name}”; plans may still use the old name.",
            old=renamed.old_name,
            name=renamed.name,
        )
    )


async def merge_unit(ctx: Context) -> None:
    """Merge two units: ``/mergeunit <unit that goes> = <unit that stays>``."""
    names = _two_names(ctx)
    if names is None:
        ctx.reply(ctx._("Write: /mergeunit unit that goes away = unit that stays"))
        return
    try:
        source = await units.find_unit(ctx.session, ctx.org_id, names[0])
        target = await units.find_unit(ctx.session, ctx.org_id, names[1])
        merged = await units.merge_units(ctx.session, _actor(ctx), source, target)
    except units.UnitError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    await ctx.replan()
    ctx.reply(
        ctx._(
            "“{source}” was merged into “{target}”: {tasks} tasks, {people} people and "
            "{cases} cases moved.",
            source=merged.source_name,
            target=merged.target_name,
            tasks=merged.moved.get("tasks", 0),
            people=merged.moved.get("memberships", 0),
            cases=merged.moved.get("cases", 0),
        )
    )


async def delete_unit(ctx: Context) -> None:
    """Delete a unit nothing refers to: ``/delunit <name>``."""
    name = " ".join(ctx.args).strip()
    if not name:
        ctx.reply(ctx._("Write: /delunit unit name"))
        return
    try:
        unit = await units.find_unit(ctx.session, ctx.org_id, name)
        deleted = await units.delete_unit(ctx.session, _actor(ctx), unit)
    except units.UnitError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    ctx.reply(ctx._("Unit “{name}” deleted.", name=deleted.name))


async def alias_unit(ctx: Context) -> None:
    """Give a unit other names: ``/aliasunit <name> = <alias>; <alias>``."""
    names = _two_names(ctx)
    if names is None:
        ctx.reply(ctx._("Write: /aliasunit unit name = other name; other name"))
        return
    aliases = [a.strip() for a in names[1].split(";") if a.strip()]
    try:
        unit = await units.find_unit(ctx.session, ctx.org_id, names[0])
        added = await units.add_aliases(ctx.session, _actor(ctx), unit, aliases)
    except units.UnitError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    ctx.reply(
        ctx.t.ngettext(
            "“{name}” got {n} new alias.",
            "“{name}” got {n} new aliases.",
            len(added.added),
            name=added.name,
        )
    )


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
        [Button(audience_label(Audience(r), ctx.t), InviteRole(r).data)]
        for r in (Role.OFFICIAL, Role.LEADER, Role.ADMIN)
    ]


def _int_arg(ctx: Context, index: int) -> int | None:
    if len(ctx.args) <= index:
        return None
    return parse_id(ctx.args[index], digits=11)


async def rename_org(ctx: Context) -> None:
    """Show or set the commune's name: ``/orgname UBND xã Hòa An``."""
    name = " ".join(ctx.args).strip()
    if not name:
        current = await orgs.org_name(ctx.session, ctx.org_id)
        ctx.reply(
            ctx._(
                "The commune is called “{name}”. To change it, write: /orgname new name",
                name=current,
            )
        )
        return
    try:
        renamed = await org_ops.rename_org(
            ctx.session, org_id=ctx.org_id, name=name, actor_id=ctx.person.id, now=ctx.now
        )
    except org_ops.OrgNameError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    ctx.reply(ctx._("The commune is now called “{name}”.", name=renamed.name))


async def zalo_cost(ctx: Context) -> None:
    """Show the Zalo messages of this month and the last, by class, with their estimated cost."""
    settings = ctx.deployment.settings
    today = ctx.now.astimezone(settings.tz).date()
    months = months_between(today - timedelta(days=31), today)[-2:]
    costs = await month_costs(ctx.session, ZALO, months)
    ctx.reply("\n".join(cost_text(item, ctx.t) for item in reversed(costs)))
