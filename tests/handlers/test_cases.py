"""The commune's side of feedback: triage, assignment, answers, approval, rating, publishing."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.feedback.catalog import topic_label
from bot.i18n import Translator
from bot.runtime import Runtime
from bot.settings import Settings
from bot.workcal import KNOWN_OVERRIDES, WorkCalendar
from db.models import CaseKind, CaseStatus, Rating
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
    case_row,
    citizen_notices,
    commune,
    en_date,
    file_case,
    only_text,
    payloads,
    person_id,
    rating_payloads,
    sweep,
)
from tests.handlers.test_common import assert_only_dialogs_ended, snapshot

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
    assert asked == f"Write the answer to {code} for the citizen (or /cancel)."
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
    assert only_text(await town.admin.press(f"case:to:{land_id}:{town.units[VP]}")) == STALE
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
        assert only_text(await town.admin.press(f"case:{action}:{case_id}")) == STALE


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
    await sweep(runtime, clock.now())  # the "assigned" notice

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
            f"Answer due by {en_date(extended)}.",
            [],
        )
    ]
    assert only_text(await official.press(f"case:complex:{case_id}")) == STALE
    assert only_text(await town.officials[TP].press(f"case:complex:{case_id}")) == STALE


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
    assert only_text(await official.press(f"case:answer:{case_id}")) == NOT_FOR_YOU


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
    assert only_text(await town.leader.press(f"case:approve:{case_id}")) == STALE


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
    assert only_text(await town.leader.press(f"case:approve:{case_id}")) == STALE
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
    assert only_text(await town.admin.say("Not for the commune.")) == STALE
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
    assert only_text(await official.say("Answered by the unit.")) == STALE
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

    binh = Person(runtime, 1002, "Bình", "en")
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
