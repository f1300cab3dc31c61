"""The commune's side of feedback: triage, assignment, answers, approval, rating, publishing."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.feedback.catalog import topic_label
from bot.feedback.documents import DOCX_TYPE
from bot.i18n import Translator
from bot.messages import Attachment
from bot.runtime import Runtime
from bot.settings import Settings
from bot.workcal import KNOWN_OVERRIDES, WorkCalendar
from db.models import CaseFile, CaseKind, CaseStatus, Rating
from db.queries import dialogs, orgs
from handlers.cases import ANSWER_FLOW, REFUSE_FLOW
from tests.conftest import REPO_ROOT, VN, Person
from tests.handlers.feedback_support import (
    ANSWER_WORKING_DAYS,
    COMPLAINT_RESOLVE_COMPLEX_DAYS,
    COMPLAINT_RESOLVE_DAYS,
    DC,
    NOT_ALLOWED,
    NOT_FOR_YOU,
    STALE,
    TP,
    VP,
    Commune,
    after_calendar_days,
    after_working_days,
    all_cases,
    audits,
    case_row,
    citizen_notices,
    commune,
    en_date,
    file_case,
    finish_case,
    moved_on,
    only_text,
    payloads,
    person_id,
    photo,
    rating_payloads,
    send,
    start_case,
    sweep,
)
from tests.handlers.test_common import add_unit, assert_only_dialogs_ended, snapshot

CAL = WorkCalendar(KNOWN_OVERRIDES)
POTHOLE = "The road by the market has a deep pothole."
HINT = "I did not understand that. Send /help to see what I can do."
ASK_REASON = "Please write the reason as text (at most 4000 characters)."
ASK_ANSWER = "Please write the answer as text (at most 4000 characters)."


@pytest.fixture
async def town(runtime: Runtime, clock: ManualClock) -> Commune:
    """The commune with its staff."""
    return await commune(runtime, clock)


@pytest.fixture
async def lan(town: Commune) -> Person:
    """A citizen writing in English."""
    return await town.citizen(1001, "Lan")


async def _notices(runtime: Runtime, who: Person, at: datetime) -> list[tuple[str, list[str]]]:
    """Run a sweep and return what this person was sent, with the buttons."""
    sender = await sweep(runtime, at)
    return [(r.text, payloads(r)) for r in sender.to(who)]


async def _assign(town: Commune, code: str, unit: str) -> int:
    case = await case_row(town.runtime, code)
    reply = only_text(await town.admin.press(f"case:to:{case.id}:{town.units[unit]}"))
    assert reply == f"{code} is assigned to {unit}."
    return case.id


async def _answer(official: Person, case_id: int, code: str, text: str) -> str:
    asked = only_text(await official.press(f"case:answer:{case_id}"))
    assert asked == (
        f"Write the answer to {code} for the citizen (or /cancel).\n"
        "You may first send the signed answer document (PDF or DOCX)."
    )
    return only_text(await official.say(text))


# Triage


async def test_the_inbox_lists_new_cases_for_administrators_only(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    assert only_text(await town.admin.say("/inbox")) == "No new cases."
    first = await file_case(lan, topic="land", text=POTHOLE)
    clock.advance(timedelta(minutes=10))
    second = await file_case(
        lan, CaseKind.SUGGESTION, "procedures", "Open the one-stop shop on Saturday.\nPlease."
    )
    today = clock.now().date()
    outcome = await town.admin.say("/inbox")
    [reply] = outcome.replies
    reflection_due = after_working_days(today, ANSWER_WORKING_DAYS, CAL)
    suggestion_due = after_calendar_days(today, 10, CAL)
    assert reply.text.splitlines() == [
        "New cases:",
        f"{first} · Report a problem (phản ánh) · Land due {en_date(reflection_due)}",
        f"   {POTHOLE}",
        f"{second} · Suggestion (góp ý) · Administrative procedures due {en_date(suggestion_due)}",
        "   Open the one-stop shop on Saturday. Please.",
    ]
    ids = [(await case_row(runtime, c)).id for c in (first, second)]
    assert payloads(reply) == [f"case:open:{i}" for i in ids]
    for who in (lan, town.leader, town.officials[VP]):
        assert only_text(await who.say("/inbox")) == NOT_ALLOWED


async def test_accept_and_assign_with_the_topics_unit_first(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    land = await file_case(lan, topic="land", text=POTHOLE)
    papers = await file_case(lan, CaseKind.PETITION, "procedures", "Faster birth certificates.")
    land_id = (await case_row(runtime, land)).id
    papers_id = (await case_row(runtime, papers)).id

    card = (await town.admin.press(f"case:open:{land_id}")).replies[0]
    assert card.text.splitlines()[1] == "Status: received, waiting to be accepted"
    assert payloads(card) == [
        f"case:assign:{land_id}",
        f"case:refuse:{land_id}",
        f"case:merge:{land_id}",
        f"case:complex:{land_id}",
    ]
    choose = (await town.admin.press(f"case:assign:{land_id}")).replies[0]
    assert choose.text == f"Assign {land} to which unit?"
    assert payloads(choose) == [f"case:to:{land_id}:{town.units[u]}" for u in (DC, TP, VP)]
    choose = (await town.admin.press(f"case:assign:{papers_id}")).replies[0]
    assert payloads(choose)[0] == f"case:to:{papers_id}:{town.units[VP]}"

    await _assign(town, land, DC)
    case = await case_row(runtime, land)
    assert (case.status, case.unit_id, case.accepted_at) == (
        CaseStatus.ASSIGNED,
        town.units[DC],
        clock.now(),
    )
    # A reflection keeps the answer deadline counted from receipt.
    answer_due = after_working_days(clock.now().date(), ANSWER_WORKING_DAYS, CAL)
    assert case.answer_due == answer_due
    assert only_text(await town.admin.press(f"case:to:{land_id}:{town.units[VP]}")) == moved_on(
        land, "accepted and being handled", "Thu"
    )
    assert land not in only_text(await town.admin.say("/inbox"))

    # The unit's official is told and finds it in /cases; another unit's official does not.
    official = town.officials[DC]
    sent = await sweep(runtime, clock.now())
    assert [(r.text, payloads(r)) for r in sent.to(official)] == [
        (f"📨 Feedback {land} is assigned to your unit. See /cases.", [f"case:open:{land_id}"])
    ]
    assert sent.to(town.officials[VP]) == []
    listed = (await official.say("/cases")).replies[0]
    assert listed.text.splitlines()[0] == "Open cases:"
    assert payloads(listed) == [f"case:open:{land_id}"]
    assert only_text(await town.officials[TP].say("/cases")) == "No open cases."
    assert only_text(await lan.say("/cases")) == NOT_ALLOWED

    # The citizen is told who handles it and by when.
    assert [(r.text, payloads(r)) for r in sent.to(lan)] == [
        (
            f"Your feedback {land} is accepted and handled by {DC}. "
            f"Answer due by {en_date(answer_due)}.",
            [],
        )
    ]
    tracked = only_text(await lan.say(f"/track {land}"))
    assert f"Handled by: {DC}" in tracked.splitlines()
    assert tracked.splitlines()[1] == "Status: accepted and being handled"


async def test_refuse_with_a_reason(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(lan, topic="security", text="My neighbour's dog barks.")
    case_id = (await case_row(runtime, code)).id
    asked = only_text(await town.admin.press(f"case:refuse:{case_id}"))
    assert asked == (
        f"Why is {code} refused, and where should the citizen go instead? (or /cancel)"
    )
    assert only_text(await town.admin.say("  ")) == (
        "Please write the reason as text (at most 4000 characters)."
    )
    reason = "A private dispute: please go to the conciliation team of your hamlet."
    assert only_text(await town.admin.say(reason)) == f"{code} is refused; the citizen is told."
    case = await case_row(runtime, code)
    assert (case.status, case.closed_at) == (CaseStatus.REFUSED, clock.now())
    assert await _notices(runtime, lan, clock.now()) == [
        (f"Your feedback {code} was not accepted: {reason}", [])
    ]
    card = only_text(await lan.say(f"/track {code}"))
    assert card.splitlines()[1] == "Status: not accepted"
    assert card.splitlines()[-1].endswith(f" not accepted: {reason}")
    # Once refused it cannot be assigned, refused again or merged.
    for action in ("assign", "refuse", "merge"):
        assert only_text(await town.admin.press(f"case:{action}:{case_id}")) == moved_on(
            code, "not accepted", "Thu"
        )


async def test_merge_a_duplicate(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    first = await file_case(lan, text=POTHOLE)
    binh = await town.citizen(1002, "Bình")
    second = await file_case(binh, text="Big hole in the road near the market!")
    second_id = (await case_row(runtime, second)).id
    asked = only_text(await town.admin.press(f"case:merge:{second_id}"))
    assert asked == f"Send the code of the case that {second} duplicates (or /cancel)."
    again = "Send the code of another case of this commune, for example PA-2026-00042."
    assert only_text(await town.admin.say("PA-2026-99999")) == again
    assert only_text(await town.admin.say(second)) == again  # not itself
    assert only_text(await town.admin.say("hello")) == again
    assert only_text(await town.admin.say(first.lower())) == f"{second} is joined to {first}."
    case = await case_row(runtime, second)
    assert case.status == CaseStatus.MERGED
    assert case.merged_into == (await case_row(runtime, first)).id
    assert await _notices(runtime, binh, clock.now()) == [
        (
            f"Your feedback {second} is joined to {first}, which deals with the same matter.",
            [],
        )
    ]
    assert (await case_row(runtime, first)).status == CaseStatus.NEW


async def test_a_complex_complaint_gets_45_days_and_the_citizen_is_told(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(
        lan,
        CaseKind.COMPLAINT,
        "land",
        "The decision to recover my land is wrong.",
        name="Trần Thị Lan",
        phone="0987 000 111",
    )
    case_id = (await case_row(runtime, code)).id
    assert (await case_row(runtime, code)).answer_due is None  # counted from acceptance
    accepted = clock.now().date()
    await _assign(town, code, DC)
    normal = after_calendar_days(accepted, COMPLAINT_RESOLVE_DAYS, CAL)
    assert (await case_row(runtime, code)).answer_due == normal
    # A complaint is accepted for resolution (thụ lý) and has a resolution deadline.
    assert await _notices(runtime, lan, clock.now()) == [
        (
            f"Your {code} is accepted for resolution and resolved by {DC}. "
            f"Resolution due by {en_date(normal)}.",
            [],
        )
    ]

    clock.advance(timedelta(days=3))
    official = town.officials[DC]
    assert (
        only_text(await official.press(f"case:complex:{case_id}")) == f"{code} is marked complex."
    )
    extended = after_calendar_days(accepted, COMPLAINT_RESOLVE_COMPLEX_DAYS, CAL)
    case = await case_row(runtime, code)
    assert (case.complex, case.answer_due) == (True, extended)
    assert await _notices(runtime, lan, clock.now()) == [
        (
            f"Your feedback {code} needs more time because it is complex. "
            f"Resolution due by {en_date(extended)}.",
            [],
        )
    ]
    assert only_text(await official.press(f"case:complex:{case_id}")) == (
        "Hải already did this. Nothing was changed."
    )
    assert only_text(await town.officials[TP].press(f"case:complex:{case_id}")) == NOT_FOR_YOU


async def test_a_complaint_marked_complex_before_acceptance_gets_45_days(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(
        lan, CaseKind.COMPLAINT, "land", "Wrong fine.", name="Lan", phone="0987 000 111"
    )
    case_id = (await case_row(runtime, code)).id
    assert (
        only_text(await town.admin.press(f"case:complex:{case_id}")) == f"{code} is marked complex."
    )
    await _assign(town, code, DC)
    expected = after_calendar_days(clock.now().date(), COMPLAINT_RESOLVE_COMPLEX_DAYS, CAL)
    assert (await case_row(runtime, code)).answer_due == expected


# Answers and ratings


async def test_the_answer_reaches_the_citizen_who_is_satisfied(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(lan, topic="land", text=POTHOLE)
    case_id = await _assign(town, code, DC)
    await sweep(runtime, clock.now())
    official = town.officials[DC]
    card = (await official.press(f"case:open:{case_id}")).replies[0]
    assert payloads(card) == [f"case:answer:{case_id}", f"case:complex:{case_id}"]
    clock.advance(timedelta(hours=2))
    answer = "We filled the pothole on 3 March. <b>Thank you</b> for telling us."
    sent = await _answer(official, case_id, code, answer)
    assert sent == f"The answer to {code} is sent to the citizen."
    case = await case_row(runtime, code)
    assert (case.status, case.answer, case.answered_at) == (
        CaseStatus.ANSWERED,
        answer,
        clock.now(),
    )
    assert await _notices(runtime, lan, clock.now()) == [
        (
            f"The answer to your feedback {code}:\n{answer}\n\nHow satisfied are you?",
            rating_payloads(case_id),
        )
    ]
    tracked = (await lan.say(f"/track {code}")).replies[0]
    assert f"Answer: {answer}" in tracked.text.splitlines()
    assert payloads(tracked) == rating_payloads(case_id)

    assert only_text(await lan.press(f"fb:rate:{case_id}:satisfied")) == (
        "Thank you for your rating. The case is closed."
    )
    case = await case_row(runtime, code)
    assert (case.status, case.rating, case.closed_at) == (
        CaseStatus.CLOSED,
        Rating.SATISFIED,
        clock.now(),
    )
    assert only_text(await lan.press(f"fb:rate:{case_id}:unsatisfied")) == (
        "This case was already rated."
    )
    assert payloads((await lan.say(f"/track {code}")).replies[0]) == []
    assert only_text(await official.press(f"case:answer:{case_id}")) == moved_on(
        code, "closed", "Hải"
    )


async def test_not_satisfied_reopens_once_then_closes_as_not_resolved(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(lan, topic="land", text=POTHOLE, publish=True)
    case_id = await _assign(town, code, DC)
    official = town.officials[DC]
    await _answer(official, case_id, code, "We will fix it next year.")
    await sweep(runtime, clock.now())

    asked = only_text(await lan.press(f"fb:rate:{case_id}:unsatisfied"))
    assert asked == "We are sorry. What is not resolved? (your reason, or /cancel)"
    assert only_text(await lan.say(" ")) == (
        "Please write your reason as text (at most 4000 characters)."
    )
    assert only_text(await lan.say("Next year is too late.")) == (
        f"The case {code} is reopened; the commune will answer again."
    )
    case = await case_row(runtime, code)
    assert (case.status, case.reopened, case.rating) == (CaseStatus.REOPENED, 1, None)
    assert case.rating_comment == "Next year is too late."
    sent = await sweep(runtime, clock.now())
    reopened = f"🔁 The citizen was not satisfied; {code} is reopened."
    assert [r.text for r in sent.to(official)] == [reopened]
    assert [r.text for r in sent.to(town.admin)] == [reopened]
    assert sent.to(lan) == []
    card = only_text(await lan.say(f"/track {code}"))
    assert card.splitlines()[1] == "Status: reopened after your rating"
    assert card.splitlines()[-1].endswith(" reopened: Next year is too late.")

    clock.advance(timedelta(days=1))
    await _answer(official, case_id, code, "We fixed it today.")
    notices = await _notices(runtime, lan, clock.now())
    assert notices == [
        (
            f"The answer to your feedback {code}:\nWe fixed it today.\n\nHow satisfied are you?",
            rating_payloads(case_id),
        )
    ]
    await lan.press(f"fb:rate:{case_id}:unsatisfied")
    assert only_text(await lan.say("Only half of it.")) == (
        f"Your rating is recorded. The case {code} is closed as not resolved."
    )
    case = await case_row(runtime, code)
    assert (case.status, case.rating, case.closed_at) == (
        CaseStatus.CLOSED_UNRESOLVED,
        Rating.UNSATISFIED,
        clock.now(),
    )
    assert case.status not in {CaseStatus.CLOSED, CaseStatus.ANSWERED}
    assert only_text(await lan.say("/mycases")).splitlines()[1] == (
        f"• {code} — closed, not resolved"
    )
    # Not resolved is not shown as a resolved question, and no longer open.
    assert only_text(await lan.say("/public")) == "No published answers yet."
    assert only_text(await official.say("/cases")) == "No open cases."
    assert only_text(await lan.press(f"fb:rate:{case_id}:satisfied")) == (
        "This case was already rated."
    )


async def test_a_neutral_rating_closes_the_case(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    code = await file_case(lan)
    case_id = await _assign(town, code, DC)
    await _answer(town.officials[DC], case_id, code, "Done.")
    await lan.press(f"fb:rate:{case_id}:neutral")
    case = await case_row(runtime, code)
    assert (case.status, case.rating) == (CaseStatus.CLOSED, Rating.NEUTRAL)


async def test_answers_wait_for_a_leader_when_the_commune_requires_it(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    async with runtime.sessions.begin() as session:
        await orgs.set_org_policy(session, town.org_id, {"answer_approval": True})
    code = await file_case(lan, topic="land", text=POTHOLE)
    case_id = await _assign(town, code, DC)
    await sweep(runtime, clock.now())
    official = town.officials[DC]
    held = await _answer(official, case_id, code, "Draft: we will look at it.")
    assert held == f"The answer to {code} waits for a leader's approval."
    case = await case_row(runtime, code)
    assert (case.status, case.answered_at) == (CaseStatus.AWAITING_APPROVAL, None)

    sent = await sweep(runtime, clock.now())
    assert sent.to(lan) == []
    assert [(r.text, payloads(r)) for r in sent.to(town.leader)] == [
        (f"🖊 The answer to {code} waits for your approval.", [f"case:open:{case_id}"])
    ]
    card = only_text(await lan.say(f"/track {code}"))
    assert "Draft" not in card
    assert card.splitlines()[1] == "Status: answer written, waiting for a leader's approval"

    assert only_text(await official.press(f"case:approve:{case_id}")) == NOT_FOR_YOU
    assert only_text(await town.admin.press(f"case:approve:{case_id}")) == NOT_FOR_YOU
    assert (await case_row(runtime, code)).status == CaseStatus.AWAITING_APPROVAL

    leader_card = (await town.leader.press(f"case:open:{case_id}")).replies[0]
    assert "Answer: Draft: we will look at it." in leader_card.text.splitlines()
    assert payloads(leader_card) == [f"case:approve:{case_id}"]
    clock.advance(timedelta(hours=1))
    approved = only_text(await town.leader.press(f"case:approve:{case_id}"))
    assert approved == f"The answer to {code} is sent to the citizen."
    assert (await case_row(runtime, code)).status == CaseStatus.ANSWERED
    assert await _notices(runtime, lan, clock.now()) == [
        (
            f"The answer to your feedback {code}:\nDraft: we will look at it.\n\n"
            "How satisfied are you?",
            rating_payloads(case_id),
        )
    ]
    assert only_text(await town.leader.press(f"case:approve:{case_id}")) == moved_on(
        code, "answered", "Dũng"
    )


async def test_a_leaders_own_answer_needs_no_approval(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    async with runtime.sessions.begin() as session:
        await orgs.set_org_policy(session, town.org_id, {"answer_approval": True})
    code = await file_case(lan)
    case_id = await _assign(town, code, DC)
    sent = await _answer(town.leader, case_id, code, "Answered by the chair.")
    assert sent == f"The answer to {code} is sent to the citizen."
    assert (await case_row(runtime, code)).status == CaseStatus.ANSWERED


# Forged buttons


async def test_forged_buttons_cannot_assign_answer_or_close(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    code = await file_case(lan)
    case_id = (await case_row(runtime, code)).id
    dc = town.units[DC]
    official = town.officials[DC]
    await town.other_admin.say("/start")
    before = await snapshot(runtime)
    # A citizen pressing staff buttons.
    for payload in (
        f"case:to:{case_id}:{dc}",
        f"case:assign:{case_id}",
        f"case:open:{case_id}",
        f"case:refuse:{case_id}",
        f"case:merge:{case_id}",
        f"case:complex:{case_id}",
        f"case:answer:{case_id}",
        f"case:approve:{case_id}",
    ):
        assert only_text(await lan.press(payload)) == NOT_FOR_YOU, payload
    # An official pressing the administrator's buttons, or acting on a case not theirs.
    for payload in (
        f"case:assign:{case_id}",
        f"case:to:{case_id}:{dc}",
        f"case:refuse:{case_id}",
        f"case:merge:{case_id}",
        f"case:approve:{case_id}",
        f"case:answer:{case_id}",
        f"case:open:{case_id}",
        f"case:complex:{case_id}",
    ):
        assert only_text(await official.press(payload)) == NOT_FOR_YOU, payload
    # The neighbouring commune's administrator, and ids of another organization.
    for payload in (
        f"case:open:{case_id}",
        f"case:assign:{case_id}",
        f"case:to:{case_id}:{town.other_unit}",
        f"case:to:{case_id}:{dc}",
        f"case:refuse:{case_id}",
        f"case:complex:{case_id}",
    ):
        assert only_text(await town.other_admin.press(payload)) == STALE, payload
    assert only_text(await town.other_official.press(f"case:answer:{case_id}")) == STALE
    assert only_text(await town.admin.press(f"case:to:{case_id}:{town.other_unit}")) == STALE
    # Broken ids.
    for payload in (
        "case:to",
        f"case:to:{case_id}",
        f"case:to:{case_id}:x",
        f"case:to:x:{dc}",
        f"case:to:{case_id + 1000}:{dc}",
        f"case:to:{'9' * 30}:{dc}",
        "case:open:-1",
        f"case:open:{'9' * 11}",
        f"case:to:{case_id}:{'9' * 11}",
        "case:open:999999999",
        "case:open:１",
    ):
        assert only_text(await town.admin.press(payload)) == STALE, payload
    assert only_text(await town.leader.press(f"case:approve:{case_id}")) == moved_on(
        code, "received, waiting to be accepted"
    )
    assert await snapshot(runtime) == before

    # After assignment, another unit's official still cannot answer it.
    await _assign(town, code, DC)
    assert only_text(await town.officials[TP].press(f"case:answer:{case_id}")) == NOT_FOR_YOU
    assert only_text(await lan.press(f"fb:rate:{case_id}:satisfied")) == (
        "This case has no answer to rate yet."
    )
    assert (await case_row(runtime, code)).status == CaseStatus.ASSIGNED


# Hostile input: what is typed at the refusal and answer steps


async def test_a_blank_or_too_long_reason_or_answer_is_asked_again(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    refused = await file_case(lan, text="Stray dogs near the school.")
    answered = await file_case(lan, text="The street light is out.")
    await town.admin.press(f"case:refuse:{(await case_row(runtime, refused)).id}")
    before = await snapshot(runtime)
    for bad in ("", " \n\t ", "x" * 4001):
        assert only_text(await town.admin.say(bad)) == ASK_REASON
    assert await snapshot(runtime) == before
    done = only_text(await town.admin.say("r" * 4000))
    assert done == f"{refused} is refused; the citizen is told."
    assert (await case_row(runtime, refused)).status == CaseStatus.REFUSED

    official = town.officials[DC]
    await official.press(f"case:answer:{await _assign(town, answered, DC)}")
    before = await snapshot(runtime)
    for bad in ("", " \n\t ", "x" * 4001):
        assert only_text(await official.say(bad)) == ASK_ANSWER
    assert await snapshot(runtime) == before
    sent = only_text(await official.say("a" * 4000))
    assert sent == f"The answer to {answered} is sent to the citizen."
    assert (await case_row(runtime, answered)).answer == "a" * 4000


async def test_a_case_refused_after_it_moved_on_is_stale_and_the_step_ends(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    code = await file_case(lan)
    await town.admin.press(f"case:refuse:{(await case_row(runtime, code)).id}")
    await _assign(town, code, DC)  # before the reason is given
    # A blank reason is asked again as usual: the case is looked at once the text will do.
    assert only_text(await town.admin.say(" ")) == ASK_REASON
    before = await snapshot(runtime)
    assert only_text(await town.admin.say("Not for the commune.")) == moved_on(
        code, "accepted and being handled", "Thu"
    )
    await assert_only_dialogs_ended(runtime, before)
    assert only_text(await town.admin.say("Not for the commune.")) == HINT
    assert (await case_row(runtime, code)).status == CaseStatus.ASSIGNED


async def test_an_answer_to_a_case_answered_meanwhile_is_stale_and_the_step_ends(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    code = await file_case(lan)
    case_id = await _assign(town, code, DC)
    official = town.officials[DC]
    await official.press(f"case:answer:{case_id}")
    sent = await _answer(town.leader, case_id, code, "Answered by the chair.")
    assert sent == f"The answer to {code} is sent to the citizen."
    before = await snapshot(runtime)
    assert only_text(await official.say("Answered by the unit.")) == moved_on(
        code, "answered", "Dũng"
    )
    await assert_only_dialogs_ended(runtime, before)
    assert (await case_row(runtime, code)).answer == "Answered by the chair."


@pytest.mark.parametrize(("flow", "step"), [(REFUSE_FLOW, "reason"), (ANSWER_FLOW, "text")])
async def test_a_step_naming_another_communes_case_or_none_changes_nothing(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person, flow: str, step: str
) -> None:
    code = await file_case(lan)
    case_id = (await case_row(runtime, code)).id
    if flow == ANSWER_FLOW:
        await _assign(town, code, DC)
    # Dialog data is written by the bot alone; a planted one stands for a bug or a forged row.
    for who, named in ((town.other_admin, case_id), (town.admin, case_id + 1000)):
        async with runtime.sessions.begin() as session:
            await dialogs.save_dialog(
                session,
                person_id=await person_id(runtime, who),
                flow=flow,
                step=step,
                data={"case": named},
                now=clock.now(),
                expires_at=clock.now() + timedelta(hours=1),
            )
        before = await snapshot(runtime)
        assert only_text(await who.say("Closed.")) == STALE
        await assert_only_dialogs_ended(runtime, before)


# Publishing


async def test_public_answers_show_no_identity_and_never_denunciations(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person, tmp_path: Path
) -> None:
    official = town.officials[DC]
    shown = await file_case(
        lan, topic="land", text=POTHOLE, name="Trần Thị Lan", phone="0987 000 111", publish=True
    )
    private = await file_case(lan, topic="land", text="Hidden question.", publish=False)
    secret = await file_case(
        lan,
        CaseKind.DENUNCIATION,
        "conduct",
        "Secret denunciation text.",
        name="Trần Thị Lan",
        phone="0987 000 111",
    )
    waiting = await file_case(lan, topic="land", text="Not answered yet.", publish=True)
    for code in (shown, private, secret):
        case_id = await _assign(town, code, DC)
        await _answer(official, case_id, code, f"Answer to {code}.")
    assert (await case_row(runtime, waiting)).status == CaseStatus.NEW

    # Allowed by its sender, an answer still waits for an administrator's or leader's approval.
    binh = Person(runtime, 1002, "Bình", "en")
    assert only_text(await binh.say("/public")) == "No published answers yet."
    shown_id = (await case_row(runtime, shown)).id
    assert f"case:publish:{shown_id}" in payloads(
        (await town.leader.press(f"case:open:{shown_id}")).replies[0]
    )
    for code in (private, secret, waiting):
        other = (await case_row(runtime, code)).id
        assert not payloads((await town.leader.press(f"case:open:{other}")).replies[0])
        refused = only_text(await town.leader.press(f"case:publish:{other}"))
        assert refused.startswith(f"{code} cannot be published"), refused
    assert only_text(await official.press(f"case:publish:{shown_id}")) == NOT_FOR_YOU
    assert only_text(await binh.say("/public")) == "No published answers yet."
    published = only_text(await town.admin.press(f"case:publish:{shown_id}"))
    assert published == f"{shown} is published on the commune's page."
    again = only_text(await town.leader.press(f"case:publish:{shown_id}"))
    assert again == f"{shown} is already published."
    assert [a.action for a in await audits(runtime)].count("case.published") == 1

    text = only_text(await binh.say("/public"))
    assert text.splitlines() == [
        "Questions and answers:",
        "",
        f"{shown} · Land",
        f"Q: {POTHOLE}",
        f"A: Answer to {shown}.",
    ]
    exported = json.loads(await _export_public(runtime.settings, tmp_path))
    assert exported == [
        {
            "code": shown,
            "topic": topic_label("land", Translator("vi")),
            "question": POTHOLE,
            "answer": f"Answer to {shown}.",
            "answered_at": exported[0]["answered_at"],
        }
    ]
    assert datetime.fromisoformat(exported[0]["answered_at"]) == clock.now()
    flat = json.dumps(exported, ensure_ascii=False)
    for hidden in ("Trần Thị Lan", "0987", "Hidden question", "Secret denunciation", waiting):
        assert hidden not in flat
        assert hidden not in text

    # Rated satisfied, it stays published.
    await lan.press(f"fb:rate:{(await case_row(runtime, shown)).id}:satisfied")
    assert f"{shown} · Land" in only_text(await binh.say("/public")).splitlines()


async def _export_public(settings: Settings, cwd: Path) -> str:
    """Run ``python -m bot export-public`` the way an operator does and return its output."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": settings.database_url,
        "BOT_DATA_KEY": settings.data_key or "",
        "BOT_AUDIT_KEY": settings.audit_key or "",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "export-public",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


