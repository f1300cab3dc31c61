"""The Monday summary and the period reports reach the leaders through the outbox, once.

The reminders are planned for the known dataset (tests/bot/reports/dataset.py), then the
outbox sweep runs at chosen moments with a recording channel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import jobs.outbox as outbox_job
from bot.clock import ManualClock
from bot.i18n import Translator
from bot.messages import Reply
from bot.periods import Period
from bot.reminders.scheduling import replan
from bot.reports import delivery
from bot.reports.notices import ReportFailed, report_failed
from bot.runtime import Runtime
from bot.workcal import WorkCalendar
from db.models import OutboxMessage, OutboxStatus, Role
from db.queries import people
from jobs.outbox import BACKOFF, MAX_ATTEMPTS, Sweeper
from tests.bot.reports.dataset import TP, VN, VP, Dataset, build

PNG = b"\x89PNG\r\n\x1a\n"
LEADER = 801
DISTRICT_LEADER = 802


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local moment in Vietnam."""
    return datetime.combine(day, time(hour, minute), tzinfo=VN)


@dataclass
class Recorder:
    """A channel that keeps what it is asked to send."""

    sent: list[tuple[int, Reply]] = field(default_factory=list)

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Keep the reply."""
        self.sent.append((int(chat_id), reply))

    def to(self, chat_id: int) -> list[Reply]:
        return [reply for chat, reply in self.sent if chat == chat_id]

    def reports_to(self, chat_id: int) -> list[Reply]:
        """What reached one chat of the weekly summaries and period reports."""
        return [
            r
            for r in self.to(chat_id)
            if r.file is not None or r.text.startswith(("Weekly summary", "Report "))
        ]


def by_report(replies: list[Reply]) -> dict[str, list[Reply]]:
    """Period-report replies grouped under the first line of the summary that opens each."""
    found: dict[str, list[Reply]] = {}
    current: list[Reply] = []
    for reply in replies:
        if reply.file is None and reply.text.startswith("Report "):
            current = found.setdefault(reply.text.splitlines()[0], [])
            assert current == [], "a report sent twice"
        current.append(reply)
    return found


async def leader(runtime: Runtime, org_id: int, user_id: int, name: str) -> int:
    """A leader of ``org_id`` reading English, reachable on the test channel."""
    async with runtime.sessions.begin() as session:
        person, _ = await people.person_for_identity(
            session,
            channel="test",
            user_id=str(user_id),
            chat_id=str(user_id),
            display_name=name,
            username=None,
            now=runtime.clock.now(),
        )
        person.locale = "en"
        await people.grant_role(
            session,
            person_id=person.id,
            org_id=org_id,
            role=Role.LEADER,
            unit_id=None,
            now=runtime.clock.now(),
        )
        return person.id


async def plan(runtime: Runtime, *org_ids: int) -> None:
    """Plan the organizations' reminders from now to two weeks ahead."""
    async with runtime.sessions.begin() as session:
        for org_id in org_ids:
            await replan(session, org_id=org_id, now=runtime.clock.now(), tz=VN)


async def sweep(runtime: Runtime, moment: datetime, worker: str = "w1") -> Recorder:
    """Run one sweep at ``moment``; return what it sent."""
    recorder = Recorder()
    sweeper = Sweeper(runtime.sessions, ManualClock(moment), {"test": recorder}, VN, worker=worker)
    await sweeper.sweep()
    return recorder


async def report_rows(runtime: Runtime) -> list[tuple[str, date, int, str]]:
    """(kind, local day, chat, period or day) of the report rows in the outbox."""
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind.in_(("weekly_summary", "period_report")))
            .order_by(OutboxMessage.due_at, OutboxMessage.chat_id, OutboxMessage.id)
        )
        return [
            (
                r.kind,
                r.due_at.astimezone(VN).date(),
                int(r.chat_id),
                str(r.params.get("period") or r.params.get("day")),
            )
            for r in rows
        ]


