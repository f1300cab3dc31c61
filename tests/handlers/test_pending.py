"""/pending lists what waits for a leader's decision, with its buttons; /task shows a leader
the leader's actions (issue 12, item 12)."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select

from bot.feedback.intake import Submission, receive_case
from db.models import Case, CaseKind, CaseStatus, ExtensionRequest, ExtensionStatus, Role
from tests.conftest import Person
from tests.handlers.conftest import (
    VP,
    Elsewhere,
    Office,
    en_date,
    import_small_plan,
    occurrence,
    payloads,
    small_plan,
    texts,
)
from tests.handlers.test_common import member
from tests.handlers.test_progress import ask_more_time

NOTHING = "Nothing waits for your decision."


async def _case(office: Office, status: CaseStatus, *, org_id: int | None = None) -> Case:
    """A case of the office in ``status``, answered unless new; its sender allows publishing."""
    runtime = office.runtime
    now = runtime.clock.now()
    citizen = await office.person_id(office.citizen)
    text = f"Đường thôn 3 hỏng, trường hợp {status.value}"
    async with runtime.sessions.begin() as session:
        received = await receive_case(
            session,
            Submission(
                kind=CaseKind.REFLECTION,
                topic="infrastructure",
                text=text,
                text_hash=hashlib.sha256(text.encode()).hexdigest(),
                channel="test",
                chat_id="9006",
                consent_at=now,
                publish=True,
            ),
            citizen_id=citizen,
            org_id=org_id or office.org_id,
            audit_org_id=org_id or office.org_id,
            now=now,
            tz=runtime.settings.tz,
            sealer=runtime.dispatcher.deployment.sealer,
        )
        case = received.case
        case.status = status
        case.unit_id = office.vp
        case.answer = "Xã sẽ sửa trong tuần."
        if status is CaseStatus.ANSWERED:
            case.answered_at = now
    return case


async def test_nothing_waits(office: Office) -> None:
    assert texts(await office.chief.say("/pending")) == [NOTHING]


async def test_officials_and_citizens_may_not_ask(office: Office) -> None:
    for who in (office.minh, office.citizen):
        assert texts(await who.say("/pending")) != [NOTHING]
        assert "wait" not in " ".join(texts(await who.say("/pending")))


async def test_extensions_answers_and_publications_with_their_buttons(office: Office) -> None:
    request_id = await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu của thôn")
    held = await _case(office, CaseStatus.AWAITING_APPROVAL)
    answered = await _case(office, CaseStatus.ANSWERED)

    [reply] = (await office.chief.say("/pending")).replies
    lines = reply.text.splitlines()
    assert lines[0] == "3 items wait for your decision:"
    assert (
        f"Minh asks to move it from {en_date(date(2026, 3, 10))} to "
        f"{en_date(date(2026, 3, 20))}: Chờ số liệu của thôn" in reply.text
    )
    assert f"{held.code} · Report a problem (phản ánh): an answer waits for your approval" in (
        reply.text
    )
    assert "Xã sẽ sửa trong tuần." in reply.text
    assert f"{answered.code} · Roads, water, power: answered" in reply.text
    assert [[b.text for b in row] for row in reply.buttons] == [
        ["Approve [1.2]", "Decline [1.2]"],
        [f"Approve and send {held.code}", f"Open {held.code}"],
        [f"Publish {answered.code}", f"Open {answered.code}"],
    ]
    assert payloads(reply) == [
        f"ext:approve:{request_id}",
        f"ext:decline:{request_id}",
        f"case:approve:{held.id}",
        f"case:open:{held.id}",
        f"case:publish:{answered.id}",
        f"case:open:{answered.id}",
    ]

    # Each button is the existing decision: it decides, and the item leaves the list.
    decided = texts(await office.chief.press(f"ext:approve:{request_id}"))
    assert decided == [f"Approved: task [1.2] is now due {en_date(date(2026, 3, 20))}."]
    assert (await occurrence(office.runtime, office.occurrences["1.2"])).due_date == date(
        2026, 3, 20
    )
    await office.chief.press(f"case:approve:{held.id}")
    await office.chief.press(f"case:publish:{answered.id}")
    # The approved answer is sent; its sender allows publishing, so that is what waits now.
    [reply] = (await office.chief.say("/pending")).replies
    assert payloads(reply) == [f"case:publish:{held.id}", f"case:open:{held.id}"]
    await office.chief.press(f"case:publish:{held.id}")
    assert texts(await office.chief.say("/pending")) == [NOTHING]


async def test_an_administrator_sees_no_answers_to_approve(office: Office) -> None:
    # Approving an answer is a leader's step; extensions and publishing are the admin's too.
    request_id = await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu")
    await _case(office, CaseStatus.AWAITING_APPROVAL)
    [reply] = (await office.admin.say("/pending")).replies
    assert reply.text.splitlines()[0] == "1 item waits for your decision:"
    assert payloads(reply) == [f"ext:approve:{request_id}", f"ext:decline:{request_id}"]


async def test_ones_own_request_is_left_to_another_leader(office: Office) -> None:
    await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu")
    chief = await office.person_id(office.chief)
    async with office.runtime.sessions.begin() as session:
        request = await session.scalar(select(ExtensionRequest))
        assert request is not None
        request.requested_by = chief
    assert texts(await office.chief.say("/pending")) == [NOTHING]
    assert "Decline [1.2]" in str((await office.leader.say("/pending")).replies[0].buttons)


async def test_another_communes_items_stay_there(office: Office, elsewhere: Elsewhere) -> None:
    await _case(office, CaseStatus.AWAITING_APPROVAL, org_id=elsewhere.org_id)
    assert texts(await office.chief.say("/pending")) == [NOTHING]
    their_leader: Person = await member(
        office.runtime, Role.LEADER, user_id=9100, name="Tâm", org_id=elsewhere.org_id
    )
    [reply] = (await their_leader.say("/pending")).replies
    assert reply.text.splitlines()[0] == "1 item waits for your decision:"


async def test_a_long_list_pages(office: Office) -> None:
    made = [await _case(office, CaseStatus.ANSWERED) for _ in range(8)]
    first = (await office.chief.say("/pending")).replies[0]
    assert first.text.splitlines()[0] == "8 items wait for your decision: (page 1 of 2)"
    assert first.buttons[-1][0].text == "»"
    turn = first.buttons[-1][0].data
    assert turn == "pending:page:1"
    second = (await office.chief.press(turn)).replies[0]
    assert second.text.splitlines()[0] == "8 items wait for your decision: (page 2 of 2)"
    shown = [b.data for row in (*first.buttons, *second.buttons) for b in row]
    assert {f"case:publish:{c.id}" for c in made} <= set(shown)
    assert [b.text for b in second.buttons[-1]] == ["«"]
    for forged in ("pending:page:-1", "pending:page:x", "pending:page:99999999999"):
        assert "items wait" not in " ".join(texts(await office.chief.press(forged)))
    assert "page 2 of 2" in texts(await office.chief.press("pending:page:50"))[0]
    assert "items wait" not in " ".join(texts(await office.minh.press("pending:page:1")))


async def test_task_card_shows_a_leader_the_decision_not_the_officials_steps(
    office: Office,
) -> None:
    request_id = await ask_more_time(office, "1.2", "20/03/2026", "Chờ số liệu của thôn")
    task_id = office.tasks["1.2"]
    occ_id = office.occurrences["1.2"]
    [card] = (await office.chief.say(f"/task {task_id}")).replies
    assert (
        f"⏳ Minh asks to move {en_date(date(2026, 3, 10))} to {en_date(date(2026, 3, 20))}: "
        "Chờ số liệu của thôn" in card.text
    )
    assert "History:" in card.text
    shown = payloads(card)
    assert shown[:2] == [f"ext:approve:{request_id}", f"ext:decline:{request_id}"]
    assert not any(p.startswith("occ:") for p in shown)
    assert texts(await office.chief.press(f"ext:decline:{request_id}")) == [
        f"Declined: task [1.2] stays due {en_date(date(2026, 3, 10))}."
    ]
    async with office.runtime.sessions() as session:
        request = await session.get_one(ExtensionRequest, request_id)
    assert request.status == ExtensionStatus.DECLINED

    # The official whose unit does the task keeps the steps and gets no decision buttons.
    [card] = (await office.minh.say(f"/task {task_id}")).replies
    assert f"occ:done:{occ_id}" in payloads(card)
    assert not any(p.startswith("ext:") for p in payloads(card))


async def test_task_by_its_code(office: Office) -> None:
    task_id = office.tasks["1.2"]
    by_number = (await office.chief.say(f"/task {task_id}")).replies
    assert (await office.chief.say("/task 1.2")).replies == by_number
    assert texts(await office.chief.say("/task 9.9")) == ["There is no task #9.9 for you."]
    assert texts(await office.chief.say("/task 1\x002")) == ["There is no task #1\x002 for you."]
    # Hoa's unit has no part in 1.2: its code names nothing for her.
    assert texts(await office.hoa.say("/task 1.2")) == ["There is no task #1.2 for you."]
    plan = small_plan("Kế hoạch chuyển đổi số năm 2026", [("1.2", [VP], [], "Quý IV/2026", "")])
    await import_small_plan(office.runtime, office.org_id, plan)
    [choice] = (await office.chief.say("/task 1.2")).replies
    assert choice.text == "Several tasks have the code 1.2; choose one:"
    assert f"task:open:{task_id}" in payloads(choice)
    assert len(payloads(choice)) == 2
    refused = texts(await office.minh.say("/done 1.2 01/03"))
    assert refused[0].startswith("Several tasks have the code 1.2; use the task's number")