# The QR code for the notice board


async def test_qr_code_png_when_the_bot_username_is_known(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    assert only_text(await town.admin.say("/qr")) == (
        "The bot's username is not known yet; set TELEGRAM_BOT_USERNAME."
    )
    assert only_text(await lan.say("/qr")) == NOT_ALLOWED
    runtime.set_bot_username("commune_test_bot")
    [reply] = (await town.admin.say("/qr")).replies
    link = "https://t.me/commune_test_bot?start=feedback"
    assert reply.text == f"Scan to send feedback to the commune: {link}"
    assert reply.file is not None
    assert reply.file.filename == "gop-y-qr.png"
    assert reply.file.mime_type == "image/png"
    png = reply.file.content
    assert png is not None
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert reply.file.size == len(png)
    # The link opens the feedback dialog.
    opened = (await lan.say("/start feedback")).replies[0]
    assert opened.text.startswith("What would you like to send?")


async def test_notices_wait_for_working_hours(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(lan)
    # Friday evening: the answer goes out on Monday morning, not at night or on the weekend.
    clock.set(datetime(2026, 3, 6, 18, 30, tzinfo=VN))
    case_id = await _assign(town, code, DC)
    await _answer(town.officials[DC], case_id, code, "Fixed.")
    assert (await sweep(runtime, clock.now())).to(lan) == []
    assert (await sweep(runtime, datetime(2026, 3, 7, 10, 0, tzinfo=VN))).to(lan) == []
    monday = datetime(2026, 3, 9, 7, 30, tzinfo=VN)
    rows = await citizen_notices(runtime, lan)
    assert {r.due_at for r in rows} == {monday}
    got = (await sweep(runtime, monday)).to(lan)
    assert len(got) == 1
    assert got[0].text.splitlines()[0] == "You have 2 reminders:"
    assert payloads(got[0]) == rating_payloads(case_id)


# Issue 12: long unit lists, merged cases answered, units without members


async def test_with_more_than_eight_units_every_unit_can_be_chosen_page_by_page(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    # The topic's own unit comes first, then by name: Tư pháp - Hộ tịch is 11th of 12.
    for n in range(9):
        await add_unit(runtime, f"Ban {n}")
    code = await file_case(lan, topic="land", text=POTHOLE)
    case_id = (await case_row(runtime, code)).id
    first = (await town.admin.press(f"case:assign:{case_id}")).replies[0]
    assert len(first.buttons) == 9  # eight units, then the arrows
    assert [b.data for b in first.buttons[-1]] == [f"case:units:{case_id}:1"]
    assert f"case:to:{case_id}:{town.units[TP]}" not in payloads(first)
    second = (await town.admin.press(f"case:units:{case_id}:1")).replies[0]
    assert second.text == f"Assign {code} to which unit?"
    assert [b.data for b in second.buttons[-1]] == [f"case:units:{case_id}:0"]
    assert f"case:to:{case_id}:{town.units[TP]}" in payloads(second)
    # A page number past the end shows the last page; another person cannot page.
    assert payloads((await town.admin.press(f"case:units:{case_id}:99")).replies[0]) == payloads(
        second
    )
    assert only_text(await lan.press(f"case:units:{case_id}:1")) == NOT_FOR_YOU
    assert only_text(await town.admin.press(f"case:units:{case_id}:x")) == STALE
    await _assign(town, code, TP)


async def test_a_unit_without_members_warns_before_a_case_is_assigned_to_it(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    empty = await add_unit(runtime, "Quân sự")
    code = await file_case(lan, topic="land", text=POTHOLE)
    case_id = (await case_row(runtime, code)).id
    warned = (await town.admin.press(f"case:to:{case_id}:{empty}")).replies[0]
    assert warned.text == (
        "“Quân sự” has no members yet: nobody would be told about the case or reminded of its "
        "deadline. Assign it anyway?"
    )
    assert payloads(warned) == [f"case:toempty:{case_id}:{empty}", f"case:assign:{case_id}"]
    assert (await case_row(runtime, code)).status == CaseStatus.NEW
    assert only_text(await town.admin.press(f"case:toempty:{case_id}:{empty}")) == (
        f"{code} is assigned to Quân sự."
    )
    case = await case_row(runtime, code)
    assert (case.status, case.unit_id) == (CaseStatus.ASSIGNED, empty)


async def test_every_citizen_of_merged_cases_gets_the_answer_on_their_own_case(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    first = await file_case(lan, text=POTHOLE)
    binh = await town.citizen(1002, "Bình")
    second = await file_case(binh, text="Big hole in the road near the market!")
    second_id = (await case_row(runtime, second)).id
    await town.admin.press(f"case:merge:{second_id}")
    assert only_text(await town.admin.say(first)) == f"{second} is joined to {first}."
    first_id = await _assign(town, first, DC)
    await sweep(runtime, clock.now())
    answer = "The pothole was filled today."
    await _answer(town.officials[DC], first_id, first, answer)
    sent = await sweep(runtime, clock.now())
    notices = {who.name: [(r.text, payloads(r)) for r in sent.to(who)] for who in (lan, binh)}
    assert notices == {
        "Lan": [
            (
                f"The answer to your feedback {first}:\n{answer}\n\nHow satisfied are you?",
                rating_payloads(first_id),
            )
        ],
        "Bình": [
            (
                f"The answer to your feedback {second}:\n{answer}\n\nHow satisfied are you?",
                rating_payloads(second_id),
            )
        ],
    }
    tracked = (await binh.say(f"/track {second}")).replies[0]
    assert f"Answer: {answer}" in tracked.text.splitlines()
    assert tracked.text.splitlines()[1] == "Status: answered"
    assert payloads(tracked) == rating_payloads(second_id)
    # Each rates their own case only.
    assert only_text(await binh.press(f"fb:rate:{first_id}:satisfied")) == NOT_FOR_YOU
    assert only_text(await binh.press(f"fb:rate:{second_id}:satisfied")) == (
        "Thank you for your rating. The case is closed."
    )
    assert (await case_row(runtime, first)).status == CaseStatus.ANSWERED


async def test_a_duplicate_joined_to_an_answered_case_gets_its_answer_at_once(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    first = await file_case(lan, text=POTHOLE)
    first_id = await _assign(town, first, DC)
    await _answer(town.officials[DC], first_id, first, "Filled.")
    binh = await town.citizen(1002, "Bình")
    second = await file_case(binh, text="Big hole in the road near the market!")
    second_id = (await case_row(runtime, second)).id
    await town.admin.press(f"case:merge:{second_id}")
    await town.admin.say(first)
    [(text, buttons)] = await _notices(runtime, binh, clock.now())
    assert text.endswith(
        f"The answer to your feedback {second}:\nFilled.\n\nHow satisfied are you?"
    )
    assert buttons == rating_payloads(second_id)


async def test_a_complaints_answer_tells_the_complainant_how_to_appeal(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(
        lan, CaseKind.COMPLAINT, "land", "Wrong fine.", name="Lan", phone="0987 000 111"
    )
    case_id = await _assign(town, code, DC)
    await sweep(runtime, clock.now())
    await _answer(town.officials[DC], case_id, code, "The fine is cancelled.")
    [(text, buttons)] = await _notices(runtime, lan, clock.now())
    assert text == (
        f"The answer to your feedback {code}:\nThe fine is cancelled.\n\nHow satisfied are you?"
        "\n\nIf you disagree with this decision, you may complain a second time to the authority "
        "above within 30 days of receiving it, or file an administrative lawsuit at court "
        "(Luật Khiếu nại 2011, Điều 33 (khiếu nại lần hai); Luật Tố tụng hành chính 2015, "
        "Điều 116 (khởi kiện: 01 năm))."
    )
    assert buttons == rating_payloads(case_id)
    # A reflection's answer has no such paragraph.
    other = await file_case(lan, text=POTHOLE)
    other_id = await _assign(town, other, DC)
    await sweep(runtime, clock.now())
    await _answer(town.officials[DC], other_id, other, "Filled.")
    [(plain, _)] = await _notices(runtime, lan, clock.now())
    assert "second time" not in plain


# Files on the case card, and the signed answer document


def _pdf(size: int = 1000) -> Attachment:
    content = b"%PDF-1.7\n" + b"0" * size
    return Attachment("Quyết định số 12.pdf", "application/pdf", len(content), content)


def _docx(*, body: bool = True) -> Attachment:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if body:
            archive.writestr("word/document.xml", "<w:document/>")
    content = buffer.getvalue()
    return Attachment("tra-loi.docx", None, len(content), content)


async def test_staff_who_may_see_the_case_open_the_citizens_photos(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    await start_case(lan, CaseKind.REFLECTION, "land", POTHOLE)
    await send(lan, attachment=photo(1))
    await send(lan, attachment=photo(2, size=4096))
    await finish_case(lan, CaseKind.REFLECTION)
    [case] = await all_cases(runtime)
    files = [f"case:file:{case.id}:{f.id}" for f in (await _files(runtime, case.id))]
    assert len(files) == 2
    card = (await town.admin.press(f"case:open:{case.id}")).replies[0]
    assert payloads(card)[-2:] == files
    assert [b.text for row in card.buttons[-2:] for b in row] == [
        "📎 photo-1.jpg",
        "📎 photo-2.jpg",
    ]
    [sent] = (await town.admin.press(files[1])).replies
    assert sent.file is not None
    assert (sent.file.filename, sent.file.mime_type, sent.file.content) == (
        "photo-2.jpg",
        "image/jpeg",
        photo(2, size=4096).content,
    )
    assert sent.text == f"{case.code}: photo-2.jpg"
    # The sender may open their own files; nobody else outside the case may.
    assert (await lan.press(files[0])).replies[0].file is not None
    binh = await town.citizen(1002, "Bình")
    for stranger in (binh, town.officials[DC], town.other_admin):
        [refused] = (await stranger.press(files[0])).replies
        assert refused.file is None
        assert refused.text == NOT_FOR_YOU
    # A file id of another case names nothing here.
    other = await file_case(binh, text="Another pothole.")
    other_id = (await case_row(runtime, other)).id
    [forged] = (
        await town.admin.press(f"case:file:{other_id}:{files[0].rsplit(':', 1)[1]}")
    ).replies
    assert (forged.text, forged.file) == (STALE, None)
    # Once assigned, the unit's official sees them too.
    await _assign(town, case.code, DC)
    assert (await town.officials[DC].press(files[0])).replies[0].file is not None


async def _files(runtime: Runtime, case_id: int) -> list[CaseFile]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.id)
        )
        return list(rows)


async def test_an_official_attaches_the_signed_answer_and_every_citizen_receives_it(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    first = await file_case(lan, text=POTHOLE)
    binh = await town.citizen(1002, "Bình")
    second = await file_case(binh, text="Big hole in the road near the market!")
    second_id = (await case_row(runtime, second)).id
    await town.admin.press(f"case:merge:{second_id}")
    await town.admin.say(first)
    first_id = await _assign(town, first, DC)
    await sweep(runtime, clock.now())
    official = town.officials[DC]
    await official.press(f"case:answer:{first_id}")
    # Not a PDF or DOCX, whatever its name says; too large; a ZIP that is no Word file.
    fake = Attachment("answer.pdf", "application/pdf", 10, b"\xff\xd8\xff\xe0JFIF..")
    assert only_text(await send(official, attachment=fake)) == (
        "Please send the signed answer as a PDF or DOCX document."
    )
    assert only_text(await send(official, attachment=_docx(body=False))) == (
        "Please send the signed answer as a PDF or DOCX document."
    )
    huge = Attachment("big.pdf", "application/pdf", 11 * 1024 * 1024, None)
    assert only_text(await send(official, attachment=huge)) == (
        "That document is too large (at most 10 MB)."
    )
    assert only_text(await send(official, attachment=_pdf())) == (
        "The signed document Quyết định số 12.pdf will go with the answer. "
        "Now write the answer (or /cancel)."
    )
    assert only_text(await official.say("Filled today.")) == (
        f"The answer to {first} is sent to the citizen."
    )
    sent = await sweep(runtime, clock.now())
    for who, code, case_id in ((lan, first, first_id), (binh, second, second_id)):
        [notice] = sent.to(who)
        assert notice.text.startswith(f"The answer to your feedback {code}:")
        [document] = [f for f in await _files(runtime, case_id) if f.from_staff]
        assert document.content == _pdf().content
        assert payloads(notice) == [
            *rating_payloads(case_id),
            f"case:file:{case_id}:{document.id}",
        ]
        [opened] = (await who.press(f"case:file:{case_id}:{document.id}")).replies
        assert opened.file is not None
        assert (opened.file.filename, opened.file.mime_type, opened.file.content) == (
            "Quyết định số 12.pdf",
            "application/pdf",
            _pdf().content,
        )
    # /track shows the document under the citizen's own case.
    tracked = (await binh.press(f"case:file:{second_id}:0")).replies
    assert tracked[0].file is None
    card = (await binh.say(f"/track {second}")).replies[0]
    assert payloads(card)[-1].startswith(f"case:file:{second_id}:")
    # Each citizen opens only their own copy.
    [other] = (await binh.press(f"case:file:{first_id}:1")).replies
    assert other.file is None


async def test_a_docx_answer_waits_for_approval_with_its_document(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    async with runtime.sessions.begin() as session:
        await orgs.set_org_policy(session, town.org_id, {"answer_approval": True})
    code = await file_case(lan, text=POTHOLE)
    case_id = await _assign(town, code, DC)
    official = town.officials[DC]
    await official.press(f"case:answer:{case_id}")
    assert "tra-loi.docx" in only_text(await send(official, attachment=_docx()))
    assert "waits for a leader's approval" in only_text(await official.say("Filled."))
    await sweep(runtime, clock.now())
    await town.leader.press(f"case:approve:{case_id}")
    sent = await sweep(runtime, clock.now())
    [notice] = sent.to(lan)
    [document] = [f for f in await _files(runtime, case_id) if f.from_staff]
    assert payloads(notice)[-1] == f"case:file:{case_id}:{document.id}"
    [opened] = (await lan.press(payloads(notice)[-1])).replies
    assert opened.file is not None
    assert opened.file.mime_type == DOCX_TYPE


async def test_an_answer_after_a_reopening_does_not_carry_the_earlier_document(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person
) -> None:
    code = await file_case(lan, text=POTHOLE)
    case_id = await _assign(town, code, DC)
    official = town.officials[DC]
    await official.press(f"case:answer:{case_id}")
    await send(official, attachment=_pdf())
    await official.say("Filled.")
    [first] = (await sweep(runtime, clock.now())).to(lan)
    assert payloads(first)[-1].startswith(f"case:file:{case_id}:")
    await lan.press(f"fb:rate:{case_id}:unsatisfied")
    await lan.say("It is still there.")
    await official.press(f"case:answer:{case_id}")
    await official.say("Filled again, properly this time.")
    sent = await sweep(runtime, clock.now())
    [again] = [r for r in sent.to(lan) if "properly" in r.text]
    assert payloads(again) == rating_payloads(case_id)