async def report_statuses(runtime: Runtime) -> list[OutboxStatus]:
    async with runtime.sessions() as session:
        return list(
            await session.scalars(
                select(OutboxMessage.status)
                .where(OutboxMessage.kind.in_(("weekly_summary", "period_report")))
                .order_by(OutboxMessage.due_at, OutboxMessage.chat_id, OutboxMessage.id)
            )
        )


@pytest.fixture
async def data(runtime: Runtime, clock: ManualClock) -> Dataset:
    """The dataset, a leader of commune A and one of the district; planned on 23/9/2024."""
    clock.set(at(date(2024, 9, 23), 7))
    found = await build(runtime)
    await leader(runtime, found.commune_a, LEADER, "Dũng")
    await leader(runtime, found.district, DISTRICT_LEADER, "Hải")
    await plan(runtime, found.commune_a, found.district)
    return found


def test_the_calendar_of_the_dates_used() -> None:
    cal = WorkCalendar()
    assert date(2024, 9, 23).weekday() == 0
    assert cal.is_working_day(date(2024, 9, 23))
    assert date(2024, 9, 30).weekday() == 0
    assert cal.is_working_day(date(2024, 9, 30))
    assert cal.next_working_day(date(2024, 9, 30)) == date(2024, 10, 1)
    assert not cal.is_working_day(date(2025, 1, 1))
    assert cal.next_working_day(date(2024, 12, 31)) == date(2025, 1, 2)


async def test_what_is_planned(runtime: Runtime, data: Dataset) -> None:
    monday, next_monday, tuesday = date(2024, 9, 23), date(2024, 9, 30), date(2024, 10, 1)
    assert await report_rows(runtime) == [
        ("weekly_summary", monday, LEADER, "2024-09-23"),
        ("weekly_summary", monday, DISTRICT_LEADER, "2024-09-23"),
        ("weekly_summary", next_monday, LEADER, "2024-09-30"),
        ("weekly_summary", next_monday, DISTRICT_LEADER, "2024-09-30"),
        # Q3 and the first nine months both end on 30 September: the quarter comes first.
        ("period_report", tuesday, LEADER, "Q3/2024"),
        ("period_report", tuesday, LEADER, "9T/2024"),
        ("period_report", tuesday, DISTRICT_LEADER, "Q3/2024"),
        ("period_report", tuesday, DISTRICT_LEADER, "9T/2024"),
        ("weekly_summary", date(2024, 10, 7), LEADER, "2024-10-07"),
        ("weekly_summary", date(2024, 10, 7), DISTRICT_LEADER, "2024-10-07"),
    ]
    # Planning again changes nothing.
    await plan(runtime, data.commune_a, data.district)
    assert len(await report_rows(runtime)) == 10


async def test_monday_summary_reaches_the_leader_once(runtime: Runtime, data: Dataset) -> None:
    early = await sweep(runtime, at(date(2024, 9, 23), 7, 45))
    assert early.reports_to(LEADER) == []  # planned for 08:00
    sent = await sweep(runtime, at(date(2024, 9, 23), 8))
    summaries = sent.reports_to(LEADER)
    assert [r.text for r in summaries] == [
        "\n".join(
            [
                "Weekly summary, Sep 23, 2024",
                "Tasks: 17 · done on time 3 · done late 2 · overdue 4 · due in 14 days 3 · "
                "later 2 · ongoing 1 · waiting for an event 1 · without a date 1",
                "By PAPI dimension:",
                "D1    ▓▓▓▓▓░░░░░ 50% (4 done, 2 overdue)",
                "D2    ▓▓░░░░░░░░ 17% (1 done, 2 overdue)",
                "Most overdue:",
                f"• [1.8] Nhiệm vụ 1.8 — {TP}, 75 days",
                f"• [1.4] Nhiệm vụ 1.4 — {VP}, 34 days",
                f"• [2.4] Nhiệm vụ 2.4 — {TP}, 14 days",
                f"• [2.7] Nhiệm vụ 2.7 — {VP}, 14 days",
                # The year's feedback, 30 June included; said once.
                "Feedback: received 9 · answered on time 6 · late 1 · open 1 · satisfied 50%",
            ]
        )
    ]
    # The district's leader gets the district: commune A's 17 and commune B's 3.
    (district,) = sent.reports_to(DISTRICT_LEADER)
    assert district.text.splitlines()[1] == (
        "Tasks: 20 · done on time 4 · done late 2 · overdue 6 · due in 14 days 3 · later 2 · "
        "ongoing 1 · waiting for an event 1 · without a date 1"
    )
    again = await sweep(runtime, at(date(2024, 9, 23), 8, 30), worker="w2")
    assert again.reports_to(LEADER) == []
    assert again.reports_to(DISTRICT_LEADER) == []


