"""Leaders ask how the plan and the feedback stand, and get the period reports."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from bot.context import Context
from bot.dates import check_year
from bot.errors import NotFound
from bot.messages import Button
from bot.paging import PAGE_SIZE
from bot.periods import Period, current_quarter, label, parse_period
from bot.plans.preview import shorten
from bot.report_buttons import ReportPlan, ReportYear, StatusPlan
from bot.reports.delivery import period_report
from bot.reports.errors import NotInAUnit, UnknownUnit
from bot.reports.figures import Narrow, feedback_figures
from bot.reports.screen import feedback_screen, status_screen
from bot.reports.status import status_figures
from bot.roles import Audience
from bot.status_buttons import Dimension, StatusDimension
from db.models import Plan
from db.queries import orgs, plans, progress, reports

_YEAR: Final = re.compile(r"^[0-9]{4}$", re.ASCII)


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.deployment.settings.tz).date()


def _year(ctx: Context, year: int | None = None) -> Period:
    today = _today(ctx)
    return parse_period(str(today.year if year is None else year), today)


async def _plans(ctx: Context) -> list[Plan]:
    """The plans of the organization and those below it, the latest year first."""
    tree = [o for o, _, _ in await reports.org_tree(ctx.session, ctx.org_id)]
    return list(await plans.plans_in(ctx.session, tree))


async def _plan(ctx: Context, plan_id: int) -> Plan:
    """The plan a button names, if it is one the person may see."""
    for plan in await _plans(ctx):
        if plan.id == plan_id:
            return plan
    raise NotFound


def _plan_label(ctx: Context, plan: Plan) -> str:
    return ctx._("{title} ({year})", title=shorten(plan.title, 45), year=plan.year)[:60]


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
    if dimension := Dimension.from_text(words):
        return Narrow(dimension=str(dimension))
    unit = await orgs.unit_by_name(ctx.session, ctx.org_id, words)
    if unit is None:
        raise UnknownUnit(words)
    return Narrow(unit=unit.name)


async def show_status(ctx: Context) -> None:
    """Show the plans' tasks by state and dimension, the most overdue, and feedback figures:
    of this year, or of the year first named (``/status 2024``); with several plans, offer
    a button for each."""
    words = list(ctx.args)
    year = None
    if words and _YEAR.match(words[0]):
        year = check_year(int(words[0]), words[0])
        words = words[1:]
    narrow = await _narrow(ctx, " ".join(words).strip())
    await _status(ctx, narrow, _year(ctx, year), offer_plans=not ctx.args)


async def status_of_plan(ctx: Context) -> None:
    """Show the status of the plan on the pressed button (officials: their unit's part)."""
    plan = await _plan(ctx, ctx.payload_as(StatusPlan).plan)
    limit = await _narrow(ctx, "")
    narrow = Narrow(unit=limit.unit if limit else None, plan_id=plan.id)
    await _status(ctx, narrow, _year(ctx, plan.year), plan=plan)


async def drill_status(ctx: Context) -> None:
    """Narrow the status screen to the dimension on the pressed button."""
    dimension = ctx.payload_as(StatusDimension).dimension
    limit = await _narrow(ctx, "")  # an official stays inside their own unit
    narrow = Narrow(dimension=str(dimension), unit=limit.unit if limit else None)
    await _status(ctx, narrow, _year(ctx))


async def _status(
    ctx: Context,
    narrow: Narrow | None,
    year: Period,
    *,
    plan: Plan | None = None,
    offer_plans: bool = False,
) -> None:
    tz = ctx.deployment.settings.tz
    today = _today(ctx)
    org_ids = [o for o, _, _ in await reports.org_tree(ctx.session, ctx.org_id)]
    # A past year's screen shows the feedback of its last quarter, not today's.
    quarter = current_quarter(min(today, year.end))
    data = await status_figures(ctx.session, org_ids, year, quarter, today, tz, narrow)
    scope = ""
    if narrow is not None and (narrow.dimension or narrow.unit):
        scope = f" — {narrow.dimension or narrow.unit}"
    if plan is None:
        title = ctx._(
            "📊 Plan {year}{scope}, as of {date} (feedback: {quarter})",
            year=year.year,
            scope=scope,
            date=ctx.t.date(today),
            quarter=label(quarter, ctx.t),
        )
    else:
        title = ctx._(
            "📊 {plan} ({year}){scope}, as of {date} (feedback: {quarter})",
            plan=plan.title,
            year=year.year,
            scope=scope,
            date=ctx.t.date(today),
            quarter=label(quarter, ctx.t),
        )
    buttons: list[list[Button]] = []
    if narrow is None and year.year == today.year:
        dims = [d.dimension for d in data.tasks.by_dimension if d.dimension]
        buttons = [
            [Button(d, StatusDimension(Dimension(d)).data) for d in dims[i : i + 4]]
            for i in range(0, len(dims), 4)
        ]
    if offer_plans:
        # Only the buttons' worth: a province holds a plan per commune and year.
        found = await plans.plans_in(ctx.session, org_ids, PAGE_SIZE)
        if len(found) > 1:
            buttons += [
                [Button(_plan_label(ctx, p), StatusPlan(p.id).data)] for p in found[:PAGE_SIZE]
            ]
    ctx.reply(status_screen(data, title, ctx.t), buttons)


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
    """Send the report of a period: summary, chart, workbook and document.

    Without a period, offer the plans and their years as buttons.
    """
    if not ctx.args:
        found = await _plans(ctx)
        rows = [[Button(_plan_label(ctx, p), ReportPlan(p.id).data)] for p in found[:PAGE_SIZE]]
        years = sorted({p.year for p in found}, reverse=True)[:4]
        if years:
            rows.append([Button(ctx._("Year {year}", year=y), ReportYear(y).data) for y in years])
        ctx.reply(
            ctx._("Which period? For example /report Q3/2024, /report 6T/2024, /report 2024.")
            + ("\n" + ctx._("Or choose a plan or a year:") if rows else ""),
            rows,
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


async def report_of_plan(ctx: Context) -> None:
    """Send the year's report of the plan on the pressed button."""
    plan = await _plan(ctx, ctx.payload_as(ReportPlan).plan)
    ctx.reply(ctx._("The report below counts only the plan “{title}”.", title=plan.title))
    await _send(ctx, _year(ctx, plan.year), Narrow(plan_id=plan.id))


async def report_of_year(ctx: Context) -> None:
    """Send the report of the year on the pressed button."""
    year = ctx.payload_as(ReportYear).year
    await _send(ctx, _year(ctx, check_year(year, str(year))), None)


async def _send(ctx: Context, period: Period, narrow: Narrow | None) -> None:
    replies = await period_report(
        ctx.session,
        org_id=ctx.org_id,
        period=period,
        as_of=_today(ctx),
        tz=ctx.deployment.settings.tz,
        t=ctx.t,
        narrow=narrow,
    )
    ctx.outcome.replies.extend(replies)
