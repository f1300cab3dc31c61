"""/mydata and /forget: a person sees all they gave, and can take it back."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.clock import ManualClock
from bot.feedback.notices import CaseAssigned
from bot.privacy.forget import ERASED, PersonNotFound, forget_person
from bot.reminders.notices import notify
from bot.runtime import Runtime
from bot.workcal import load_calendar
from db.models import (
    AuditEntry,
    Case,
    CaseEvent,
    CaseFile,
    CaseKind,
    CaseStatus,
    Identity,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
)
from jobs.housekeeping import apply_data_retention
from tests.conftest import Person as Chat
from tests.handlers.feedback_support import (
    HOME,
    case_row,
    dump,
    en_date,
    file_case,
    finish_case,
    only_text,
    person_id,
    photo,
    send,
    start_case,
)
from tests.handlers.test_common import member, root_org

NAME = "Trần Thị Lan"
PHONE = "0987 000 111"
DENOUNCER = "Nguyễn Văn Tố"
DPHONE = "0912 345 678"
REFLECTION = "The drain behind house 12 of Trần Thị Lan overflows."
DENUNCIATION = "The cadastral officer asks for bribes."
STALE = "This button is no longer valid. Nothing was changed."


async def _mydata(who: Chat, args: str = "") -> dict[str, Any]:
    outcome = await who.say(f"/mydata {args}".strip())
    [reply] = outcome.replies
    assert reply.file is not None
    assert reply.file.filename == "my-data.json"
    data = json.loads(await reply.file.read())
    assert isinstance(data, dict)
    return data


async def _reflection(who: Chat) -> str:
    await start_case(who, CaseKind.REFLECTION, "infrastructure", REFLECTION)
    await send(who, attachment=photo(1))
    sent = await finish_case(who, CaseKind.REFLECTION, address="Thôn 2", name=NAME, phone=PHONE)
    return only_text(sent).splitlines()[0].rsplit(" ", 1)[-1]


async def _denunciation(who: Chat) -> str:
    return await file_case(
        who,
        CaseKind.DENUNCIATION,
        "conduct",
        DENUNCIATION,
        address="Thôn 3",
        name=DENOUNCER,
        phone=DPHONE,
    )


async def _close(runtime: Runtime, code: str, at: Any) -> None:
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(Case)
            .where(Case.code == code)
            .values(status=CaseStatus.CLOSED, closed_at=at, answer="Đã nạo vét cống.")
        )


async def test_mydata_sends_everything_the_person_gave_and_nothing_of_others(
    runtime: Runtime,
) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    other = Chat(runtime, 1002, "Bình", "en")
    reflection = await _reflection(lan)
    denunciation = await _denunciation(lan)
    await file_case(other, text="Someone else's pothole on road 5.")

    data = await _mydata(lan)
    assert data["person"]["name"] == "Lan Trần"
    assert [(i["channel"], i["user_id"]) for i in data["identities"]] == [("test", "1001")]
    cases = {c["code"]: c for c in data["cases"]}
    assert set(cases) == {reflection, denunciation}
    assert cases[reflection]["text"] == REFLECTION
    assert cases[reflection]["contact"] == {"name": NAME, "phone": PHONE}
    assert cases[reflection]["files"] == ["photo-1.jpg"]
    assert cases[reflection]["address"] == "Thôn 2"
    assert cases[denunciation]["contact"] == {"name": DENOUNCER, "home": HOME, "phone": DPHONE}
    assert "Someone else's pothole" not in json.dumps(data, ensure_ascii=False)
    # Forged arguments do not reach anyone else's data.
    for forged in ("1002", str(await person_id(runtime, other)), "../1", "x" * 5000, "\x00"):
        again = await _mydata(lan, forged)
        assert {c["code"] for c in again["cases"]} == {reflection, denunciation}
    # A person with nothing stored gets an empty file, not an error.
    empty = await _mydata(Chat(runtime, 1003, "An", "en"))
    assert empty["cases"] == []


async def test_forget_erases_keeps_a_pending_denunciation_and_explains_why(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    reflection = await _reflection(lan)
    denunciation = await _denunciation(lan)
    await _close(runtime, reflection, clock.now())
    pid = await person_id(runtime, lan)

    asked = (await lan.say("/forget")).replies[0]
    assert denunciation in asked.text
    assert [b.data for row in asked.buttons for b in row] == [
        "privacy:forget:yes",
        "privacy:forget:no",
    ]
    assert only_text(await lan.press("privacy:forget:no")) == "Nothing was erased."
    assert (await case_row(runtime, reflection)).text == REFLECTION

    done = only_text(await lan.press("privacy:forget:yes")).splitlines()
    assert done[0] == "Your consent is withdrawn. 1 case was made anonymous."
    assert done[1] == (
        f"{denunciation} (Denunciation (tố cáo)) is still being handled: your name and "
        "address (sealed) and what you wrote are kept, as Luật Tố cáo 2018, Điều 23 (đơn tố "
        "cáo ghi họ tên, địa chỉ) và Điều 47 (giữ bí mật) requires, until it is settled; "
        "they are erased the night after."
    )
    kept_due = (await case_row(runtime, denunciation)).accept_due
    assert kept_due is not None
    assert done[2] == f"Its legal deadline: {en_date(kept_due)}."

    erased = await case_row(runtime, reflection)
    assert (erased.text, erased.contact_sealed, erased.address) == (ERASED, None, None)
    assert erased.kind == CaseKind.REFLECTION  # still counted
    assert erased.status == CaseStatus.CLOSED
    kept = await case_row(runtime, denunciation)
    assert kept.text == DENUNCIATION
    assert kept.contact_sealed is not None
    stored = await dump(runtime)
    for gone in (REFLECTION, "Lan Trần", NAME, PHONE, "Thôn 2"):
        assert gone not in stored, gone
    async with runtime.sessions() as session:
        assert await session.scalar(select(CaseFile.id)) is None
        person = await session.get_one(Person, pid)
        assert (person.display_name, person.name_sealed) == ("", None)
        # The account stays while the denunciation is handled, so its outcome can reach her.
        assert await session.scalar(select(Identity.id).where(Identity.person_id == pid))
        trail = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    forgotten = [e for e in trail if e.action == "person.forgotten"]
    assert [e.after for e in forgotten] == [
        {
            "reason": "chat:/forget",
            "cases_anonymized": 1,
            "cases_kept": 1,
            "contacts_erased": 1,
            "files_erased": 1,
            "identities_removed": 0,
        }
    ]
    assert REFLECTION not in repr([(e.before, e.after) for e in trail])

    # Once the denunciation is settled, the retention job finishes the erasure.
    await _close(runtime, denunciation, clock.now())
    assert await apply_data_retention(runtime.sessions, clock, timedelta(days=1825)) == 1
    settled = await case_row(runtime, denunciation)
    assert (settled.text, settled.contact_sealed) == (ERASED, None)
    async with runtime.sessions() as session:
        assert await session.scalar(select(Identity.id).where(Identity.person_id == pid)) is None
    assert DENOUNCER not in await dump(runtime)
    # Writing again, she is a new person.
    await lan.say("/help")
    assert await person_id(runtime, lan) != pid


@pytest.mark.parametrize(
    "payload",
    [
        "privacy:forget:YES",
        "privacy:forget:yes:1",
        "privacy:forget:",
        "privacy:forget:1",
        "privacy:forget:yes\x00",
        "privacy:forget:ｙｅｓ",
    ],
)
async def test_forged_forget_buttons_erase_nothing(runtime: Runtime, payload: str) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    code = await _reflection(lan)
    other = Chat(runtime, 1002, "Bình", "en")
    assert only_text(await other.press(payload)) in {STALE, "Nothing was erased."}
    assert only_text(await lan.press(payload)) in {STALE, "Nothing was erased."}
    assert (await case_row(runtime, code)).text == REFLECTION


async def test_forget_person_is_idempotent_and_refuses_unknown_ids(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    await _reflection(lan)
    pid = await person_id(runtime, lan)
    async with runtime.sessions.begin() as session:
        first = await forget_person(session, person_id=pid, now=clock.now(), reason="zalo")
        again = await forget_person(session, person_id=pid, now=clock.now(), reason="zalo")
    assert (first.cases_anonymized, first.identities_removed) == (1, 1)
    assert (again.cases_anonymized, again.identities_removed) == (0, 0)
    async with runtime.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions.count("person.forgotten") == 1
    for bad in (0, -1, 10**9):
        with pytest.raises(PersonNotFound):
            async with runtime.sessions.begin() as session:
                await forget_person(session, person_id=bad, now=clock.now(), reason="x")


async def test_staff_keep_name_and_account(runtime: Runtime, clock: ManualClock) -> None:
    official = await member(runtime, Role.ADMIN, user_id=8001, name="Thu")
    code = await _reflection(official)
    await _close(runtime, code, clock.now())
    lines = only_text(await official.press("privacy:forget:yes")).splitlines()
    assert lines[-1].startswith("Your name and account stay")
    assert (await case_row(runtime, code)).text == ERASED
    assert only_text(await official.say("/whoami")).startswith("You are Thu.")


async def test_retention_erases_contacts_of_cases_closed_long_ago_only(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    codes = [
        await file_case(lan, text=f"Pothole number {n}.", name=NAME, phone=PHONE) for n in range(3)
    ]
    retention = timedelta(days=30)
    await _close(runtime, codes[0], clock.now() - retention - timedelta(days=1))
    await _close(runtime, codes[1], clock.now() - retention + timedelta(days=1))
    assert await apply_data_retention(runtime.sessions, clock, retention) == 1
    sealed = [(await case_row(runtime, c)).contact_sealed for c in codes]
    assert sealed[0] is None
    assert sealed[1] is not None  # closed, but not long enough
    assert sealed[2] is not None  # still open
    assert (await case_row(runtime, codes[0])).text == "Pothole number 0."  # counts stay
    async with runtime.sessions() as session:
        purged = list(
            await session.scalars(
                select(AuditEntry.after).where(AuditEntry.action == "contacts.purged")
            )
        )
    assert purged == [{"contacts": 1, "retention_days": 30}]
    assert await apply_data_retention(runtime.sessions, clock, retention) == 0


async def _queue(runtime: Runtime, clock: ManualClock, pid: int, key: str) -> None:
    async with runtime.sessions.begin() as session:
        await notify(
            session,
            people=[pid],
            org_id=root_org(runtime),
            notice=CaseAssigned(case=1, code="X"),
            key=key,
            now=clock.now(),
            tz=runtime.settings.tz,
            calendar=await load_calendar(session),
        )


async def _outbox(runtime: Runtime, pid: int) -> list[OutboxStatus]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.person_id == pid)
        )
        return sorted(rows.all())


async def test_messages_about_a_kept_case_still_go_out(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    await _denunciation(lan)
    pid = await person_id(runtime, lan)
    await _queue(runtime, clock, pid, "sent")
    async with runtime.sessions.begin() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.person_id == pid)
            .values(status=OutboxStatus.SENT)
        )
    await _queue(runtime, clock, pid, "waiting")
    await lan.press("privacy:forget:yes")
    assert await _outbox(runtime, pid) == [OutboxStatus.PENDING]


async def test_without_a_kept_case_no_message_is_left(runtime: Runtime, clock: ManualClock) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    await _reflection(lan)
    pid = await person_id(runtime, lan)
    await _queue(runtime, clock, pid, "waiting")
    await lan.press("privacy:forget:yes")
    assert await _outbox(runtime, pid) == []


async def test_an_open_case_of_a_forgotten_person_is_closed_for_the_staff(
    runtime: Runtime, clock: ManualClock
) -> None:
    lan = Chat(runtime, 1001, "Lan Trần", "en")
    code = await _reflection(lan)
    await lan.press("privacy:forget:yes")
    case = await case_row(runtime, code)
    assert (case.status, case.closed_at, case.text) == (CaseStatus.CLOSED, clock.now(), ERASED)
    async with runtime.sessions() as session:
        events = list(
            await session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            )
        )
    assert events[-1] == "erased"