async def test_period_report_arrives_the_working_day_after_the_quarter(
    runtime: Runtime, data: Dataset
) -> None:
    await sweep(runtime, at(date(2024, 9, 23), 8))
    monday = await sweep(runtime, at(date(2024, 9, 30), 8))
    # The last day of the quarter: its summary, no report yet.
    assert [r.text.splitlines()[0] for r in monday.reports_to(LEADER)] == [
        "Weekly summary, Sep 30, 2024"
    ]
    tuesday = await sweep(runtime, at(date(2024, 10, 1), 8))
    reports = by_report(tuesday.reports_to(LEADER))
    # The quarter first, then the nine months that end with it.
    assert list(reports) == ["Report Q3 2024", "Report First nine months of 2024"]
    for title, replies in reports.items():
        assert [r.text for r in replies[1:]] == ["Chart", "Tables", "Report document"]
        slug = "Q3-2024" if "Q3" in title else "9T-2024"
        assert [r.file.filename for r in replies if r.file is not None] == [
            f"bao-cao-{slug}.png",
            f"bao-cao-{slug}.xlsx",
            f"bao-cao-{slug}.docx",
        ]
    replies = reports["Report Q3 2024"]
    # As of 1 October: 1.5, 1.6 and 2.2 have passed their dates too; 2.3 is due soon.
    assert replies[0].text.splitlines()[1] == (
        "Tasks: 15 · done on time 2 · done late 2 · overdue 7 · due in 14 days 1 · later 0 · "
        "ongoing 1 · waiting for an event 1 · without a date 1"
    )
    png, book = replies[1].file, replies[2].file
    assert png is not None
    assert png.content is not None
    assert png.content.startswith(PNG)
    assert book is not None
    assert book.content is not None
    sheet = load_workbook(io.BytesIO(book.content))["Summary"]
    values = {str(k): v for k, v in sheet.iter_rows(min_row=2, values_only=True)}
    assert (values["Tasks"], values["Overdue"], values["Feedback received"]) == (15, 7, 8)
    assert values["Period end"] == datetime(2024, 9, 30)
    assert len(tuesday.reports_to(DISTRICT_LEADER)) == 8
    assert set(await report_statuses(runtime)) == {OutboxStatus.SENT, OutboxStatus.PENDING}
    # Sweeping again, by another worker, sends nothing twice.
    for worker, moment in (("w2", at(date(2024, 10, 1), 8, 5)), ("w1", at(date(2024, 10, 1), 15))):
        again = await sweep(runtime, moment, worker)
        assert again.reports_to(LEADER) == []
        assert again.reports_to(DISTRICT_LEADER) == []
    # Only the summaries of 7 October wait.
    assert (await report_statuses(runtime))[-2:] == [OutboxStatus.PENDING] * 2
    assert (await report_statuses(runtime))[:-2] == [OutboxStatus.SENT] * 8


async def test_a_holiday_moves_the_year_report(
    runtime: Runtime, clock: ManualClock, data: Dataset
) -> None:
    clock.set(at(date(2024, 12, 23), 7))
    await plan(runtime, data.commune_a)
    rows = [r for r in await report_rows(runtime) if r[2] == LEADER and r[1].year > 2024]
    assert sorted(r for r in rows if r[0] == "period_report") == [
        ("period_report", date(2025, 1, 2), LEADER, "2024"),
        ("period_report", date(2025, 1, 2), LEADER, "Q4/2024"),
    ]
    # What fell due while nobody swept (September's and October's) goes out now, once.
    late = await sweep(runtime, at(date(2024, 12, 23), 8))
    assert sorted(by_report(late.reports_to(LEADER))) == [
        "Report First nine months of 2024",
        "Report Q3 2024",
    ]
    # New Year's Day is off: nothing goes out; the day after, the reports do.
    holiday = await sweep(runtime, at(date(2025, 1, 1), 9))
    assert holiday.sent == []
    after = await sweep(runtime, at(date(2025, 1, 2), 8))
    reports = by_report(after.reports_to(LEADER))
    assert sorted(reports) == ["Report Q4 2024", "Report Year 2024"]
    assert all(len(replies) == 4 for replies in reports.values())


