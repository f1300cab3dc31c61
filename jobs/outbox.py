"""The outbox sweep: claim what is due, bundle it per person, send it, settle it."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import Deferred, Sender, TemporaryFailure, Unreachable
from bot.channels.notices import PersonUnreachable, Undelivered
from bot.clock import Clock
from bot.feedback import contact_request
from bot.i18n import Translator
from bot.messages import Reply
from bot.people.notices import ACCOUNT_NOTICE
from bot.periods import PeriodError, parse_period
from bot.public.metrics import timed_sweep
from bot.reminders.ladder import in_working_hours
from bot.reminders.locales import chosen_locale, chosen_locales, route_locale
from bot.reminders.notice_kinds import read_notice
from bot.reminders.notices import BadNotice, notify
from bot.reminders.policy import policy_from
from bot.reminders.render import Rendered, Row, render_bundle
from bot.reminders.stored import stored_id
from bot.reports.delivery import period_report, weekly_summary
from bot.reports.notices import report_failed
from bot.workcal import WorkCalendar, load_calendar
from db.models import OutboxMessage, OutboxStatus
from db.queries import outbox, reach, reminders

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(slots=True)
class SweepStats:
    """What one sweep did."""

    messages: int = 0
    rows: int = 0
    stale: int = 0
    retried: int = 0
    held: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Subjects:
    """What the rows of one batch refer to, read once for all its people."""

    occurrences: dict[int, reminders.Subject]
    tasks: dict[int, reminders.Subject]
    cases: dict[int, reminders.CaseSubject]
    undated: dict[int, int]
    locales: dict[int, str | None]  # the language each person chose, if any
    routes: dict[int, list[reach.Route]]


class Sweeper:
    """Sends due outbox rows; safe to run in several processes at once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        senders: Mapping[str, Sender],
        tz: ZoneInfo,
        *,
        worker: str,
        default_locale: str = "vi",
        batch: int = 30,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._senders = senders
        self._tz = tz
        self._worker = worker
        self._default_locale = default_locale
        self._batch = batch

    @timed_sweep
    async def sweep(self) -> SweepStats:
        """Send everything due now, person by person, until nothing due is left."""
        stats = SweepStats()
        now = self._clock.now()
        async with self._sessions() as session:
            cal = await load_calendar(session)
            policies = await reminders.org_policies(session)
        local = now.astimezone(self._tz)
        open_orgs = {
            org for org, data in policies.items() if in_working_hours(local, cal, policy_from(data))
        }
        # Out of every organization's hours only account notices go: security warnings.
        scope = outbox.Scope(
            frozenset(self._senders),
            frozenset(open_orgs),
            frozenset() if open_orgs else frozenset({ACCOUNT_NOTICE}),
        )
        # People whose rows another worker holds right now; look past them, not stop.
        taken: set[int] = set()
        while True:
            async with self._sessions.begin() as session:
                people = await outbox.due_people(session, now, LEASE, self._batch, scope, taken)
                rows = await outbox.claim(
                    session,
                    person_ids=people,
                    worker=self._worker,
                    now=now,
                    lease=LEASE,
                    scope=scope,
                )
            if not people:
                return stats
            taken.update(set(people) - {r.person_id for r in rows})
            by_person: dict[int, list[OutboxMessage]] = defaultdict(list)
            for row in rows:
                by_person[row.person_id].append(row)
            subjects = await self._subjects(rows)
            settled: dict[OutboxStatus, list[int]] = defaultdict(list)
            await asyncio.gather(
                *(
                    self._deliver_apart(person, prows, now, cal, stats, subjects, settled)
                    for person, prows in by_person.items()
                )
            )
            # One transaction settles the batch's sent and stale rows, not one per person.
            if settled:
                async with self._sessions.begin() as session:
                    for status, ids in settled.items():
                        await outbox.settle(session, ids, status, now=now, worker=self._worker)
            if len(people) < self._batch:
                return stats

    async def _subjects(self, rows: Sequence[OutboxMessage]) -> _Subjects:
        """What a batch's reminders are about, its people's languages and channels, in one
        session."""
        async with self._sessions() as session:
            routes = await reach.routes_for(session, {r.person_id for r in rows}, self._senders)
            rows = [r for r in rows if r.kind not in outbox.REPORT_KINDS]
            if not rows:
                return _Subjects({}, {}, {}, {}, {}, routes)
            # A row without a usable id reads nothing here; rendering cancels it.
            occurrence_ids = _ids(rows, {"reminder"}, "occurrence")
            task_ids = _ids(rows, {"checkin", "event_check"}, "task")
            occurrences, tasks = await reminders.subjects(session, occurrence_ids, task_ids)
            # Notices about a case are checked too: one that moved on is not announced.
            case_ids = _ids(rows, {"case_reminder", "notice"}, "case")
            cases = await reminders.case_subjects(session, case_ids)
            undated_orgs = {r.org_id for r in rows if r.kind == "undated" and r.org_id}
            undated = {o: await reminders.undated_count(session, o) for o in undated_orgs}
            locales = await chosen_locales(session, {r.person_id for r in rows})
        return _Subjects(occurrences, tasks, cases, undated, locales, routes)

    async def _settle(
        self,
        ids: Sequence[int],
        status: OutboxStatus,
        now: datetime,
        error: str | None = None,
        retry_at: datetime | None = None,
        counted: bool = True,
    ) -> None:
        if ids:
            async with self._sessions.begin() as session:
                await outbox.settle(
                    session,
                    ids,
                    status,
                    now=now,
                    worker=self._worker,
                    error=error,
                    retry_at=retry_at,
                    failed_attempt=counted,
                )

    async def _deliver_apart(
        self,
        person: int,
        rows: list[OutboxMessage],
        now: datetime,
        cal: WorkCalendar,
        stats: SweepStats,
        subjects: _Subjects,
        settled: dict[OutboxStatus, list[int]],
    ) -> None:
        """Deliver one person's rows; whatever goes wrong with them is theirs alone.

        Their bundled rows are tried again later (and given up on, with the admins told;
        a report or other solo row settles itself, see ``_solo_broke``), while the rest of
        the batch goes out and is settled as usual.
        """
        try:
            await self._deliver(person, rows, now, cal, stats, subjects, settled)
        except Exception as exc:
            log.error("outbox rows of person %d failed: %s", person, type(exc).__name__)
            done = {i for ids in settled.values() for i in ids}
            left = [r for r in rows if r.id not in done and r.kind not in outbox.SOLO_KINDS]
            if left:
                await self._retry([r.id for r in left], left, now, type(exc).__name__, cal, stats)

    async def _deliver(
        self,
        person: int,
        rows: list[OutboxMessage],
        now: datetime,
        cal: WorkCalendar,
        stats: SweepStats,
        subjects: _Subjects,
        settled: dict[OutboxStatus, list[int]],
    ) -> None:
        reports_due = [r for r in rows if r.kind in outbox.SOLO_KINDS]
        rows = [r for r in rows if r.kind not in outbox.SOLO_KINDS]
        for row in reports_due:
            try:
                await self._deliver_report(
                    person, row, now, cal, stats, subjects.routes.get(person, [])
                )
            except Exception as exc:
                await self._solo_broke(row, now, type(exc).__name__, cal, stats)
        if not rows:
            return
        undated_orgs = {r.org_id for r in rows if r.kind == "undated" and r.org_id}
        routes = subjects.routes.get(person, [])
        chosen = subjects.locales.get(person)

        def render(t: Translator) -> Rendered:
            return render_bundle(
                [Row(r.id, r.kind, r.params, r.due_at) for r in rows],
                subjects.occurrences,
                subjects.tasks,
                sum(subjects.undated[o] for o in undated_orgs),
                t,
                now,
                now.astimezone(self._tz).date(),
                cal,
                subjects.cases,
            )

        # Which rows are stale or covered does not depend on the language.
        first = route_locale(chosen, routes[0] if routes else None, self._default_locale)
        rendered = render(self._translator(first))

        async def compose(t: Translator) -> Sequence[Reply]:
            reply = rendered.reply if t.locale == first else render(t).reply
            return [reply] if reply is not None else []

        stats.stale += len(rendered.stale)
        settled[OutboxStatus.CANCELLED].extend(rendered.stale)
        if rendered.reply is None:
            return
        try:
            await self._send(person, routes, chosen, rows[-1].org_id, compose, now, cal)
        except _Undelivered as exc:
            stats.failed += len(rendered.covered)
            await self._settle(rendered.covered, OutboxStatus.FAILED, now, error=exc.detail)
            return
        except Deferred as exc:
            await self._hold(rendered.covered, now, exc, stats)
            return
        except TemporaryFailure as exc:
            await self._retry(rendered.covered, rows, now, exc.detail, cal, stats)
            return
        stats.messages += 1
        stats.rows += len(rendered.covered)
        settled[OutboxStatus.SENT].extend(rendered.covered)

    async def _deliver_report(
        self,
        person: int,
        row: OutboxMessage,
        now: datetime,
        cal: WorkCalendar,
        stats: SweepStats,
        routes: list[reach.Route],
    ) -> None:
        if row.kind == ACCOUNT_NOTICE:
            await self._deliver_account_notice(person, row, now, cal, stats, routes)
            return
        today = now.astimezone(self._tz).date()
        params = row.params if isinstance(row.params, Mapping) else {}
        org_id = stored_id(params, "org") or 0
        try:
            period = (
                parse_period(str(today.year), today)
                if row.kind != "period_report"
                else parse_period(
                    str(params.get("period", ""))[:100],
                    today,
                    closing=params.get("closing") is True,
                )
            )
        except PeriodError:
            log.warning("cancelling outbox row %d: its period cannot be read", row.id)
            stats.stale += 1
            await self._settle([row.id], OutboxStatus.CANCELLED, now)
            return
        async with self._sessions() as session:
            chosen = await chosen_locale(session, person)

        async def compose(t: Translator) -> Sequence[Reply]:
            if row.kind == contact_request.KIND:
                return [contact_request.contact_card(str(params.get("code", "")), t)]
            async with self._sessions() as session:
                if row.kind == "weekly_summary":
                    return await weekly_summary(
                        session, org_id=org_id, period=period, as_of=today, tz=self._tz, t=t
                    )
                return await period_report(
                    session, org_id=org_id, period=period, as_of=today, tz=self._tz, t=t
                )

        try:
            sent = await self._send(person, routes, chosen, row.org_id, compose, now, cal)
        except _Undelivered as exc:
            stats.failed += 1
            await self._settle([row.id], OutboxStatus.FAILED, now, error=exc.detail)
            return
        except Deferred as exc:
            await self._hold([row.id], now, exc, stats)
            return
        except TemporaryFailure as exc:
            await self._retry([row.id], [row], now, exc.detail, cal, stats)
            return
        stats.messages += sent
        stats.rows += 1
        await self._settle([row.id], OutboxStatus.SENT, now)

    async def _deliver_account_notice(
        self,
        person: int,
        row: OutboxMessage,
        now: datetime,
        cal: WorkCalendar,
        stats: SweepStats,
        routes: list[reach.Route],
    ) -> None:
        """Send a notice about one of the person's accounts to that account's chat only.

        An account that is no longer theirs (unlinked) or cannot be reached is not replaced
        by another: the notice is about that chat.
        """
        own = [r for r in routes if (r.channel, r.chat_id) == (row.channel, row.chat_id)]
        try:
            notice = read_notice(row.params if isinstance(row.params, Mapping) else {})
        except BadNotice as exc:
            log.warning("cancelling outbox row %d: %s", row.id, exc.problem)
            own = []
        if not own:
            stats.stale += 1
            await self._settle([row.id], OutboxStatus.CANCELLED, now)
            return
        route = own[0]
        async with self._sessions() as session:
            chosen = await chosen_locale(session, person)
        locale = route_locale(chosen, route, self._default_locale)
        reply = Reply(notice.render(self._translator(locale)))
        try:
            await self._senders[route.channel].send(route.chat_id, reply)
        except Unreachable as exc:
            await self._mark(route, exc.code, now)
            stats.failed += 1
            await self._settle([row.id], OutboxStatus.FAILED, now, error=exc.detail)
            return
        except Deferred as exc:
            await self._hold([row.id], now, exc, stats)
            return
        except TemporaryFailure as exc:
            await self._retry([row.id], [row], now, exc.detail, cal, stats)
            return
        stats.messages += 1
        stats.rows += 1
        await self._settle([row.id], OutboxStatus.SENT, now)

    async def _hold(self, ids: list[int], now: datetime, exc: Deferred, stats: SweepStats) -> None:
        """Keep rows for the moment the channel may carry them; no attempt is counted."""
        stats.held += len(ids)
        await self._settle(
            ids, OutboxStatus.PENDING, now, error=exc.detail, retry_at=exc.until, counted=False
        )

    async def _retry(
        self,
        ids: list[int],
        rows: list[OutboxMessage],
        now: datetime,
        detail: str,
        cal: WorkCalendar,
        stats: SweepStats,
    ) -> None:
        attempts = max(r.attempts for r in rows) + 1
        if attempts >= MAX_ATTEMPTS:
            stats.failed += len(ids)
            await self._settle(ids, OutboxStatus.FAILED, now, error=detail)
            log.warning("gave up on %d outbox rows after %d attempts", len(ids), attempts)
            async with self._sessions.begin() as session:
                name = await reminders.person_name(session, rows[0].person_id)
                admins = await reminders.org_admins(session, rows[0].org_id)
                await notify(
                    session,
                    people=[a for a in admins if a != rows[0].person_id],
                    org_id=rows[0].org_id,
                    notice=Undelivered(name=name),
                    key=f"undelivered:{rows[0].person_id}:{now:%Y%m%d%H%M}",
                    now=now,
                    tz=self._tz,
                    calendar=cal,
                )
            return
        stats.retried += len(ids)
        await self._settle(
            ids, OutboxStatus.PENDING, now, error=detail, retry_at=now + _backoff(attempts)
        )

    async def _solo_broke(
        self, row: OutboxMessage, now: datetime, detail: str, cal: WorkCalendar, stats: SweepStats
    ) -> None:
        """A report (or another solo row) failed for a reason no channel gave: a bug, the
        database. It is tried again with the same backoff as any row, then given up on;
        the person a report was for is told it will not come (``ReportFailed``).

        ``detail`` is the exception's type only: its text may quote what the row is about.
        """
        attempts = row.attempts + 1
        if attempts < MAX_ATTEMPTS:
            log.warning(
                "outbox row %d (%s) failed: %s; attempt %d of %d",
                row.id,
                row.kind,
                detail,
                attempts,
                MAX_ATTEMPTS,
            )
            stats.retried += 1
            retry_at = now + _backoff(attempts)
            await self._settle([row.id], OutboxStatus.PENDING, now, error=detail, retry_at=retry_at)
            return
        log.error(
            "gave up on outbox row %d (%s) after %d attempts: %s",
            row.id,
            row.kind,
            attempts,
            detail,
        )
        stats.failed += 1
        await self._settle([row.id], OutboxStatus.FAILED, now, error=detail)
        if row.kind not in outbox.REPORT_KINDS:
            return
        params = row.params if isinstance(row.params, Mapping) else {}
        async with self._sessions.begin() as session:
            await notify(
                session,
                people=[row.person_id],
                org_id=row.org_id,
                notice=report_failed(row.kind, params),
                key=f"report_failed:{row.id}",
                now=now,
                tz=self._tz,
                calendar=cal,
            )

    def _translator(self, locale: str) -> Translator:
        return Translator(locale, self._tz)

    async def _send(
        self,
        person: int,
        routes: list[reach.Route],
        chosen: str | None,
        org_id: int | None,
        compose: Callable[[Translator], Awaitable[Sequence[Reply]]],
        now: datetime,
        cal: WorkCalendar,
    ) -> int:
        """Deliver on the person's chosen channel, else on each next linked one in turn;
        return how many messages went.

        Each account gets the messages worded in its own language (``route_locale``): a
        person who never chose one reads their Zalo chat in Vietnamese even when their
        Telegram client reports English.

        A channel that refuses the person (``Unreachable``) is marked with why and since
        when, and left out of ``routes`` for the rest of the batch; only when every channel
        refused are the admins told. A temporary failure is raised as it is: the rows are
        tried again later, on the same channels.
        """
        if not routes:
            raise _Undelivered("no reachable channel")
        detail = ""
        worded: dict[str, Sequence[Reply]] = {}
        for route in list(routes):
            locale = route_locale(chosen, route, self._default_locale)
            if locale not in worded:
                worded[locale] = await compose(self._translator(locale))
            replies = worded[locale]
            try:
                for reply in replies:
                    await self._senders[route.channel].send(route.chat_id, reply)
            except Unreachable as exc:
                detail = exc.detail
                routes.remove(route)
                await self._mark(route, exc.code, now)
                log.info("person %d unreachable on %s (%s)", person, route.channel, exc.code)
                continue
            return len(replies)
        await self._unreachable(person, org_id, now, cal)
        raise _Undelivered(detail)

    async def _mark(self, route: reach.Route, reason: str, now: datetime) -> None:
        async with self._sessions.begin() as session:
            await reminders.mark_unreachable(session, route.channel, route.chat_id, now, reason)

    async def _unreachable(
        self, person: int, org_id: int | None, now: datetime, cal: WorkCalendar
    ) -> None:
        async with self._sessions.begin() as session:
            name = await reminders.person_name(session, person)
            admins = await reminders.org_admins(session, org_id)
            await notify(
                session,
                people=[a for a in admins if a != person],
                org_id=org_id,
                notice=PersonUnreachable(name=name),
                key=f"unreachable:{person}:{now:%Y%m%d}",
                now=now,
                tz=self._tz,
                calendar=cal,
            )
        log.info("person %d is unreachable on every channel", person)


def _backoff(attempts: int) -> timedelta:
    """How long a row waits after its ``attempts``-th failed try."""
    return min(BACKOFF * (1 << max(0, attempts - 1)), MAX_BACKOFF)


def _ids(rows: Sequence[OutboxMessage], kinds: set[str], name: str) -> set[int]:
    found = (stored_id(r.params, name) for r in rows if r.kind in kinds)
    return {i for i in found if i is not None}


class _Undelivered(Exception):
    """No channel of the person took the message (``detail``: the last refusal)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
