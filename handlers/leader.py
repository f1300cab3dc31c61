"""Leaders ask how the plan and the feedback stand, and get the period reports."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from bot.context import Context
from bot.messages import Button
from bot.periods import Period, current_quarter, label, parse_period
from bot.reports.delivery import period_report
from bot.reports.errors import NotInAUnit, UnknownUnit
from bot.reports.figures import Narrow, feedback_figures, status_figures
from bot.reports.screen import feedback_screen, status_screen
from bot.roles import Audience
from db.queries import orgs, progress, reports

_DIMENSION: Final = re.compile(r"^[dD]([1-8])$")


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.deployment.settings.tz).date()


def _year(ctx: Context) -> Period:
    today = _today(ctx)
    return parse_period(str(today.year), today)


async def _narrow(ctx: Context, words: str) -> Narrow | None:
    """What the person asked to narrow to, or what their role limits them to."""
    if not (ctx.is_(Audience.LEADER) or ctx.is_(Audience.ADMIN)):
        units = await progress.official_unit_ids(ctx.session, ctx.person.id, ctx.org_id)
        names = await reports.unit_names(ctx.session, [ctx.org_id])
        mine = sorted(names[u] for u in units if u in names)
        if not mine:
            raise NotInAUnit
        return Narrow(unit=mine[0])
    if not words:
        return None
    if match := _DIMENSION.match(words):
        return Narrow(dimension=f"D{match.group(1)}")
    unit = await orgs.unit_by_name(ctx.session, ctx.org_id, words)
    if unit is None:
        raise UnknownUnit(words)
    return Narrow(unit=unit.name)


async def show_status(ctx: Context) -> None:
    """Show the plan's tasks by state and dimension, the most overdue, and feedback figures."""
    await _status(ctx, await _narrow(ctx, " ".join(ctx.args).strip()))


async def drill_status(ctx: Context) -> None:
    """Narrow the status screen to the dimension on the pressed button."""
    code = ctx.args[0] if ctx.args else ""
    if not _DIMENSION.match(code):
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return
    limit = await _narrow(ctx, "")  # an official stays inside their own unit
    await _status(ctx, Narrow(dimension=code.upper(), unit=limit.unit if limit else None))


async def _status(ctx: Context, narrow: Narrow | None) -> None:
    tz = ctx.deployment.settings.tz
    today = _today(ctx)
    year = _year(ctx)
    org_ids = [o for o, _, _ in await reports.org_tree(ctx.session, ctx.org_id)]
    quarter = current_quarter(today)
    data = await status_figures(ctx.session, org_ids, year, quarter, today, tz, narrow)
    scope = ""
    if narrow is not None:
        scope = f" — {narrow.dimension or narrow.unit}"
    title = ctx._(
        "📊 Plan {year}{scope}, as of {date} (feedback: {quarter})",
        year=year.year,
        scope=scope,
        date=ctx.t.date(today),
        quarter=label(quarter, ctx.t),
    )
    dims = [d.dimension for d in data.tasks.by_dimension if d.dimension]
    buttons = [
        [Button(d, f"status:dim:{d}") for d in dims[i : i + 4]] for i in range(0, len(dims), 4)
    ]
    ctx.reply(status_screen(data, title, ctx.t), buttons if narrow is None else [])


async def show_feedback_stats(ctx: Context) -> None:
    """Show feedback figures of a period (default: this quarter); officials see their unit's."""
    today = _today(ctx)
    text = " ".join(ctx.args).strip()
    period = parse_period(text, today) if text else current_quarter(today)
    narrow = await _narrow(ctx, "")
    tree = await reports.org_tree(ctx.session, ctx.org_id)
    data = await feedback_figures(
        ctx.session, [o for o, _, _ in tree], period, ctx.deployment.settings.tz, narrow
    )
    title = (
        ctx._("Feedback, {period}", period=label(period, ctx.t))
        if narrow is None
        else ctx._("Feedback, {period} — {unit}", period=label(period, ctx.t), unit=narrow.unit)
    )
    ctx.reply(feedback_screen(data, title, ctx.t))


async def send_report(ctx: Context) -> None:
    """Send the report of a period: summary, chart, workbook and document."""
    if not ctx.args:
        ctx.reply(
            ctx._("Which period? For example /report Q3/2024, /report 6T/2024, /report 2024.")
        )
        return
    closing = ctx.args[-1].lower() in {"closing", "tt02", "chot"}
    words = " ".join(ctx.args[:-1] if closing else ctx.args)
    period = parse_period(words, _today(ctx), closing=closing)
    replies = await period_report(
        ctx.session,
        org_id=ctx.org_id,
        period=period,
        as_of=_today(ctx),
        tz=ctx.deployment.settings.tz,
        t=ctx.t,
    )
    ctx.outcome.replies.extend(replies)
