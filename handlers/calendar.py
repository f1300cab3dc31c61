"""Admins keep the local working-day calendar: extra days off and make-up working days."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.dates import parse_date
from bot.roles import Audience
from bot.workcal import load_calendar
from db.queries import calendar

NOTE_LIMIT = 300


async def list_calendar(ctx: Context) -> None:
    """Show the local overrides from a month ago on, and the next days off."""
    today = ctx.now.astimezone(ctx.deployment.settings.tz).date()
    overrides = await calendar.list_overrides(ctx.session, since=today - timedelta(days=31))
    lines = [ctx._("Local calendar changes:")] if overrides else []
    for override in overrides:
        kind = ctx._("working day") if override.working else ctx._("day off")
        lines.append(
            f"• {ctx.t.date(override.day)}: {kind}"
            + (f" — {override.note}" if override.note else "")
        )
    if not overrides:
        lines.append(ctx._("No local calendar changes."))
    cal = await load_calendar(ctx.session)
    upcoming = [today + timedelta(days=i) for i in range(1, 120)]
    holidays = [(d, cal.holiday_name(d, ctx.t)) for d in upcoming if d.weekday() < 5]
    named = [(d, name) for d, name in holidays if name][:8]
    if named:
        lines.append(ctx._("Next days off:"))
        lines += [f"• {ctx.t.date(d)}: {name}" for d, name in named]
    lines.append(ctx._("Change with /dayoff DATE [note], /workday DATE [note], /clearday DATE."))
    ctx.reply("\n".join(lines))


async def _may_change(ctx: Context) -> bool:
    """Whether the person administers the first organization: all share its calendar."""
    await ctx.act_in(ctx.deployment.root_org_id)
    if ctx.is_(Audience.ADMIN):
        return True
    ctx.reply(
        ctx._(
            "Every organization of this deployment shares one working-day calendar; only "
            "administrators of the first organization change it. Nothing was changed."
        )
    )
    return False


async def add_day_off(ctx: Context) -> None:
    """Make a date a day off: ``/dayoff 02/01/2026 nghỉ bù``."""
    await _set(ctx, working=False)


async def add_working_day(ctx: Context) -> None:
    """Make a date a working day: ``/workday 10/01/2026 làm bù``."""
    await _set(ctx, working=True)


async def clear_day(ctx: Context) -> None:
    """Drop a local change: ``/clearday 10/01/2026``."""
    if not await _may_change(ctx):
        return
    if not ctx.args:
        ctx.reply(ctx._("Which date? For example: /clearday 10/01/2026"))
        return
    day = parse_date(ctx.args[0])
    if not await calendar.clear_override(ctx.session, day):
        ctx.reply(ctx._("{date} has no local change.", date=ctx.t.date(day)))
        return
    await ctx.audit("calendar.cleared", "calendar", day.isoformat())
    ctx.reply(ctx._("{date} follows the national calendar again.", date=ctx.t.date(day)))


async def _set(ctx: Context, *, working: bool) -> None:
    if not await _may_change(ctx):
        return
    if not ctx.args:
        ctx.reply(ctx._("Which date? For example: /dayoff 02/01/2026 nghỉ bù"))
        return
    day = parse_date(ctx.args[0])
    note = " ".join(ctx.args[1:])[:NOTE_LIMIT]
    _, before = await calendar.set_override(
        ctx.session, day=day, working=working, note=note, actor_id=ctx.person.id, now=ctx.now
    )
    await ctx.audit(
        "calendar.set",
        "calendar",
        day.isoformat(),
        before=None if before is None else {"working": before},
        after={"working": working, "note": note},
    )
    if working:
        ctx.reply(ctx._("{date} is now a working day.", date=ctx.t.date(day)))
    else:
        ctx.reply(ctx._("{date} is now a day off.", date=ctx.t.date(day)))
