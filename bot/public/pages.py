"""The commune's public pages: home, questions and answers, the plan, the figures, lookup.

Every page reads through the same visibility rules as the chat (``db.queries.cases.published``)
and the same figures as ``/report``; what a page computes is cached briefly per organization,
page, choice and language, so a crowd of visitors costs one computation.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.feedback.catalog import TOPICS, normalize_code, topic_label
from bot.feedback.links import FEEDBACK_START
from bot.feedback.views import status_label
from bot.i18n import Translator
from bot.invites import deep_link
from bot.papi import DIMENSIONS
from bot.periods import Period, current_quarter, label, parse_period, quarter
from bot.public.deps import PublicDeps
from bot.public.limits import TooMany, client_key
from bot.public.render import page, translator_for
from bot.reports.charts import render_chart
from bot.reports.figures import figures, task_figures, task_scope
from bot.reports.model import ReportFigures
from bot.tasks.standing import DATED, STATES, undated_standing
from db.models import Case, CaseStatus, Standing
from db.queries import public, reports

PAGE_SIZE: Final = 20
WORDS_LIMIT: Final = 100
TASKS_SHOWN: Final = 300
QUARTERS_BACK: Final = 8


@dataclass(frozen=True, slots=True)
class Org:
    """The organization a page is about and the ones below it."""

    id: int
    name: str
    ids: tuple[int, ...]


def _today(deps: PublicDeps) -> date:
    return deps.clock.now().astimezone(deps.settings.tz).date()


class _NoSuchOrg(Exception):
    """The address names no organization (not cached, so it cannot fill the cache)."""


async def _org(deps: PublicDeps, org_id: int) -> Org:
    async def load() -> Org:
        async with deps.sessions() as session:
            tree = await reports.org_tree(session, org_id)
        if not tree:
            raise _NoSuchOrg
        return Org(org_id, tree[0][1], tuple(o for o, _, _ in tree))

    try:
        found: Org = (await deps.cache.get(("org", org_id), load)).value
    except _NoSuchOrg:
        raise HTTPException(404) from None
    return found


def _chat_links(deps: PublicDeps) -> dict[str, str]:
    links = {}
    if deps.settings.zalo_oa_url:
        links["zalo"] = deps.settings.zalo_oa_url
    if deps.bot_username:
        links["telegram"] = deep_link(deps.bot_username, FEEDBACK_START)
    return links


async def root(deps: PublicDeps, request: Request) -> Response:
    """The deployment's own organization's home page."""
    target = request.url_for("home", org=deps.root_org_id)
    lang = request.query_params.get("lang")
    return RedirectResponse(f"{target}?lang={lang}" if lang in {"vi", "en"} else str(target))


async def home(deps: PublicDeps, request: Request) -> Response:
    """What the QR code opens: the four pages and the chat channels."""
    org = await _org(deps, request.path_params["org"])
    t = translator_for(request, deps.settings)
    return page(request, "home.html", t, org=org, chats=_chat_links(deps), now=deps.clock.now())


def _month_range(text: str, deps: PublicDeps) -> tuple[datetime, datetime] | None:
    try:
        first = datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return None
    after = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    tz = deps.settings.tz
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(
        after, time.min, tzinfo=tz
    )


def _page_number(text: str) -> int:
    if not text:
        return 1
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 10_000:
        raise HTTPException(400)
    return int(text)


async def questions(deps: PublicDeps, request: Request) -> Response:
    """Published questions and answers, searchable by words, by topic and by month."""
    org = await _org(deps, request.path_params["org"])
    t = translator_for(request, deps.settings)
    params = request.query_params
    words = " ".join(params.get("q", "").split())
    topic = params.get("topic", "") or None
    month = params.get("month", "")
    number = _page_number(params.get("page", ""))
    months = _month_range(month, deps) if month else None
    bad = len(words) > WORDS_LIMIT or (topic is not None and topic not in TOPICS)
    if bad or (month and months is None):
        return page(
            request,
            "error.html",
            t,
            status_code=400,
            cacheable=False,
            org=org,
            message=t._("That search cannot be understood. Please change it and try again."),
        )
    wanted = public.QuestionFilter(
        words=words,
        topic=topic,
        answered_from=months[0] if months else None,
        answered_before=months[1] if months else None,
    )

    async def load() -> dict[str, Any]:
        async with deps.sessions() as session:
            total, found = await public.published_questions(
                session, org.ids, wanted, (number - 1) * PAGE_SIZE, PAGE_SIZE
            )
            topics = await public.published_topics(session, org.ids)
        return {"total": total, "items": [_question(c) for c in found], "topics": topics}

    cached = await deps.searches.get(("questions", org.id, wanted, number), load)
    data = cached.value
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    today = _today(deps)
    month_choices = [
        (f"{y:04d}-{m:02d}", t.date(date(y, m, 1), "MM/y"))
        for y, m in (
            ((today.year * 12 + today.month - 1 - i) // 12, (today.month - 1 - i) % 12 + 1)
            for i in range(12)
        )
    ]
    return page(
        request,
        "questions.html",
        t,
        org=org,
        computed_at=cached.computed_at,
        total=data["total"],
        items=data["items"],
        topics=[(k, topic_label(k, t)) for k in TOPICS],
        used_topics=data["topics"],
        months=month_choices,
        words=words,
        topic=topic or "",
        month=month,
        number=number,
        pages=pages,
        topic_label=topic_label,
    )


def _question(case: Case) -> dict[str, Any]:
    """What the page shows of a published case: never the sender, the contact or the place."""
    return {
        "code": case.code,
        "topic": case.topic,
        "question": case.text,
        "answer": case.answer or "",
        "answered_at": case.answered_at,
    }


async def plan(deps: PublicDeps, request: Request) -> Response:
    """The year's plan: tasks by PAPI dimension with their unit, due date, state and progress."""
    org = await _org(deps, request.path_params["org"])
    t = translator_for(request, deps.settings)
    raw = request.query_params.get("year", "")
    this_year = _today(deps).year
    if raw and not (raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= this_year + 1):
        return page(
            request,
            "error.html",
            t,
            status_code=400,
            cacheable=False,
            org=org,
            message=t._("There is no plan for that year."),
        )
    year = int(raw) if raw else this_year

    async def load() -> dict[str, Any]:
        today = _today(deps)
        period = parse_period(str(year), today)
        tz = deps.settings.tz
        async with deps.sessions() as session:
            counts = await task_figures(session, org.ids, period, today, tz, details=False)
            scope = task_scope(org.ids, period, today, tz, None)
            rows = await reports.occurrences(session, scope, DATED)
            undated = await public.undated_tasks(session, org.ids, year)
            years = await public.plan_years(session, org.ids)
        tasks: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for row in rows[:TASKS_SHOWN]:
            tasks[row.dimension].append(
                {
                    "code": row.code,
                    "text": row.text,
                    "unit": row.unit,
                    "due": row.due,
                    "state": row.state,
                    "done_on": row.done_on,
                }
            )
        for task in undated[:TASKS_SHOWN]:
            state = undated_standing(task.kind)
            tasks[task.dimension].append(
                {
                    "code": task.code,
                    "text": task.text,
                    "unit": task.unit,
                    "due": None,
                    "state": state,
                    "done_on": None,
                }
            )
        return {
            "counts": counts,
            "tasks": dict(tasks),
            "hidden": max(0, len(rows) - TASKS_SHOWN) + max(0, len(undated) - TASKS_SHOWN),
            "years": sorted({y for y, _ in years} | {this_year}, reverse=True),
            "titles": sorted({title for y, title in years if y == year}),
        }

    cached = await deps.cache.get(("plan", org.id, year), load)
    return page(
        request,
        "plan.html",
        t,
        org=org,
        year=year,
        computed_at=cached.computed_at,
        dimension_names=_dimension_names(t),
        state_labels=_state_labels(t),
        **cached.value,
    )


