"""Officials act on tasks (done, progress, blocked, more time, snooze, event); leaders decide."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.reminders.ladder import send_at
from bot.reminders.policy import ReminderPolicy
from bot.tasks.standing import STATES
from db.models import (
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    OccurrenceStatus,
    OutboxMessage,
    Standing,
    Task,
    TaskEvent,
)
from db.models import Person as PersonRow
from db.queries import reports
from tests.conftest import VN, Person
from tests.handlers.conftest import (
    Elsewhere,
    Office,
    audits,
    en_date,
    events,
    local_day,
    notices,
    occurrence,
    payloads,
    send_file,
    set_locale,
    sweep,
    texts,
    working_calendar,
)
from tests.handlers.test_common import assert_only_dialogs_ended, snapshot
from tests.handlers.test_tasks import LATER, OVERDUE, SOON, grouped

NOT_FOR_YOU = "This button is not for you. Nothing was changed."
NOT_VALID = "This button is no longer valid. Nothing was changed."
NOT_ALLOWED = "You are not allowed to use this command."
SAVED_ON_TIME = "Recorded as done on time. Thank you."
HINT = "I did not understand that. Send /help to see what I can do."


async def start_done(office: Office, who: Person, code: str) -> None:
    occ_id = office.occurrences[code]
    outcome = await who.press(f"occ:done:{occ_id}")
    assert texts(outcome)[0].startswith(f"Task [{code}]: send the evidence ("), texts(outcome)


# Done, with evidence


async def test_done_with_a_file_on_time(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    asked = await office.minh.press(f"occ:done:{occ_id}")
    assert texts(asked) == [
        "Task [1.2]: send the evidence (Báo cáo kết quả) as a file, a photo, a link or a "
        "short note. /cancel to stop."
    ]
    content = b"%PDF-1.4 bao cao ket qua"
    done = await send_file(office.minh, "bao-cao.pdf", content, mime_type="application/pdf")
    assert texts(done) == [SAVED_ON_TIME]

    stored = await occurrence(office.runtime, occ_id)
    minh = await office.person_id(office.minh)
    assert (stored.status, stored.done_by, stored.done_at) == (
        OccurrenceStatus.DONE,
        minh,
        office.clock.now(),
    )
    [event] = await events(office.runtime, office.tasks["1.2"])
    assert (event.kind, event.occurrence_id, event.person_id, event.late) == (
        EventKind.DONE,
        occ_id,
        minh,
        False,
    )
    assert (event.file_name, event.file_content, event.link, event.note) == (
        "bao-cao.pdf",
        content,
        None,
        None,
    )
    [entry] = await audits(office.runtime, "task.done")
    assert (entry.actor_id, entry.entity, entry.entity_id) == (minh, "occurrence", str(occ_id))
    assert entry.before == {"status": "pending"}
    assert entry.after == {"status": "done", "late": False, "evidence": "file"}
    card = await office.minh.text_of(f"/task {office.tasks['1.2']}")
    assert f"• {en_date(date(2026, 3, 10))} — done" in card
    assert card.splitlines()[-1].endswith(" done: bao-cao.pdf")


@pytest.mark.parametrize(
    ("evidence", "link", "note", "kind"),
    [
        (
            "https://drive.example.vn/bien-ban-1.pdf",
            "https://drive.example.vn/bien-ban-1.pdf",
            None,
            "link",
        ),
        ("Đã gửi báo cáo số 12/BC-UBND", None, "Đã gửi báo cáo số 12/BC-UBND", "note"),
        ("  see https://x.vn and the archive  ", None, "see https://x.vn and the archive", "note"),
    ],
)
async def test_done_with_a_link_or_a_note(
    office: Office, evidence: str, link: str | None, note: str | None, kind: str
) -> None:
    await start_done(office, office.minh, "1.2")
    assert await office.minh.text_of(evidence) == SAVED_ON_TIME
    [event] = await events(office.runtime, office.tasks["1.2"])
    assert (event.link, event.note, event.file_name, event.late) == (link, note, None, False)
    [entry] = await audits(office.runtime, "task.done")
    assert entry.after == {"status": "done", "late": False, "evidence": kind}


@pytest.mark.parametrize("days_after", [0, 1, 3])
async def test_done_on_the_due_day_is_on_time_and_after_it_is_late(
    office: Office, days_after: int
) -> None:
    occ_id = office.occurrences["1.2"]
    due = (await occurrence(office.runtime, occ_id)).due_date
    office.clock.set(datetime.combine(due + timedelta(days=days_after), datetime.min.time(), VN))
    office.clock.advance(timedelta(hours=16, minutes=59))
    await start_done(office, office.minh, "1.2")
    answer = await office.minh.text_of("Đã xong")
    late = days_after > 0
    if not late:
        assert answer == SAVED_ON_TIME
    else:
        unit = "day" if days_after == 1 else "days"
        assert answer == f"Recorded as done, {days_after} {unit} late. Thank you."
    [event] = await events(office.runtime, office.tasks["1.2"])
    assert event.late is late
    [entry] = await audits(office.runtime, "task.done")
    assert entry.after == {"status": "done", "late": late, "evidence": "note"}


async def test_an_overdue_task_done_today_is_late_by_the_days_since_its_due_date(
    office: Office,
) -> None:
    occ_id = office.occurrences["1.1"]
    due = (await occurrence(office.runtime, occ_id)).due_date
    days = (local_day(office.clock.now(), office.runtime) - due).days
    assert days > 1
    await start_done(office, office.minh, "1.1")
    assert await office.minh.text_of("Đã kiểm tra") == (
        f"Recorded as done, {days} days late. Thank you."
    )
    assert (await occurrence(office.runtime, occ_id)).status == OccurrenceStatus.DONE
    assert "2 overdue" not in await office.leader.text_of("/overdue")


async def test_the_leader_and_the_admin_may_mark_done_too(office: Office) -> None:
    for who, code in ((office.leader, "1.2"), (office.admin, "2.1")):
        await start_done(office, who, code)
        answer = await who.text_of("https://drive.example.vn/x")
        assert answer.startswith("Recorded as done"), answer
        stored = await occurrence(office.runtime, office.occurrences[code])
        assert stored.status == OccurrenceStatus.DONE
        assert stored.done_by == await office.person_id(who)


async def test_cancelling_the_evidence_step_records_nothing(office: Office) -> None:
    before = await snapshot(office.runtime)
    await start_done(office, office.minh, "1.2")
    assert await office.minh.text_of("/cancel") == "Cancelled. Nothing was saved."
    assert await snapshot(office.runtime) == before


# Progress


async def test_progress_note_on_an_occurrence(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    assert await office.minh.text_of("/tasks")
    outcome = await office.minh.press(f"occ:progress:{occ_id}")
    assert texts(outcome) == ["Task [1.1]: write a short progress note (or /cancel)."]
    assert await office.minh.text_of("Đã họp triển khai, đang tổng hợp") == "Progress note saved."
    [event] = await events(office.runtime, office.tasks["1.1"])
    assert (event.kind, event.occurrence_id, event.note) == (
        EventKind.PROGRESS,
        occ_id,
        "Đã họp triển khai, đang tổng hợp",
    )
    assert (await occurrence(office.runtime, occ_id)).status == OccurrenceStatus.PENDING
    [entry] = await audits(office.runtime, "task.progress")
    assert entry.after == {"note_chars": len("Đã họp triển khai, đang tổng hợp")}
    card = await office.minh.text_of(f"/task {office.tasks['1.1']}")
    assert card.splitlines()[-1].endswith(" progress: Đã họp triển khai, đang tổng hợp")


async def test_a_partner_unit_may_report_progress_but_not_mark_done(office: Office) -> None:
    occ_id = office.occurrences["1.1"]  # led by VP, TP helps
    assert texts(await office.hoa.press(f"occ:done:{occ_id}")) == [NOT_FOR_YOU]
    assert texts(await office.hoa.press(f"occ:more:{occ_id}")) == [NOT_FOR_YOU]
    await office.hoa.press(f"occ:progress:{occ_id}")
    assert await office.hoa.text_of("Đã rà soát hồ sơ") == "Progress note saved."
    [event] = await events(office.runtime, office.tasks["1.1"])
    assert event.person_id == await office.person_id(office.hoa)


async def test_progress_note_on_an_ongoing_task(office: Office) -> None:
    task_id = office.tasks["1.4"]
    card = (await office.minh.say(f"/task {task_id}")).replies[0]
    assert payloads(card) == [f"task:progress:{task_id}"]
    assert texts(await office.minh.press(f"task:progress:{task_id}")) == [
        "Task [1.4]: write a short progress note (or /cancel)."
    ]
    assert await office.minh.text_of("Tháng này đã cập nhật 5 tin bài") == "Progress note saved."
    [event] = await events(office.runtime, task_id)
    assert (event.kind, event.occurrence_id) == (EventKind.PROGRESS, None)


# Blocked


async def test_blocked_tells_the_overseeing_leader_at_once(office: Office) -> None:
    occ_id = office.occurrences["1.1"]
    assert texts(await office.minh.press(f"occ:blocked:{occ_id}")) == [
        "Task [1.1]: what is blocking it? (or /cancel)"
    ]
    assert await office.minh.text_of("Chưa có kinh phí") == (
        "The blocker is recorded and the leaders are told."
    )
    [event] = await events(office.runtime, office.tasks["1.1"])
    assert (event.kind, event.note) == (EventKind.BLOCKED, "Chưa có kinh phí")
    [entry] = await audits(office.runtime, "task.blocked")
    assert entry.after == {"reason": "Chưa có kinh phí"}

    [row] = await notices(office.runtime, "blocked")
    assert row.person_id == await office.person_id(office.leader)  # not the chief: Dũng oversees VP
    assert row.due_at == office.clock.now()  # Monday 09:00 is inside working hours
    assert row.params == {
        "notice": "blocked",
        "name": "Minh",
        "code": "1.1",
        "reason": "Chưa có kinh phí",
    }
    assert row.task_id == office.tasks["1.1"]

    await set_locale(office.runtime, office.leader, "en")
    sent = await sweep(office.runtime)
    assert any(
        "⛔ Minh reports that task [1.1] is blocked: Chưa có kinh phí" in reply.text
        for reply in sent.to(office.leader)
    )
    assert not any("⛔" in reply.text for reply in sent.to(office.chief))


async def test_blocked_without_an_overseeing_leader_tells_every_general_leader(
    office: Office,
) -> None:
    await office.hoa.press(f"occ:blocked:{office.occurrences['2.1']}")
    await office.hoa.say("Thiếu biểu mẫu")
    [row] = await notices(office.runtime, "blocked")
    assert row.person_id == await office.person_id(office.chief)


async def test_blocked_after_hours_waits_for_the_next_working_morning(office: Office) -> None:
    friday_evening = datetime(2026, 3, 6, 19, 0, tzinfo=VN)
    office.clock.set(friday_evening)
    await office.minh.press(f"occ:blocked:{office.occurrences['1.2']}")
    await office.minh.say("Máy tính hỏng")
    [row] = await notices(office.runtime, "blocked")
    morning = working_calendar().next_working_day(friday_evening.date())
    assert row.due_at == datetime.combine(morning, ReminderPolicy().work_start, VN)


async def test_a_leader_reading_a_digest_gets_the_blocker_next_morning(office: Office) -> None:
    assert await office.leader.text_of("/digest") == (
        "From now on you get one digest each working morning. Send /digest again to undo."
    )
    await office.minh.press(f"occ:blocked:{office.occurrences['1.2']}")
    await office.minh.say("Chờ ý kiến")
    [row] = await notices(office.runtime, "blocked")
    today = local_day(office.clock.now(), office.runtime)
    morning = working_calendar().next_working_day(today)
    assert row.due_at == datetime.combine(morning, ReminderPolicy().work_start, VN)


# More time


async def ask_more_time(office: Office, code: str, proposed: str, reason: str) -> int:
    """Minh asks for more time; return the request id."""
    occ_id = office.occurrences[code]
    await office.minh.press(f"occ:more:{occ_id}")
    assert await office.minh.text_of(proposed) == "Why is more time needed? (or /cancel)"
    assert await office.minh.text_of(reason) == (
        "Your request is sent to the leaders. You will be told their decision."
    )
    async with office.runtime.sessions() as session:
        request = await session.scalar(
            select(ExtensionRequest).where(ExtensionRequest.occurrence_id == occ_id)
        )
    assert request is not None
    return request.id


async def test_more_time_is_asked_and_the_leader_gets_approve_and_decline(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    asked = await office.minh.press(f"occ:more:{occ_id}")
    assert texts(asked) == [
        f"Task [1.2] is due {en_date(date(2026, 3, 10))}. By which date can it be done? "
        "(for example 15/10/2024, or /cancel)"
    ]
    assert await office.minh.text_of("20/03/2026") == "Why is more time needed? (or /cancel)"
    assert await office.minh.text_of("Chờ số liệu của thôn") == (
        "Your request is sent to the leaders. You will be told their decision."
    )
    async with office.runtime.sessions() as session:
        [request] = (await session.scalars(select(ExtensionRequest))).all()
    assert (request.occurrence_id, request.proposed, request.status, request.reason) == (
        occ_id,
        date(2026, 3, 20),
        ExtensionStatus.PENDING,
        "Chờ số liệu của thôn",
    )
    [event] = await events(office.runtime, office.tasks["1.2"])
    assert (event.kind, event.day) == (EventKind.MORE_TIME, date(2026, 3, 20))
    [entry] = await audits(office.runtime, "task.more_time")
    assert entry.after == {"proposed": "2026-03-20", "request": request.id}
    [row] = await notices(office.runtime, "extension")
    assert row.person_id == await office.person_id(office.leader)

    await set_locale(office.runtime, office.leader, "en")
    [message] = [r for r in (await sweep(office.runtime)).to(office.leader) if "🕒" in r.text]
    assert (
        f"🕒 Minh asks to move task [1.2] from {en_date(date(2026, 3, 10))} to "
        f"{en_date(date(2026, 3, 20))}. Reason: Chờ số liệu của thôn"
    ) in message.text
    assert payloads(message)[:2] == [f"ext:approve:{request.id}", f"ext:decline:{request.id}"]


async def test_approving_moves_the_due_date_and_keeps_the_planned_date(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    request_id = await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu")
    approved = await office.leader.press(f"ext:approve:{request_id}")
    assert texts(approved) == [f"Approved: task [1.2] is now due {en_date(date(2026, 3, 20))}."]

    stored = await occurrence(office.runtime, occ_id)
    assert (stored.planned_date, stored.due_date, stored.status) == (
        date(2026, 3, 10),
        date(2026, 3, 20),
        OccurrenceStatus.PENDING,
    )
    async with office.runtime.sessions() as session:
        request = await session.get_one(ExtensionRequest, request_id)
    assert request.status == ExtensionStatus.APPROVED
    assert request.decided_by == await office.person_id(office.leader)
    kinds = [e.kind for e in await events(office.runtime, office.tasks["1.2"])]
    assert kinds == [EventKind.MORE_TIME, EventKind.EXTENDED]
    [entry] = await audits(office.runtime, "task.extension_approved")
    assert (entry.before, entry.after) == (
        {"due": "2026-03-10"},
        {"due": "2026-03-20", "planned": "2026-03-10", "request": request_id},
    )
    for who in (office.minh, office.leader):
        card = await who.text_of(f"/task {office.tasks['1.2']}")
        assert (
            f"• {en_date(date(2026, 3, 20))} (moved from {en_date(date(2026, 3, 10))}) — pending"
        ) in card

    [told] = await notices(office.runtime, "extension_decided")
    assert told.person_id == await office.person_id(office.minh)
    await set_locale(office.runtime, office.minh, "en")
    received = [r.text for r in (await sweep(office.runtime)).to(office.minh)]
    assert any(
        f"✅ More time for task [1.2] was approved: now due {en_date(date(2026, 3, 20))}." in text
        for text in received
    )


async def test_declining_keeps_the_due_date_and_tells_the_requester(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    request_id = await ask_more_time(office, "1.2", "2026-03-31", "Thiếu người")
    declined = await office.chief.press(f"ext:decline:{request_id}")
    assert texts(declined) == [f"Declined: task [1.2] stays due {en_date(date(2026, 3, 10))}."]
    stored = await occurrence(office.runtime, occ_id)
    assert (stored.planned_date, stored.due_date) == (date(2026, 3, 10), date(2026, 3, 10))
    async with office.runtime.sessions() as session:
        assert (await session.get_one(ExtensionRequest, request_id)).status == (
            ExtensionStatus.DECLINED
        )
    card = await office.minh.text_of(f"/task {office.tasks['1.2']}")
    assert f"• {en_date(date(2026, 3, 10))} — pending" in card
    assert "moved from" not in card
    [told] = await notices(office.runtime, "extension_decided")
    assert told.person_id == await office.person_id(office.minh)
    assert told.params["approved"] is False
    await set_locale(office.runtime, office.minh, "en")
    received = [r.text for r in (await sweep(office.runtime)).to(office.minh)]
    assert any(
        f"❌ More time for task [1.2] was declined; it stays due {en_date(date(2026, 3, 10))}."
        in text
        for text in received
    )


# Snooze


@pytest.mark.parametrize(
    "now", [datetime(2026, 3, 2, 9, 0, tzinfo=VN), datetime(2026, 3, 6, 16, 0, tzinfo=VN)]
)
async def test_snooze_queues_a_reminder_for_the_next_working_day(
    office: Office, now: datetime
) -> None:
    office.clock.set(now)
    occ_id = office.occurrences["1.1"]
    day = working_calendar().next_working_day(now.date())
    outcome = await office.minh.press(f"occ:snooze:{occ_id}")
    assert texts(outcome) == [f"I will remind you again on {en_date(day)}."]
    minh = await office.person_id(office.minh)
    async with office.runtime.sessions() as session:
        [row] = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("s:"))
            )
        ).all()
    assert (row.person_id, row.kind, row.chat_id, row.channel) == (
        minh,
        "reminder",
        str(office.minh.user_id),
        "test",
    )
    assert row.due_at == send_at(day, ReminderPolicy(), VN)
    assert row.params == {"occurrence": occ_id, "step": "snooze", "audience": "lead"}
    [event] = await events(office.runtime, office.tasks["1.1"])
    assert (event.kind, event.day) == (EventKind.SNOOZED, day)
    # Pressing it again the same day queues nothing new.
    await office.minh.press(f"occ:snooze:{occ_id}")
    async with office.runtime.sessions() as session:
        keys = await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key.startswith("s:"))
        )
        assert len(keys.all()) == 1


# Events


async def test_recording_the_event_date_starts_the_deadline_with_its_offset(
    office: Office,
) -> None:
    task_id = office.tasks["1.5"]
    card = (await office.minh.say(f"/task {task_id}")).replies[0]
    assert payloads(card) == [f"task:progress:{task_id}", f"task:event:{task_id}"]
    assert texts(await office.minh.press(f"task:event:{task_id}")) == [
        "Task [1.5]: on which date did it happen? (for example 05/03/2024, or /cancel)"
    ]
    happened = date(2026, 2, 27)
    due = working_calendar().add_working_days(happened, 5)  # "trong vòng 05 ngày làm việc"
    recorded = await office.minh.say("27/02/2026")
    [reply] = recorded.replies
    assert reply.text == f"Recorded. Task [1.5] is now due {en_date(due)}."
    async with office.runtime.sessions() as session:
        event = await session.scalar(select(TaskEvent).where(TaskEvent.task_id == task_id))
    assert event is not None
    assert (event.kind, event.day) == (EventKind.EVENT, happened)
    assert event.occurrence_id is not None
    assert payloads(reply)[0] == f"occ:done:{event.occurrence_id}"
    stored = await occurrence(office.runtime, event.occurrence_id)
    assert (stored.due_date, stored.set_by, stored.status) == (
        due,
        await office.person_id(office.minh),
        OccurrenceStatus.PENDING,
    )
    [entry] = await audits(office.runtime, "task.event")
    assert entry.after == {"happened": happened.isoformat(), "due": due.isoformat()}
    assert "Waiting for an event" not in await office.minh.text_of("/tasks")


async def test_a_calendar_day_offset_counts_calendar_days(office: Office) -> None:
    task_id = office.tasks["1.5"]
    async with office.runtime.sessions.begin() as session:
        task = await session.get_one(Task, task_id)
        task.offset_days, task.offset_working_days = 10, False
    await office.minh.press(f"task:event:{task_id}")
    reply = await office.minh.text_of("2026-02-27")
    assert reply == f"Recorded. Task [1.5] is now due {en_date(date(2026, 3, 9))}."


@pytest.mark.parametrize("answer", ["hôm qua", "32/01/2026", "2026-13-01", "x" * 100_000])
async def test_an_event_date_that_is_not_a_date_is_asked_again(office: Office, answer: str) -> None:
    task_id = office.tasks["1.5"]
    await office.minh.press(f"task:event:{task_id}")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(answer) == (
        f"“{answer[:40]}” is not a date. Write it as day/month/year, for example 10/01/2026."
    )
    assert await snapshot(office.runtime) == before
    assert (await office.minh.text_of("02/03/2026")).startswith("Recorded. Task [1.5]")


async def test_an_event_date_in_the_future_is_refused(office: Office) -> None:
    await office.minh.press(f"task:event:{office.tasks['1.5']}")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of("03/03/2026") == (
        "That date is in the future; send the date it happened."
    )
    assert await snapshot(office.runtime) == before


# /overdue and /digest


async def test_overdue_lists_overdue_tasks_by_unit_with_days_late(office: Office) -> None:
    today = local_day(office.clock.now(), office.runtime)
    due_vp = (await occurrence(office.runtime, office.occurrences["1.1"])).due_date
    due_tp = (await occurrence(office.runtime, office.occurrences["2.1"])).due_date
    expected = "\n".join(
        [
            "2 overdue tasks:",
            "",
            "Tư pháp - Hộ tịch:",
            f"• #{office.tasks['2.1']} [2.1] {(today - due_tp).days} days late ({en_date(due_tp)})",
            "",
            "Văn phòng - Thống kê:",
            f"• #{office.tasks['1.1']} [1.1] {(today - due_vp).days} days late ({en_date(due_vp)})",
        ]
    )
    for who in (office.leader, office.chief, office.admin):
        assert await who.text_of("/overdue") == expected
    for who in (office.minh, office.citizen):
        assert await who.text_of("/overdue") == NOT_ALLOWED


async def test_overdue_follows_the_clock_and_what_is_done(office: Office) -> None:
    office.clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=VN))  # 1.2 (due 10 March) is 1 day late
    text = await office.leader.text_of("/overdue")
    assert text.startswith("3 overdue tasks:")
    assert f"• #{office.tasks['1.2']} [1.2] 1 day late ({en_date(date(2026, 3, 10))})" in text
    for code in ("1.1", "1.2"):
        await start_done(office, office.minh, code)
        await office.minh.say("Đã xong")
    await start_done(office, office.hoa, "2.1")
    await office.hoa.say("Đã xong")
    assert await office.leader.text_of("/overdue") == "Nothing is overdue."


@pytest.mark.parametrize("approved_late", [False, True])
async def test_an_extended_task_stands_the_same_in_overdue_status_and_the_report(
    office: Office, approved_late: bool
) -> None:
    # 1.2 is due 10 March; moved to 20 March, it counts only if approved by 10 March.
    request_id = await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu")
    approved = date(2026, 3, 11) if approved_late else date(2026, 3, 9)
    office.clock.set(datetime.combine(approved, time(16, 0), VN))
    await office.leader.press(f"ext:approve:{request_id}")
    moved = await occurrence(office.runtime, office.occurrences["1.2"])
    assert (moved.planned_date, moved.due_date) == (date(2026, 3, 10), date(2026, 3, 20))
    office.clock.set(datetime(2026, 3, 12, 9, 0, tzinfo=VN))

    overdue = await office.leader.text_of("/overdue")
    status = await office.leader.text_of("/status")
    mine = await office.minh.text_of("/tasks")
    task_line = f"   due {en_date(date(2026, 3, 10))} (chậm nhất ngày 10/3/2026) — extended to "
    async with office.runtime.sessions() as session:
        [row] = [
            r
            for r in await reports.occurrences(
                session,
                reports.Scope(
                    [office.org_id],
                    date(2026, 1, 1),
                    date(2026, 12, 31),
                    date(2026, 3, 12),
                    date(2026, 3, 26),
                    VN,
                ),
                STATES,
            )
            if r.occurrence_id == office.occurrences["1.2"]
        ]
    line = f"• #{office.tasks['1.2']} [1.2] 2 days late ({en_date(date(2026, 3, 10))})"
    late_on_status = (
        "• [1.2] Nhiệm vụ 1.2: tổ chức thực hiện và báo cáo — Văn phòng - Thống kê, 2 days"
    )
    if approved_late:
        assert (row.state, row.due) == (Standing.OVERDUE, date(2026, 3, 10))
        assert overdue.startswith("3 overdue tasks:")
        assert f"{line} — extended to {en_date(date(2026, 3, 20))}, but approved after " in overdue
        assert " · overdue 3 · " in status
        assert late_on_status in status.splitlines()
        # /tasks counts it late too, oldest due day first, and says why.
        assert (OVERDUE, ["1.1", "1.2"]) in grouped(mine)
        assert (
            f"{task_line}{en_date(date(2026, 3, 20))}, but approved after the due day, so it "
            "still counts late"
        ) in mine.splitlines()
    else:
        assert (row.state, row.due) == (Standing.DUE_SOON, date(2026, 3, 20))
        assert overdue.startswith("2 overdue tasks:")
        assert "[1.2]" not in overdue
        assert " · overdue 2 · " in status
        assert "[1.2]" not in status
        assert (SOON, ["1.2"]) in grouped(mine)
        assert (
            f"   due {en_date(date(2026, 3, 20))} (chậm nhất ngày 10/3/2026) "
            f"(moved from {en_date(date(2026, 3, 10))})"
        ) in mine.splitlines()


async def test_tasks_follow_a_due_date_moved_in_time(office: Office) -> None:
    # 1.2 (10 March) moved past 2.2 with an approval in time: it now comes after 2.2.
    before = grouped(await office.minh.text_of("/tasks"))
    assert (SOON, ["1.2"]) in before
    assert (LATER, ["2.2"]) in before
    request_id = await ask_more_time(office, "1.2", "30/12/2026", "Chờ số liệu")
    await office.leader.press(f"ext:approve:{request_id}")
    after = await office.minh.text_of("/tasks")
    assert (LATER, ["2.2", "1.2"]) in grouped(after)
    assert not [group for group, _ in grouped(after) if group == SOON]
    assert f"(moved from {en_date(date(2026, 3, 10))})" in after


async def test_digest_toggles(office: Office) -> None:
    minh = await office.person_id(office.minh)

    async def digest() -> bool:
        async with office.runtime.sessions() as session:
            return (await session.get_one(PersonRow, minh)).digest

    assert await digest() is False
    assert await office.minh.text_of("/digest") == (
        "From now on you get one digest each working morning. Send /digest again to undo."
    )
    assert await digest() is True
    assert await office.minh.text_of("/digest") == (
        "From now on you get messages as they come. Send /digest again to undo."
    )
    assert await digest() is False
    assert await office.citizen.text_of("/digest") == NOT_ALLOWED


# Hostile input: forged and foreign buttons


@pytest.mark.parametrize(
    "payload",
    ["occ:done:999999", "occ:more:999999", "occ:blocked:0", "task:event:999999"],
)
async def test_forged_occurrence_buttons_change_nothing(office: Office, payload: str) -> None:
    before = await snapshot(office.runtime)
    for who in (office.minh, office.admin):
        assert texts(await who.press(payload)) == [NOT_FOR_YOU]
    assert await snapshot(office.runtime) == before


@pytest.mark.parametrize(
    "payload",
    [
        "occ:done:abc",
        "occ:done:",
        "occ:done:-1",
        "occ:done:1e3",
        "occ:done: 1",
        "occ:done:99999999999999999999",
        "occ:done:99999999999",
        "occ:done:2147483648",
        "occ:done:²",
        "occ:done:１２",
        "occ:done:1:2",
        "occ:progress:abc",
        "occ:snooze:",
        "task:progress:abc",
        "task:event:#1",
    ],
)
async def test_malformed_occurrence_buttons_are_not_understood(
    office: Office, payload: str
) -> None:
    # The router parses every payload the same way: what is not one names nothing.
    before = await snapshot(office.runtime)
    for who in (office.minh, office.admin):
        assert texts(await who.press(payload)) == [NOT_VALID]
    assert await snapshot(office.runtime) == before


@pytest.mark.parametrize(
    "payload", ["ext:approve:999999", "ext:decline:abc", "ext:approve:", "ext:approve:99999999999"]
)
async def test_forged_extension_buttons_change_nothing(office: Office, payload: str) -> None:
    before = await snapshot(office.runtime)
    assert texts(await office.leader.press(payload)) == [NOT_VALID]
    assert await snapshot(office.runtime) == before


async def test_an_official_cannot_decide_an_extension(office: Office) -> None:
    request_id = await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu")
    before = await snapshot(office.runtime)
    for who in (office.minh, office.hoa, office.citizen):
        assert texts(await who.press(f"ext:approve:{request_id}")) == [NOT_FOR_YOU]
        assert texts(await who.press(f"ext:decline:{request_id}")) == [NOT_FOR_YOU]
    assert texts(await office.minh.press("ext:approve:1")) == [NOT_FOR_YOU]
    assert await snapshot(office.runtime) == before


@pytest.mark.parametrize("action", ["done", "progress", "blocked", "more", "snooze"])
async def test_a_citizen_pressing_a_real_occurrence_button_changes_nothing(
    office: Office, action: str
) -> None:
    before = await snapshot(office.runtime)
    outcome = await office.citizen.press(f"occ:{action}:{office.occurrences['1.2']}")
    assert texts(outcome) == [NOT_FOR_YOU]
    assert await snapshot(office.runtime) == before


@pytest.mark.parametrize("action", ["done", "progress", "blocked", "more", "snooze"])
async def test_an_official_of_another_unit_is_refused(office: Office, action: str) -> None:
    before = await snapshot(office.runtime)
    outcome = await office.hoa.press(f"occ:{action}:{office.occurrences['1.2']}")  # VP's task
    assert texts(outcome) == [NOT_FOR_YOU]
    assert await snapshot(office.runtime) == before
    assert (await occurrence(office.runtime, office.occurrences["1.2"])).status == (
        OccurrenceStatus.PENDING
    )


async def test_another_units_task_buttons_and_card_are_refused(office: Office) -> None:
    before = await snapshot(office.runtime)
    for payload in (f"task:event:{office.tasks['1.5']}", f"task:progress:{office.tasks['1.4']}"):
        assert texts(await office.hoa.press(payload)) == [NOT_FOR_YOU]
    task_id = office.tasks["1.2"]
    assert await office.hoa.text_of(f"/task {task_id}") == f"There is no task #{task_id} for you."
    assert texts(await office.hoa.press(f"task:open:{task_id}")) == [
        f"There is no task #{task_id} for you."
    ]
    assert await snapshot(office.runtime) == before


@pytest.mark.parametrize("action", ["done", "progress", "blocked", "more", "snooze"])
async def test_an_occurrence_of_another_organization_is_refused(
    office: Office, elsewhere: Elsewhere, action: str
) -> None:
    before = await snapshot(office.runtime)
    for who in (office.admin, office.leader, office.minh):
        outcome = await who.press(f"occ:{action}:{elsewhere.occurrences['1.2']}")
        assert texts(outcome) == [NOT_FOR_YOU]
    for payload in (
        f"task:event:{elsewhere.tasks['1.5']}",
        f"task:progress:{elsewhere.tasks['1.4']}",
    ):
        assert texts(await office.admin.press(payload)) == [NOT_FOR_YOU]
    assert await snapshot(office.runtime) == before


async def test_an_extension_of_another_organization_cannot_be_decided(
    office: Office, elsewhere: Elsewhere
) -> None:
    async with office.runtime.sessions.begin() as session:
        request = ExtensionRequest(
            occurrence_id=elsewhere.occurrences["1.2"],
            requested_by=await office.person_id(office.minh),
            proposed=date(2026, 4, 1),
            reason="x",
            status=ExtensionStatus.PENDING,
            created_at=office.clock.now(),
        )
        session.add(request)
        await session.flush()
        request_id = request.id
    before = await snapshot(office.runtime)
    assert texts(await office.leader.press(f"ext:approve:{request_id}")) == [NOT_VALID]
    assert texts(await office.admin.press(f"ext:decline:{request_id}")) == [NOT_VALID]
    assert await snapshot(office.runtime) == before


# Hostile input: what is typed or sent in the dialogs


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
async def test_empty_evidence_is_asked_again(office: Office, blank: str) -> None:
    await start_done(office, office.minh, "1.2")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(blank) == (
        "Please send a file, a photo, a link or a short note (or /cancel)."
    )
    assert await snapshot(office.runtime) == before
    assert await office.minh.text_of("Đã xong") == SAVED_ON_TIME


async def test_a_huge_note_is_refused_and_the_step_stays_open(office: Office) -> None:
    huge = "ghi chú " * 12_800  # about 100 KB
    assert len(huge.encode()) >= 100_000
    await start_done(office, office.minh, "1.2")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(huge) == "That note is too long (at most 2000 characters)."
    assert await snapshot(office.runtime) == before

    await office.minh.press(f"occ:progress:{office.occurrences['1.1']}")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(huge) == "That note is too long (at most 2000 characters)."
    assert await office.minh.text_of("") == "Please write it as text (or /cancel)."
    assert await snapshot(office.runtime) == before

    await office.minh.press(f"occ:blocked:{office.occurrences['1.1']}")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(huge) == "That note is too long (at most 1000 characters)."
    assert await office.minh.text_of("   ") == "Please write it as text (or /cancel)."
    assert await snapshot(office.runtime) == before
    assert await notices(office.runtime, "blocked") == []
    assert await office.minh.text_of("Thiếu kinh phí") == (
        "The blocker is recorded and the leaders are told."
    )


async def test_a_huge_reason_for_more_time_is_refused(office: Office) -> None:
    await office.minh.press(f"occ:more:{office.occurrences['1.2']}")
    await office.minh.say("20/03/2026")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of("x" * 100_000) == (
        "That note is too long (at most 1000 characters)."
    )
    assert await snapshot(office.runtime) == before
    assert await notices(office.runtime, "extension") == []


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
async def test_a_blank_reason_for_more_time_is_asked_again(office: Office, blank: str) -> None:
    await office.minh.press(f"occ:more:{office.occurrences['1.2']}")
    await office.minh.say("20/03/2026")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(blank) == "Please write it as text (or /cancel)."
    assert await snapshot(office.runtime) == before
    assert await office.minh.text_of("Chờ số liệu") == (
        "Your request is sent to the leaders. You will be told their decision."
    )


@pytest.mark.parametrize("answer", ["next week", "20/3", "31/02/2026", "", "/20/03/2026"])
async def test_a_proposed_date_that_is_not_a_date_is_asked_again(
    office: Office, answer: str
) -> None:
    await office.minh.press(f"occ:more:{office.occurrences['1.2']}")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(answer) == (
        f"“{answer}” is not a date. Write it as day/month/year, for example 10/01/2026."
    )
    assert await snapshot(office.runtime) == before
    assert await office.minh.text_of("20/03/2026") == "Why is more time needed? (or /cancel)"


@pytest.mark.parametrize("answer", ["10/03/2026", "09/03/2026", "01/01/2020"])
async def test_a_proposed_date_not_after_the_due_date_is_refused(
    office: Office, answer: str
) -> None:
    await office.minh.press(f"occ:more:{office.occurrences['1.2']}")
    before = await snapshot(office.runtime)
    assert await office.minh.text_of(answer) == (
        f"The new date must be after {en_date(date(2026, 3, 10))}."
    )
    assert await snapshot(office.runtime) == before


async def test_a_proposed_date_more_than_a_year_away_is_refused(office: Office) -> None:
    due = (await occurrence(office.runtime, office.occurrences["1.2"])).due_date
    await office.minh.press(f"occ:more:{office.occurrences['1.2']}")
    before = await snapshot(office.runtime)
    too_far = due + timedelta(days=367)
    assert await office.minh.text_of(too_far.strftime("%d/%m/%Y")) == (
        "That is more than a year away; please propose a nearer date."
    )
    assert await snapshot(office.runtime) == before
    a_year = due + timedelta(days=366)
    assert await office.minh.text_of(a_year.isoformat()) == "Why is more time needed? (or /cancel)"


async def test_evidence_over_20_mb_is_refused(office: Office) -> None:
    await start_done(office, office.minh, "1.2")
    before = await snapshot(office.runtime)
    outcome = await send_file(office.minh, "video.mp4", size=20 * 1024 * 1024 + 1)
    assert texts(outcome) == [
        "That file is too large (at most 20 MB). Send a smaller one or a link."
    ]
    assert await snapshot(office.runtime) == before
    done = await send_file(office.minh, "anh.jpg", b"\xff\xd8\xff jpeg")
    assert texts(done) == [SAVED_ON_TIME]


async def test_pressing_done_twice(office: Office) -> None:
    occ_id = office.occurrences["1.2"]
    await start_done(office, office.minh, "1.2")
    await start_done(office, office.minh, "1.2")  # a second press just asks again
    assert await office.minh.text_of("Đã xong") == SAVED_ON_TIME
    before = await snapshot(office.runtime)
    for payload in (f"occ:done:{occ_id}", f"occ:more:{occ_id}", f"occ:snooze:{occ_id}"):
        assert texts(await office.minh.press(payload)) == [
            f"Task [1.2] is already settled for {en_date(date(2026, 3, 10))}."
        ]
    assert await office.minh.text_of("Đã xong") == (
        "I did not understand that. Send /help to see what I can do."
    )
    assert await snapshot(office.runtime) == before
    assert [e.kind for e in await events(office.runtime, office.tasks["1.2"])] == [EventKind.DONE]


async def test_done_by_two_people_at_once_is_recorded_once(office: Office) -> None:
    await start_done(office, office.leader, "1.2")
    await start_done(office, office.minh, "1.2")
    assert await office.minh.text_of("Đã xong") == SAVED_ON_TIME
    before = await snapshot(office.runtime)
    assert await office.leader.text_of("Tôi cũng xong") == NOT_VALID
    await assert_only_dialogs_ended(office.runtime, before)  # the stale dialog is closed
    stored = await occurrence(office.runtime, office.occurrences["1.2"])
    assert stored.done_by == await office.person_id(office.minh)
    assert [e.kind for e in await events(office.runtime, office.tasks["1.2"])] == [EventKind.DONE]


async def test_a_blocker_for_a_task_done_meanwhile_closes_the_step(office: Office) -> None:
    await office.minh.press(f"occ:blocked:{office.occurrences['1.2']}")
    await start_done(office, office.leader, "1.2")
    assert await office.leader.text_of("Đã xong") == SAVED_ON_TIME
    before = await snapshot(office.runtime)
    # The task is looked at before the text, so even a blank reason finds it settled.
    assert await office.minh.text_of(" ") == NOT_VALID
    await assert_only_dialogs_ended(office.runtime, before)
    assert await office.minh.text_of("Thiếu kinh phí") == HINT
    assert await notices(office.runtime, "blocked") == []
    assert [e.kind for e in await events(office.runtime, office.tasks["1.2"])] == [EventKind.DONE]


async def test_more_time_for_a_task_done_meanwhile_closes_the_step(office: Office) -> None:
    await office.minh.press(f"occ:more:{office.occurrences['1.2']}")
    assert await office.minh.text_of("20/03/2026") == "Why is more time needed? (or /cancel)"
    await start_done(office, office.leader, "1.2")
    assert await office.leader.text_of("Đã xong") == SAVED_ON_TIME
    before = await snapshot(office.runtime)
    assert await office.minh.text_of("Chờ số liệu") == NOT_VALID
    await assert_only_dialogs_ended(office.runtime, before)
    assert await notices(office.runtime, "extension") == []


async def test_deciding_an_extension_twice(office: Office) -> None:
    request_id = await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu")
    await office.leader.press(f"ext:approve:{request_id}")
    before = await snapshot(office.runtime)
    for who, payload in (
        (office.leader, f"ext:approve:{request_id}"),
        (office.chief, f"ext:decline:{request_id}"),
        (office.admin, f"ext:approve:{request_id}"),
    ):
        assert texts(await who.press(payload)) == ["This request was already decided."]
    assert await snapshot(office.runtime) == before
    stored = await occurrence(office.runtime, office.occurrences["1.2"])
    assert stored.due_date == date(2026, 3, 20)
    kinds = [e.kind for e in await events(office.runtime, office.tasks["1.2"])]
    assert kinds == [EventKind.MORE_TIME, EventKind.EXTENDED]
    assert len(await notices(office.runtime, "extension_decided")) == 1