async def test_a_report_that_keeps_failing_is_retried_a_few_times_then_the_leader_is_told(
    runtime: Runtime,
    data: Dataset,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = delivery.period_report

    async def broken(session: AsyncSession, *, period: Period, **kwargs: Any) -> list[Reply]:
        if period.code == "Q3/2024":
            raise RuntimeError("Nguyễn Văn Dân, 0912345678")  # what must never be logged
        return await real(session, period=period, **kwargs)

    monkeypatch.setattr(outbox_job, "period_report", broken)
    await sweep(runtime, at(date(2024, 9, 30), 8))  # the summaries of the weeks before
    moment = at(date(2024, 10, 1), 8)
    first = await sweep(runtime, moment)
    # The broken quarter does not hold back the nine months' report.
    assert list(by_report(first.reports_to(LEADER))) == ["Report First nine months of 2024"]
    tries, waits = 1, []
    while True:
        row = await quarter_row(runtime)
        if row.status is not OutboxStatus.PENDING:
            break
        assert (row.attempts, row.last_error) == (tries, "RuntimeError")
        waits.append(row.due_at - moment)
        moment = row.due_at
        assert by_report((await sweep(runtime, moment)).reports_to(LEADER)) == {}
        tries += 1
    assert row.status is OutboxStatus.FAILED
    assert tries == MAX_ATTEMPTS
    # Each wait doubles from the first: no row is stuck for a lease, none is tried forever.
    assert waits == [BACKOFF * 2**i for i in range(MAX_ATTEMPTS - 1)]
    later = await sweep(runtime, moment + timedelta(hours=2))
    assert later.reports_to(LEADER) == []
    [told] = [r.text for r in later.to(LEADER) if r.text.startswith("⚠️")]
    assert told == (
        "⚠️ The report for Q3/2024 could not be prepared, even after several tries. The error "
        "is in the bot's log for the administrator. Send /report Q3/2024 to ask for it again."
    )
    # The district's leader, whose quarter failed too, is told on their own.
    assert [r.text for r in later.to(DISTRICT_LEADER) if r.text.startswith("⚠️")] == [told]
    assert "gave up on outbox row" in caplog.text
    assert "Nguyễn" not in caplog.text
    assert "0912345678" not in caplog.text
    # Nothing more is tried or told.
    assert (await sweep(runtime, moment + timedelta(days=1, hours=2))).sent == []


async def quarter_row(runtime: Runtime) -> OutboxMessage:
    """The commune leader's Q3 report row."""
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "period_report", OutboxMessage.chat_id == str(LEADER)
            )
        )
        [row] = [r for r in rows if r.params.get("period") == "Q3/2024"]
        return row


def test_the_report_failure_notice_reads_in_vietnamese() -> None:
    vi = Translator("vi")
    assert ReportFailed(period="Q3/2024", closing=True).render(vi) == (
        "⚠️ Không lập được báo cáo kỳ Q3/2024 dù đã thử nhiều lần. Lỗi đã được ghi vào nhật ký "
        "của bot để quản trị viên xem xét. Gửi /report Q3/2024 closing để yêu cầu lại."
    )
    assert ReportFailed().render(vi).startswith("⚠️ Không lập được bản tổng hợp tuần này")
    assert report_failed("weekly_summary", {"day": "2024-09-30"}) == ReportFailed()
    assert report_failed("period_report", {"period": "9T/2024", "closing": "yes"}) == (
        ReportFailed(period="9T/2024")
    )