def _dimension_names(t: Translator) -> dict[str, str]:
    return {dimension.code: dimension.name(t.locale) for dimension in DIMENSIONS}


def _state_labels(t: Translator) -> dict[str, str]:
    return {
        Standing.DONE_ON_TIME: t._("done on time"),
        Standing.DONE_LATE: t._("done late"),
        Standing.OVERDUE: t._("overdue"),
        Standing.DUE_SOON: t._("due soon"),
        Standing.PENDING: t._("not due yet"),
        Standing.ONGOING: t._("ongoing"),
        Standing.WAITING_EVENT: t._("waiting for an event"),
        Standing.UNDATED: t._("no date set"),
    }


def _period_choices(today: date) -> list[Period]:
    now = current_quarter(today)
    index = now.year * 4 + now.quarter - 1
    quarters = [quarter((index - i) // 4, (index - i) % 4 + 1) for i in range(QUARTERS_BACK)]
    return [
        *quarters,
        parse_period(str(today.year), today),
        parse_period(str(today.year - 1), today),
    ]


def _chosen_period(deps: PublicDeps, request: Request) -> Period | None:
    today = _today(deps)
    choices = {p.code: p for p in _period_choices(today)}
    raw = request.query_params.get("period", "")
    if not raw:
        return current_quarter(today)
    return choices.get(raw)


async def _figures(deps: PublicDeps, org: Org, period: Period) -> Any:
    async def load() -> ReportFigures:
        async with deps.sessions() as session:
            return await figures(
                session,
                org_id=org.id,
                period=period,
                as_of=_today(deps),
                tz=deps.settings.tz,
            )

    return await deps.cache.get(("figures", org.id, period.code), load)


async def numbers(deps: PublicDeps, request: Request) -> Response:
    """The period's figures, the same numbers as ``/report``, with the report's chart."""
    org = await _org(deps, request.path_params["org"])
    t = translator_for(request, deps.settings)
    period = _chosen_period(deps, request)
    if period is None:
        return page(
            request,
            "error.html",
            t,
            status_code=400,
            cacheable=False,
            org=org,
            message=t._("Figures are shown for the last eight quarters and the last two years."),
        )
    cached = await _figures(deps, org, period)
    data = cached.value
    return page(
        request,
        "numbers.html",
        t,
        org=org,
        period=period,
        period_label=label(period, t),
        periods=[(p.code, label(p, t)) for p in _period_choices(_today(deps))],
        computed_at=cached.computed_at,
        tasks=data.tasks,
        feedback=data.feedback,
        dimension_names=_dimension_names(t),
        topic_label=topic_label,
        states=STATES,
        state_labels=_state_labels(t),
    )


async def chart(deps: PublicDeps, request: Request) -> Response:
    """The report's chart of the period as a PNG."""
    org = await _org(deps, request.path_params["org"])
    t = translator_for(request, deps.settings)
    period = _chosen_period(deps, request)
    if period is None:
        raise HTTPException(400)
    data = (await _figures(deps, org, period)).value

    async def draw() -> bytes:
        return await asyncio.to_thread(render_chart, data, t)

    png = (await deps.cache.get(("chart", org.id, period.code, t.locale), draw)).value
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=60"})


async def lookup(deps: PublicDeps, request: Request) -> Response:
    """A case's state by its tracking code: nothing personal, an answer only if published."""
    org = await _org(deps, request.path_params["org"])
    t = translator_for(request, deps.settings)
    raw = request.query_params.get("code", "")
    if not raw:
        return page(request, "lookup.html", t, org=org, code="", found=None, asked=False)
    code = normalize_code(raw[:40])
    if code is None:
        return page(
            request,
            "lookup.html",
            t,
            status_code=400,
            cacheable=False,
            org=org,
            code=raw[:40],
            found=None,
            asked=True,
            problem=t._("A tracking code looks like PA-2026-00042."),
        )
    try:
        deps.lookups.hit(client_key(request))
    except TooMany as exc:
        response = page(
            request,
            "lookup.html",
            t,
            status_code=429,
            cacheable=False,
            org=org,
            code=code,
            found=None,
            asked=True,
            problem=t._("Too many lookups from your connection. Please wait a few minutes."),
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    async with deps.sessions() as session:
        case = await public.case_for_lookup(session, code, org.ids)
        shown = None if case is None else _lookup_view(case, t)
    return page(
        request,
        "lookup.html",
        t,
        status_code=200 if shown else 404,
        cacheable=False,
        org=org,
        code=code,
        found=shown,
        asked=True,
        now=deps.clock.now(),
    )


def _lookup_view(case: Case, t: Translator) -> dict[str, Any]:
    published = case.published_at is not None and case.publishable and case.answer
    return {
        "code": case.code,
        "topic": topic_label(case.topic, t),
        "status": status_label(case.status, t),
        "received": t.date(case.received_at.astimezone(t.tz).date()),
        "answer_due": t.date(case.answer_due) if case.answer_due else None,
        "answered": t.date(case.answered_at.astimezone(t.tz).date()) if case.answered_at else None,
        "answer": case.answer if published else None,
        "answered_privately": case.status in {CaseStatus.ANSWERED, CaseStatus.CLOSED}
        and not published,
    }
