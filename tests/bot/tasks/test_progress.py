"""Done, progress, blocked, snooze, an event's date and an admin's date, called directly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.errors import AlreadyDone, NotAllowed
from bot.reminders.ladder import send_at
from bot.reminders.policy import ReminderPolicy
from bot.tasks import progress
from bot.tasks.errors import AlreadyDue, BeforeStart, InTheFuture, NoSuchTask, Settled
from db.models import EventKind, OccurrenceStatus, OutboxMessage
from tests.bot.tasks.conftest import acting
from tests.conftest import VN
from tests.handlers.conftest import (
    Elsewhere,
    Office,
    audits,
    events,
    notices,
    occurrence,
    working_calendar,
)
from tests.handlers.test_common import snapshot

NOTE = progress.Evidence("Đã gửi báo cáo số 12/BC-UBND")


# Done


async def test_the_lead_official_marks_done_with_history_and_audit(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    async with acting(office, office.minh) as op:
        done = await progress.mark_done(op, occ_id, NOTE)
    assert done == progress.Done(occ_id, "1.2", 0)
    minh = await office.person_id(office.minh)
    stored = await occurrence(office.runtime, occ_id)
    assert (stored.status, stored.done_by, stored.done_at) == (
        OccurrenceStatus.DONE,
        minh,
        office.clock.now(),
    )
    [event] = await events(office.runtime, office.tasks["1.2"])
    assert (event.kind, event.person_id, event.note, event.link, event.late) == (
        EventKind.DONE,
        minh,
        NOTE.text,
        None,
        False,
    )
    [entry] = await audits(office.runtime, "task.done")
    assert (entry.actor_id, entry.org_id, entry.entity_id) == (minh, office.org_id, str(occ_id))
    assert entry.after == {"status": "done", "late": False, "evidence": "note"}


async def test_done_after_the_due_date_counts_the_days_late(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    due = (await occurrence(office.runtime, occ_id)).due_date
    async with acting(office, office.leader) as op:
        done = await progress.mark_done(op, occ_id, progress.Evidence("https://x.vn/a.pdf"))
    assert done.late_days == (op.today - due).days > 0
    [event] = await events(office.runtime, office.tasks["1.1"])
    assert (event.link, event.note, event.late) == ("https://x.vn/a.pdf", None, True)


@pytest.mark.parametrize(
    ("text", "file_name", "content", "kind"),
    [
        ("https://drive.example.vn/x.pdf", None, None, "link"),
        ("see https://x.vn", None, None, "note"),
        ("", "a.pdf", b"%PDF", "file"),
        ("biên bản kèm theo", "a.pdf", b"%PDF", "file"),
    ],
)
async def test_evidence_is_a_file_a_link_or_a_note(
    text: str, file_name: str | None, content: bytes | None, kind: str
) -> None:
    assert progress.Evidence(text, file_name, content).kind == kind


async def test_done_is_refused_to_a_partner_unit_a_citizen_and_another_unit(
    office: Office,
) -> None:
    before = await snapshot(office.runtime)
    for who, code in ((office.hoa, "1.1"), (office.citizen, "1.2"), (office.hoa, "1.2")):
        with pytest.raises(NotAllowed):
            async with acting(office, who) as op:
                await progress.mark_done(op, office.occurrences[code], NOTE)
    assert await snapshot(office.runtime) == before


async def test_done_twice_is_settled_and_names_who_did_it(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    async with acting(office, office.minh) as op:
        await progress.mark_done(op, occ_id, NOTE)
    before = await snapshot(office.runtime)
    with pytest.raises(Settled) as refused:
        async with acting(office, office.leader) as op:
            await progress.mark_done(op, occ_id, NOTE)
    assert isinstance(refused.value, AlreadyDone)
    assert (refused.value.by, refused.value.code) == ("Minh", "1.2")
    assert await snapshot(office.runtime) == before


async def test_an_occurrence_of_another_organization_names_nothing(
    office: Office, elsewhere: Elsewhere
) -> None:
    for who in (office.admin, office.leader, office.minh, None):
        with pytest.raises(NotAllowed):
            async with acting(office, who) as op:
                await progress.mark_done(op, elsewhere.occurrences["1.2"], NOTE)


async def test_the_operator_may_mark_done_in_the_organization(office: Office) -> None:
    async with acting(office, None) as op:
        await progress.mark_done(op, office.occurrences["1.2"], NOTE)
    stored = await occurrence(office.runtime, office.occurrences["1.2"])
    assert (stored.status, stored.done_by) == (OccurrenceStatus.DONE, None)
    [entry] = await audits(office.runtime, "task.done")
    assert entry.actor_id is None


# Progress


async def test_a_partner_unit_notes_progress(office: Office) -> None:
    task_id, occ_id = office.tasks["1.1"], office.occurrences["1.1"]
    async with acting(office, office.hoa) as op:
        noted = await progress.note_progress(op, task_id, "Đã rà soát", occurrence_id=occ_id)
    [event] = await events(office.runtime, task_id)
    assert noted == progress.Noted(task_id, event.id)
    assert (event.kind, event.occurrence_id, event.note) == (
        EventKind.PROGRESS,
        occ_id,
        "Đã rà soát",
    )
    [entry] = await audits(office.runtime, "task.progress")
    assert entry.after == {"note_chars": len("Đã rà soát")}


async def test_progress_on_a_due_date_of_another_task_is_refused(office: Office) -> None:
    before = await snapshot(office.runtime)
    with pytest.raises(NotAllowed):
        async with acting(office, office.minh) as op:
            await progress.note_progress(
                op, office.tasks["1.1"], "x", occurrence_id=office.occurrences["1.2"]
            )
    with pytest.raises(NotAllowed):
        async with acting(office, office.hoa) as op:
            await progress.note_progress(op, office.tasks["1.4"], "x")
    assert await snapshot(office.runtime) == before


# Blocked


async def test_a_blocker_tells_the_overseeing_leader(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    async with acting(office, office.minh) as op:
        blocked = await progress.report_blocked(op, occ_id, "Chưa có kinh phí")
    assert blocked.leaders_told == 1
    [row] = await notices(office.runtime, "blocked")
    assert row.person_id == await office.person_id(office.leader)
    assert row.params == {
        "notice": "blocked",
        "name": "Minh",
        "code": "1.1",
        "reason": "Chưa có kinh phí",
    }
    [entry] = await audits(office.runtime, "task.blocked")
    assert entry.after == {"reason": "Chưa có kinh phí"}


async def test_a_leader_reporting_a_blocker_is_not_told_of_it(office: Office) -> None:
    async with acting(office, office.leader) as op:
        blocked = await progress.report_blocked(op, office.occurrences["1.2"], "Chờ")
    assert blocked.leaders_told == 0
    assert await notices(office.runtime, "blocked") == []


# Snooze


async def test_snooze_queues_a_reminder_where_the_person_asked(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    async with acting(office, office.minh) as op:
        snoozed = await progress.snooze(op, occ_id, channel="zalo_oa", chat_id="77")
    day = working_calendar().next_working_day(op.today)
    assert snoozed == progress.Snoozed(occ_id, day)
    async with office.runtime.sessions() as session:
        [row] = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("s:"))
            )
        ).all()
    assert (row.channel, row.chat_id, row.due_at) == (
        "zalo_oa",
        "77",
        send_at(day, ReminderPolicy(), VN),
    )
    [entry] = await audits(office.runtime, "task.snoozed")
    assert entry.after == {"until": day.isoformat()}


async def test_the_operator_has_nobody_to_remind(office: Office) -> None:
    with pytest.raises(NotAllowed):
        async with acting(office, None) as op:
            await progress.snooze(op, office.occurrences["1.1"], channel="cli", chat_id="0")


# The date an event happened


async def test_an_event_starts_its_deadline(office: Office) -> None:
    task_id = office.tasks["1.5"]
    happened = date(2026, 2, 27)
    async with acting(office, office.minh) as op:
        dated = await progress.record_happened(op, task_id, happened)
    due = working_calendar().add_working_days(happened, 5)
    assert (dated.task_id, dated.code, dated.due, dated.timeframe_kind) == (
        task_id,
        "1.5",
        due,
        "event",
    )
    stored = await occurrence(office.runtime, dated.occurrence_id)
    assert (stored.due_date, stored.status) == (due, OccurrenceStatus.PENDING)
    [entry] = await audits(office.runtime, "task.event")
    assert entry.after == {"happened": happened.isoformat(), "due": due.isoformat()}


async def test_an_event_in_the_future_or_by_a_partner_is_refused(office: Office) -> None:
    before = await snapshot(office.runtime)
    with pytest.raises(InTheFuture):
        async with acting(office, office.minh) as op:
            await progress.record_happened(op, office.tasks["1.5"], op.today + timedelta(days=1))
    with pytest.raises(NotAllowed):
        async with acting(office, office.hoa) as op:
            await progress.record_happened(op, office.tasks["1.5"], op.today)
    assert await snapshot(office.runtime) == before


# An administrator's date


async def test_an_admin_sets_a_date_once(office: Office) -> None:
    task_id = office.tasks["1.6"]
    async with acting(office, office.admin) as op:
        dated = await progress.set_date(op, task_id, date(2026, 4, 15))
    assert (dated.task_id, dated.due) == (task_id, date(2026, 4, 15))
    [event] = await events(office.runtime, task_id)
    assert (event.kind, event.day) == (EventKind.DATE_SET, date(2026, 4, 15))
    before = await snapshot(office.runtime)
    with pytest.raises(AlreadyDue):
        async with acting(office, office.admin) as op:
            await progress.set_date(op, task_id, date(2026, 4, 15))
    assert await snapshot(office.runtime) == before


async def test_only_admins_set_dates_and_only_in_their_organization(
    office: Office, elsewhere: Elsewhere
) -> None:
    before = await snapshot(office.runtime)
    for who in (office.minh, office.leader, office.citizen):
        with pytest.raises(NotAllowed):
            async with acting(office, who) as op:
                await progress.set_date(op, office.tasks["1.6"], date(2026, 4, 15))
    with pytest.raises(NoSuchTask):
        async with acting(office, office.admin) as op:
            await progress.set_date(op, elsewhere.tasks["1.6"], date(2026, 4, 15))
    assert await snapshot(office.runtime) == before


async def test_done_on_a_past_day_counts_from_that_day(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    due = (await occurrence(office.runtime, occ_id)).due_date
    async with acting(office, office.minh) as op:
        done = await progress.mark_done(op, occ_id, NOTE, done_on=due)
    assert done.late_days == 0
    stored = await occurrence(office.runtime, occ_id)
    assert stored.done_at is not None
    assert stored.done_at.astimezone(VN).date() == due


@pytest.mark.parametrize("shift", [timedelta(days=1), timedelta(days=-800)])
async def test_done_on_a_day_in_the_future_or_before_the_plan_is_refused(
    office: Office, shift: timedelta
) -> None:
    occ_id = office.occurrences["1.1"]
    with pytest.raises((InTheFuture, BeforeStart)):
        async with acting(office, office.minh) as op:
            await progress.mark_done(op, occ_id, NOTE, done_on=op.today + shift)
    assert (await occurrence(office.runtime, occ_id)).status == OccurrenceStatus.PENDING
