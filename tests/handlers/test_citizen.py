"""A citizen sends feedback through the guided dialog, follows it, and rates the answer."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.feedback.deadlines import rules
from bot.filelimits import ATTACHMENT_LIMITS
from bot.messages import Attachment, Location
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.workcal import KNOWN_OVERRIDES, WorkCalendar
from db.models import CaseEvent, CaseFile, CaseKind, CaseStatus, Dialog, OutboxMessage, Upload
from tests.conftest import REPO_ROOT, Person
from tests.handlers.feedback_support import (
    ANSWER_WORKING_DAYS,
    COMPLAINT_ACCEPT_DAYS,
    DC,
    DENUNCIATION_ACCEPT_WORKING_DAYS,
    HANDLE_DAYS,
    HOME,
    NOT_FOR_YOU,
    STALE,
    VP,
    Commune,
    after_calendar_days,
    after_working_days,
    all_cases,
    audits,
    case_row,
    commune,
    dump,
    en_date,
    file_case,
    finish_case,
    only_text,
    payloads,
    person_id,
    photo,
    send,
    start_case,
)
from tests.handlers.test_common import count, snapshot

CAL = WorkCalendar(KNOWN_OVERRIDES)
HINT = "I did not understand that. Send /help to see what I can do."
DESCRIBE = "Please write the description as text (or /cancel)."
SEND_FILE = "Send a photo or file, or press Skip."
TOO_LARGE = "That file is too large (at most 10 MB)."
DENOUNCER = "Nguyễn Văn Tố"
PHONE = "0912 345 678"


@pytest.fixture
async def town(runtime: Runtime, clock: ManualClock) -> Commune:
    """The commune with its staff."""
    return await commune(runtime, clock)


@pytest.fixture
async def lan(town: Commune) -> Person:
    """A citizen writing in English."""
    return await town.citizen(1001, "Lan")


def _thanks(code: str, kind: CaseKind, received: date) -> str:
    """The answer to Send, with the deadlines counted from the rules."""
    table = rules()
    lines = [f"Thank you. Your feedback is received. Tracking code: {code}"]
    if kind in {CaseKind.REFLECTION, CaseKind.PETITION}:
        answer = after_working_days(received, ANSWER_WORKING_DAYS, CAL)
        basis = table.rule(kind.value, "answer").basis
        lines.append(f"Answer due by {en_date(answer)} ({basis}).")
    if kind == CaseKind.COMPLAINT:
        accept = after_calendar_days(received, COMPLAINT_ACCEPT_DAYS, CAL)
        step = "accept"
    elif kind == CaseKind.DENUNCIATION:
        accept = after_working_days(received, DENUNCIATION_ACCEPT_WORKING_DAYS, CAL)
        step = "accept"
    else:
        accept = after_calendar_days(received, HANDLE_DAYS, CAL)
        step = "handle"
    # Only a complaint or a denunciation is accepted for resolution (thụ lý).
    decided = (
        "Whether it is accepted for resolution will be decided by"
        if step == "accept"
        else "It will be accepted or refused by"
    )
    lines.append(f"{decided} {en_date(accept)} ({table.rule(kind.value, step).basis}).")
    lines.append(f"Follow it with /track {code}.")
    return "\n".join(lines)


# Filing each kind


CODES = {
    CaseKind.SUGGESTION: "GY-2026-00001",
    CaseKind.REFLECTION: "PA-2026-00001",
    CaseKind.PETITION: "KN-2026-00001",
    CaseKind.COMPLAINT: "KH-2026-00001",
    CaseKind.DENUNCIATION: "TC-2026-00001",
}


@pytest.mark.parametrize("kind", list(CaseKind))
async def test_a_citizen_files_each_kind(
    runtime: Runtime, clock: ManualClock, town: Commune, lan: Person, kind: CaseKind
) -> None:
    identity = kind in {CaseKind.COMPLAINT, CaseKind.DENUNCIATION}
    text = f"About the {kind.value}: the land office lost my papers."
    await start_case(lan, kind, "land", text)
    sent = await finish_case(
        lan,
        kind,
        address="Thôn 3, xã Thử Nghiệm",
        name="Trần Thị Lan" if identity else None,
        phone="0987 000 111" if identity else None,
        publish=True,
    )
    today = clock.now().date()
    assert only_text(sent) == _thanks(CODES[kind], kind, today)

    [case] = await all_cases(runtime)
    assert case.code == CODES[kind]
    assert case.kind == kind
    assert (case.topic, case.dimension) == ("land", "D2")
    assert case.text == text
    assert case.address == "Thôn 3, xã Thử Nghiệm"
    assert case.status == CaseStatus.NEW
    assert case.citizen_id == await person_id(runtime, lan)
    assert case.received_at == clock.now()
    assert case.consent_at == clock.now()
    assert case.publishable == (kind != CaseKind.DENUNCIATION)
    assert (case.contact_sealed is not None) == identity
    assert case.accept_due is not None
    assert (case.answer_due is not None) == (kind in {CaseKind.REFLECTION, CaseKind.PETITION})

    # The administrators are told (through the outbox) that a case waits in /inbox.
    async with runtime.sessions() as session:
        rows = list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notice"))
        )
    admin_id = await person_id(runtime, town.admin)
    assert [(r.person_id, r.params["notice"], r.params["code"]) for r in rows] == [
        (admin_id, "new_case", CODES[kind])
    ]

    card = only_text(await lan.say(f"/track {CODES[kind]}"))
    assert card.startswith(f"{CODES[kind]} — ")
    waiting = "waiting to be accepted for resolution" if identity else "waiting to be accepted"
    assert f"Status: received, {waiting}" in card.splitlines()


async def test_the_dialog_offers_the_kinds_and_topics(lan: Person) -> None:
    outcome = await lan.say("/feedback")
    [reply] = outcome.replies
    assert reply.text.splitlines()[0] == "What would you like to send? (/cancel to stop)"
    assert (
        "• Denunciation (tố cáo): Report a law broken by an official or body; "
        "your identity is kept secret." in reply.text.splitlines()
    )
    assert payloads(reply) == [f"fb:kind:{k.value}" for k in CaseKind]
    topics = (await lan.press("fb:kind:reflection")).replies[0]
    assert payloads(topics)[0] == "fb:topic:land"
    assert "fb:topic:other" in payloads(topics)


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        (CaseKind.COMPLAINT, "The law requires a complainant's name and address."),
        (
            CaseKind.DENUNCIATION,
            "The law requires a denouncer's name and address; they are kept secret.",
        ),
    ],
)
async def test_complaints_and_denunciations_need_name_and_contact(
    runtime: Runtime, lan: Person, kind: CaseKind, why: str
) -> None:
    await start_case(lan, kind, "conduct", "The decision was wrong.")
    await lan.press("fb:next:files")
    asked = (await lan.press("fb:next:place")).replies[0]
    assert asked.text == f"{why}\nPlease send your full name."
    assert payloads(asked) == []  # no Skip
    needs = "This kind of feedback needs your name and home address; please send them."
    assert only_text(await lan.press("fb:next:contact")) == needs
    assert only_text(await lan.say("/")) == (
        "Please send your full name as text (at most 120 characters)."
    )
    assert only_text(await lan.say("   ")) == (
        "Please send your full name as text (at most 120 characters)."
    )
    asked = (await lan.say("  Trần   Thị Lan ")).replies[0]
    assert asked.text == "Your home address (the law requires it; a phone number is not enough):"
    assert payloads(asked) == []  # no Skip
    assert only_text(await lan.press("fb:next:contact")) == needs
    # A phone number alone is not an address; nor is nothing, a command or a huge text.
    ask_home = (
        "Please send your home address as text (at most 300 characters): "
        "house number, street or hamlet, commune."
    )
    for bad in ("0987 000 111", "+84 987-000-111", "   ", "/", "x" * 301):
        assert only_text(await lan.say(bad)) == ask_home
    asked = (await lan.say("12 Lê Lợi, thôn 3")).replies[0]
    assert asked.text == "Your phone number, if you want a call (optional):"
    assert payloads(asked) == ["fb:next:contact"]
    assert only_text(await lan.say("")) == "Please send a phone number or an address as text."
    consent = (await lan.say("0987 000 111")).replies[0]
    if kind == CaseKind.COMPLAINT:
        assert payloads(consent) == ["fb:publish:yes", "fb:publish:no"]
        consent = (await lan.press("fb:publish:no")).replies[0]
    assert payloads(consent) == ["fb:consent:yes", "fb:consent:no"]
    summary = (await lan.press("fb:consent:yes")).replies[0]
    assert "Sender: Trần Thị Lan, 0987 000 111" in summary.text.splitlines()
    assert "Sender's address: 12 Lê Lợi, thôn 3" in summary.text.splitlines()
    assert await all_cases(runtime) == []
    await lan.press("fb:confirm:send")
    [case] = await all_cases(runtime)
    assert case.kind == kind
    sealed = case.contact_sealed
    assert sealed is not None
    contact = json.loads(runtime.dispatcher.deployment.sealer.open(sealed))
    assert contact == {"name": "Trần Thị Lan", "home": "12 Lê Lợi, thôn 3", "phone": "0987 000 111"}


async def test_a_complainant_may_skip_the_phone_but_not_the_address(
    runtime: Runtime, lan: Person
) -> None:
    await start_case(lan, CaseKind.COMPLAINT, "land", "The decision was wrong.")
    await lan.press("fb:next:files")
    await lan.press("fb:next:place")
    await lan.say("Trần Thị Lan")
    await lan.say("12 Lê Lợi, thôn 3")
    publish = (await lan.press("fb:next:contact")).replies[0]
    assert payloads(publish) == ["fb:publish:yes", "fb:publish:no"]
    await lan.press("fb:publish:no")
    summary = (await lan.press("fb:consent:yes")).replies[0]
    assert "Sender: Trần Thị Lan, —" in summary.text.splitlines()
    await lan.press("fb:confirm:send")
    [case] = await all_cases(runtime)
    assert case.contact_sealed is not None


async def test_the_others_may_stay_anonymous(runtime: Runtime, lan: Person) -> None:
    await start_case(lan, CaseKind.PETITION, "health", "Please open the clinic on Saturdays.")
    await lan.press("fb:next:files")
    asked = (await lan.press("fb:next:place")).replies[0]
    assert asked.text == "Your name, if you want an answer in person (optional):"
    assert payloads(asked) == ["fb:next:contact"]
    publish = (await lan.press("fb:next:contact")).replies[0]
    assert publish.text == "May we publish your question and our answer, without your name?"
    await lan.press("fb:publish:yes")
    summary = (await lan.press("fb:consent:yes")).replies[0]
    assert summary.text.splitlines() == [
        "Please check:",
        "Request (kiến nghị) · Health",
        "Please open the clinic on Saturdays.",
    ]
    await lan.press("fb:confirm:send")
    [case] = await all_cases(runtime)
    assert case.contact_sealed is None
    assert case.publishable


# Consent and cancelling


def without_receipts(rows: Mapping[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
    """Every table but the receipts that count a person's files towards the daily limit."""
    return {k: v for k, v in rows.items() if k != "upload_receipts"}


async def test_without_consent_nothing_is_saved(runtime: Runtime, lan: Person) -> None:
    before = await snapshot(runtime)
    await start_case(lan, CaseKind.REFLECTION, "environment", "Smoke from the brick kiln.")
    assert only_text(await send(lan, attachment=photo(1))).startswith("1 file received.")
    assert await count(runtime, Upload) == 1
    await lan.press("fb:next:files")
    await lan.press("fb:next:place")
    await lan.say("Lê Văn Hùng")
    await lan.say("0900 111 222")
    await lan.press("fb:publish:yes")
    refused = await lan.press("fb:consent:no")
    assert only_text(refused) == (
        "Without your agreement we cannot store your feedback. Nothing was saved."
    )
    assert without_receipts(await snapshot(runtime)) == without_receipts(before)
    assert "Lê Văn Hùng" not in await dump(runtime)
    # The dialog is over: the old buttons do nothing.
    assert only_text(await lan.press("fb:confirm:send")) == STALE
    assert without_receipts(await snapshot(runtime)) == without_receipts(before)


async def test_cancel_at_the_summary_saves_nothing(runtime: Runtime, lan: Person) -> None:
    before = await snapshot(runtime)
    await start_case(lan, CaseKind.SUGGESTION, "other", "Plant more trees.")
    await send(lan, attachment=photo(2))
    await finish_case_until_summary(lan)
    assert only_text(await lan.press("fb:confirm:cancel")) == "Cancelled. Nothing was saved."
    assert without_receipts(await snapshot(runtime)) == without_receipts(before)


async def finish_case_until_summary(who: Person) -> None:
    """From the files step to the summary, anonymously."""
    await who.press("fb:next:files")
    await who.press("fb:next:place")
    await who.press("fb:next:contact")
    await who.press("fb:publish:no")
    summary = (await who.press("fb:consent:yes")).replies[0]
    assert payloads(summary) == ["fb:confirm:send", "fb:confirm:cancel"]


async def test_cancel_command_in_the_middle(runtime: Runtime, lan: Person) -> None:
    await start_case(lan, CaseKind.REFLECTION, "other", "Noise at night.")
    assert only_text(await lan.say("/cancel")) == "Cancelled. Nothing was saved."
    assert only_text(await lan.press("fb:next:files")) == STALE
    assert await all_cases(runtime) == []


# What is stored


async def test_the_text_is_stored_exactly_as_sent(runtime: Runtime, lan: Person) -> None:
    text = "  <b>Đường</b> hỏng &amp; <i>nguy hiểm</i> <a href='x'>link</a>\n\tdòng hai  "
    await start_case(lan, CaseKind.REFLECTION, "infrastructure", text)
    await lan.press("fb:next:files")
    await lan.press("fb:next:place")
    await lan.press("fb:next:contact")
    await lan.press("fb:publish:no")
    summary = (await lan.press("fb:consent:yes")).replies[0]
    assert text in summary.text
    await lan.press("fb:confirm:send")
    [case] = await all_cases(runtime)
    assert case.text == text
    card = only_text(await lan.say(f"/track {case.code}"))
    assert f"Content: {text}" in card


async def test_a_shared_location_is_kept(runtime: Runtime, lan: Person) -> None:
    await start_case(lan, CaseKind.REFLECTION, "infrastructure", "Broken street light.")
    await lan.press("fb:next:files")
    asked = only_text(await send(lan, location=Location(10.762622, 106.660172)))
    assert asked == "Your name, if you want an answer in person (optional):"
    await lan.press("fb:next:contact")
    await lan.press("fb:publish:no")
    await lan.press("fb:consent:yes")
    await lan.press("fb:confirm:send")
    [case] = await all_cases(runtime)
    assert (case.latitude, case.longitude, case.address) == (10.762622, 106.660172, None)


async def test_files_go_with_the_case(runtime: Runtime, lan: Person) -> None:
    await start_case(lan, CaseKind.REFLECTION, "environment", "Rubbish by the canal.")
    for n in range(1, 6):
        got = (await send(lan, attachment=photo(n))).replies[0]
        word = "file" if n == 1 else "files"
        assert got.text == f"{n} {word} received. Send more or press Done."
        assert payloads(got) == ["fb:next:files"]
    sixth = (await send(lan, attachment=photo(6))).replies[0]
    assert sixth.text == "That is the most files one case can carry."
    assert payloads(sixth) == ["fb:next:files"]
    await finish_case_until_summary(lan)
    await lan.press("fb:confirm:send")
    [case] = await all_cases(runtime)
    async with runtime.sessions() as session:
        files = list(
            await session.scalars(
                select(CaseFile).where(CaseFile.case_id == case.id).order_by(CaseFile.id)
            )
        )
    assert [(f.filename, f.content) for f in files] == [
        (photo(n).filename, photo(n).content) for n in range(1, 6)
    ]
    assert await count(runtime, Upload) == 0


# Hostile input


async def test_empty_and_huge_texts_are_refused(runtime: Runtime, lan: Person) -> None:
    await lan.say("/feedback")
    await lan.press("fb:kind:reflection")
    await lan.press("fb:topic:other")
    assert only_text(await lan.say("")) == DESCRIBE
    assert only_text(await lan.say(" \n\t ")) == DESCRIBE
    huge = "x" * 100 * 1024
    assert only_text(await lan.say(huge)) == (
        f"That is {len(huge)} characters; please keep it under 4000. Nothing was saved yet."
    )
    assert only_text(await lan.say("y" * 4001)).startswith("That is 4001 characters;")
    assert only_text(await send(lan, location=Location(1.0, 2.0))) == DESCRIBE
    assert only_text(await send(lan, attachment=photo(1))) == DESCRIBE
    assert await count(runtime, Upload) == 0
    longest = "z" * 4000
    assert only_text(await lan.say(longest)).startswith("You can send photos or files now")
    await finish_case_until_summary(lan)
    await lan.press("fb:confirm:send")
    [case] = await all_cases(runtime)
    assert case.text == longest


async def test_oversized_files_are_refused_without_reading_them(
    runtime: Runtime, lan: Person
) -> None:
    await start_case(lan, CaseKind.REFLECTION, "environment", "Dust from the quarry.")
    limit = 10 * 1024 * 1024

    async def never() -> bytes:
        raise AssertionError("an oversized file must not be downloaded")

    declared = Attachment("video.mp4", "video/mp4", limit + 1, None, never)
    refused = (await send(lan, attachment=declared)).replies[0]
    assert refused.text == TOO_LARGE
    assert payloads(refused) == ["fb:next:files"]
    undeclared = Attachment("big.bin", None, None, b"\0" * (limit + 1))
    assert only_text(await send(lan, attachment=undeclared)) == TOO_LARGE
    exact = Attachment("exact.bin", None, None, b"\1" * limit)
    assert only_text(await send(lan, attachment=exact)) == (
        "1 file received. Send more or press Done."
    )
    assert await count(runtime, Upload) == 1


async def test_wrong_kinds_of_input_at_each_step(runtime: Runtime, lan: Person) -> None:
    await lan.say("/feedback")
    # Text or a file where a button is expected: a hint, and the dialog waits.
    assert only_text(await lan.say("reflection")) == HINT
    assert only_text(await send(lan, location=Location(1.0, 2.0))) == HINT
    assert only_text(await send(lan, attachment=photo(1))) == (
        "I cannot take files here. Send /help to see what you can do."
    )
    assert only_text(await lan.press("fb:topic:land")) == STALE  # a button of a later step
    assert only_text(await lan.press("fb:kind:reflection")) == "What is it about?"
    assert only_text(await lan.press("fb:kind:petition")) == STALE  # pressed twice
    assert only_text(await lan.say("land")) == HINT
    await lan.press("fb:topic:land")
    await lan.say("The road is flooded.")
    # Text where a file is expected.
    wait = (await lan.say("here is my photo")).replies[0]
    assert (wait.text, payloads(wait)) == (SEND_FILE, ["fb:next:files"])
    await lan.press("fb:next:files")
    # An address that is too long.
    retry = (await lan.say("a" * 301)).replies[0]
    assert retry.text == "Type the address (at most 300 characters) or press Skip."
    assert payloads(retry) == ["fb:next:place"]
    await lan.press("fb:next:place")
    await lan.press("fb:next:contact")
    assert only_text(await lan.say("yes")) == HINT  # the publish buttons are expected
    await lan.press("fb:publish:maybe")  # a forged choice is not taken
    consent = (await lan.press("fb:publish:no")).replies[0]
    assert payloads(consent) == ["fb:consent:yes", "fb:consent:no"]
    assert only_text(await lan.say("I agree")) == HINT
    await lan.press("fb:consent:yes")
    await lan.press("fb:confirm:send")
    # Pressing Send again (a double tap) does not file a second case.
    assert only_text(await lan.press("fb:confirm:send")) == STALE
    assert len(await all_cases(runtime)) == 1


# Limits: five a day, and the same text twice


async def test_the_sixth_case_of_a_day_waits_for_tomorrow(
    runtime: Runtime, clock: ManualClock, lan: Person
) -> None:
    limit = runtime.settings.feedback_daily_limit
    assert limit == 5
    for n in range(limit):
        clock.advance(timedelta(minutes=30))
        await file_case(lan, text=f"Problem number {n + 1}.")
    before = await snapshot(runtime)
    assert only_text(await lan.say("/feedback")) == (
        "You have sent 5 cases today, the most allowed. Please write again tomorrow."
    )
    assert await snapshot(runtime) == before
    assert only_text(await lan.press("fb:start")) == (
        "You have sent 5 cases today, the most allowed. Please write again tomorrow."
    )
    # Another citizen is not limited by Lan's cases.
    binh = Person(runtime, 1002, "Bình", "en")
    assert (await binh.say("/feedback")).replies[0].text.startswith("What would you like")
    # Just after local midnight it is a new day.
    local = clock.now().astimezone(runtime.settings.tz)
    clock.set(local.replace(hour=0, minute=1) + timedelta(days=1))
    code = await file_case(lan, text="Problem number 6.")
    assert code == "PA-2026-00006"


async def test_the_same_text_twice_in_a_day_is_offered_to_be_joined(
    runtime: Runtime, clock: ManualClock, lan: Person
) -> None:
    first = await file_case(lan, text="The water  is brown\nagain.")
    clock.advance(timedelta(hours=2))
    await start_case(lan, CaseKind.REFLECTION, "infrastructure", "the water is BROWN again.")
    await finish_case_until_summary(lan)
    offer = (await lan.press("fb:confirm:send")).replies[0]
    assert offer.text == f"You sent the same text today as {first}. Join this to it?"
    assert payloads(offer) == ["fb:confirm:join", "fb:confirm:new"]
    joined = only_text(await lan.press("fb:confirm:join"))
    assert joined == f"Joined to {first}. Follow it with /track {first}."
    assert [c.code for c in await all_cases(runtime)] == [first]
    case = await case_row(runtime, first)
    async with runtime.sessions() as session:
        history = list(
            await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            )
        )
    assert [(e.action, e.note) for e in history] == [("received", None), ("received", "sent again")]

    # Asked again, the citizen may insist on a new case.
    await start_case(lan, CaseKind.REFLECTION, "infrastructure", "The water is brown again.")
    await finish_case_until_summary(lan)
    await lan.press("fb:confirm:send")
    sent = only_text(await lan.press("fb:confirm:new"))
    assert sent.startswith("Thank you. Your feedback is received. Tracking code: PA-2026-00002")

    # The next day the same text is simply a new case.
    clock.advance(timedelta(days=1))
    await start_case(lan, CaseKind.REFLECTION, "infrastructure", "The water is brown again.")
    await finish_case_until_summary(lan)
    sent = only_text(await lan.press("fb:confirm:send"))
    assert sent.startswith("Thank you. Your feedback is received. Tracking code: PA-2026-00003")


async def test_another_citizens_same_text_is_not_a_duplicate(runtime: Runtime, lan: Person) -> None:
    await file_case(lan, text="The bridge is unsafe.")
    binh = Person(runtime, 1002, "Bình", "en")
    assert await file_case(binh, text="The bridge is unsafe.") == "PA-2026-00002"


# Following a case


async def test_tracking_by_command_or_by_the_code_alone(lan: Person) -> None:
    code = await file_case(lan)
    card = only_text(await lan.say(f"/track {code.lower()}"))
    assert card.splitlines()[0] == f"{code} — Report a problem (phản ánh) · Roads, water, power"
    assert only_text(await lan.say(f"  {code} ")) == card
    assert only_text(await lan.say("/track")) == (
        "Send /track with your code, for example /track PA-2026-00042."
    )
    assert only_text(await lan.say("/track hello")) == (
        "Send /track with your code, for example /track PA-2026-00042."
    )
    assert only_text(await lan.say("/track PA-2026-99999")) == (
        "There is no case PA-2026-99999 for you."
    )
    assert only_text(await lan.say("/mycases")) == (
        f"Your cases:\n• {code} — received, waiting to be accepted\nSend /track CODE for details."
    )


async def test_a_citizen_cannot_follow_someone_elses_case(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    code = await file_case(lan)
    binh = Person(runtime, 1002, "Bình", "en")
    nobody = f"There is no case {code} for you."
    assert only_text(await binh.say(f"/track {code}")) == nobody
    assert only_text(await binh.say(code)) == nobody
    assert only_text(await binh.say("/mycases")) == (
        "You have not sent any feedback yet. Send /feedback to start."
    )
    # Staff of another commune, or of a unit the case is not assigned to, do not see it.
    assert only_text(await town.other_admin.say(f"/track {code}")) == nobody
    assert only_text(await town.officials[DC].say(f"/track {code}")) == nobody
    assert only_text(await town.admin.say(f"/track {code}")).startswith(f"{code} — ")


async def test_rating_buttons_of_someone_elses_case_do_nothing(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    code = await file_case(lan)
    case = await case_row(runtime, code)
    binh = Person(runtime, 1002, "Bình", "en")
    await binh.say("/start")
    before = await snapshot(runtime)
    for payload in (
        f"fb:rate:{case.id}:satisfied",
        f"fb:rate:{case.id}:unsatisfied",
        f"fb:rate:{case.id + 1000}:satisfied",
    ):
        assert only_text(await binh.press(payload)) == NOT_FOR_YOU
    assert only_text(await lan.press(f"fb:rate:{case.id}:excellent")) == STALE
    assert only_text(await lan.press("fb:rate:x1:satisfied")) == STALE
    assert only_text(await lan.press(f"fb:rate:{case.id}")) == STALE
    assert only_text(await lan.press("fb:rate:１:satisfied")) == STALE
    assert only_text(await lan.press(f"fb:rate:{'9' * 40}:satisfied")) == STALE
    assert only_text(await lan.press(f"fb:rate:{'9' * 11}:satisfied")) == STALE
    assert only_text(await lan.press("fb:rate:999999999:satisfied")) == NOT_FOR_YOU
    # Not answered yet: rating it changes nothing.
    await lan.press(f"fb:rate:{case.id}:satisfied")
    assert await snapshot(runtime) == before
    assert (await case_row(runtime, code)).status == CaseStatus.NEW


# Surviving a restart


async def test_a_restart_in_the_middle_of_the_dialog_loses_nothing(
    settings: Settings, clock: ManualClock
) -> None:
    async with open_runtime(settings, clock) as first:
        lan = Person(first, 1001, "Lan", "en")
        await start_case(lan, CaseKind.REFLECTION, "environment", "<i>Smelly</i> canal.")
        await send(lan, attachment=photo(7))
    clock.advance(timedelta(minutes=5))
    async with open_runtime(settings, clock) as second:
        lan = Person(second, 1001, "Lan", "en")
        got = only_text(await send(lan, attachment=photo(8)))
        assert got == "2 files received. Send more or press Done."
        await lan.press("fb:next:files")
        await lan.say("Xóm Bến")
        await lan.say("Lan Nguyễn")
        await lan.say("0911 222 333")
        await lan.press("fb:publish:no")
        await lan.press("fb:consent:yes")
        sent = only_text(await lan.press("fb:confirm:send"))
        assert sent.startswith("Thank you. Your feedback is received. Tracking code: PA-2026-00001")
        [case] = await all_cases(second)
        assert (case.text, case.address) == ("<i>Smelly</i> canal.", "Xóm Bến")
        assert await count(second, CaseFile) == 2
        sealed = case.contact_sealed
        assert sealed is not None
        assert json.loads(second.dispatcher.deployment.sealer.open(sealed))["name"] == "Lan Nguyễn"
        assert await count(second, Dialog) == 0


async def test_a_dialog_left_too_long_times_out(
    runtime: Runtime, clock: ManualClock, lan: Person
) -> None:
    await start_case(lan, CaseKind.REFLECTION, "other", "Stray dogs.")
    clock.advance(timedelta(minutes=runtime.settings.dialog_ttl_minutes + 1))
    assert only_text(await send(lan, attachment=photo(1))) == (
        "That conversation timed out, so it was closed. Please start again."
    )
    assert await count(runtime, Upload) == 0
    assert await all_cases(runtime) == []


# Keeping a denouncer's identity secret


async def test_a_denouncers_identity_is_sealed_and_shown_only_to_those_handling_it(
    runtime: Runtime,
    clock: ManualClock,
    town: Commune,
    lan: Person,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    code = await file_case(
        lan,
        CaseKind.DENUNCIATION,
        "conduct",
        "The cadastral officer asks for bribes.",
        name=DENOUNCER,
        phone=PHONE,
    )
    case = await case_row(runtime, code)
    assert case.contact_sealed is not None
    assert DENOUNCER not in case.contact_sealed
    assert "345 678" not in case.contact_sealed
    # Nowhere in the database in the clear, in any table.
    stored = await dump(runtime)
    assert DENOUNCER not in stored
    assert PHONE not in stored
    assert "345 678" not in stored

    sender_line = f"Sender: {DENOUNCER}, {PHONE}"

    # The administrator triaging it does not see who sent it.
    inbox = only_text(await town.admin.say("/inbox"))
    assert code in inbox
    admin_card = (await town.admin.press(f"case:open:{case.id}")).replies[0]
    assert DENOUNCER not in admin_card.text
    assert PHONE not in admin_card.text
    assert f"case:assign:{case.id}" in payloads(admin_card)
    assert DENOUNCER not in only_text(await town.admin.say(f"/track {code}"))
    units = (await town.admin.press(f"case:assign:{case.id}")).replies[0]
    assert payloads(units)[0] == f"case:to:{case.id}:{town.units[VP]}"  # conduct: Văn phòng…
    await town.admin.press(f"case:to:{case.id}:{town.units[DC]}")
    assert DENOUNCER not in only_text(await town.admin.press(f"case:open:{case.id}"))
    assert DENOUNCER not in only_text(await town.admin.say("/cases"))

    # The assigned unit's official and the leaders do.
    official = town.officials[DC]
    assert sender_line in only_text(await official.press(f"case:open:{case.id}")).splitlines()
    assert sender_line in only_text(await official.say(f"/track {code}")).splitlines()
    assert sender_line in only_text(await town.leader.press(f"case:open:{case.id}")).splitlines()
    # Another unit's official does not even see the case.
    assert only_text(await town.officials[VP].press(f"case:open:{case.id}")) == NOT_FOR_YOU

    # Answered, it is never published, nor exported.
    await official.press(f"case:answer:{case.id}")
    await official.say("The officer was disciplined.")
    assert (await case_row(runtime, code)).status == CaseStatus.ANSWERED
    assert only_text(await lan.say("/public")) == "No published answers yet."
    exported = await _export_public(runtime.settings, tmp_path)
    assert json.loads(exported) == []
    assert DENOUNCER not in exported

    # Not in the audit trail, not in the outbox, not in the logs.
    trail = repr([(a.action, a.before, a.after) for a in await audits(runtime)])
    assert "case.received" in trail
    assert DENOUNCER not in trail
    assert PHONE not in trail
    stored = await dump(runtime)
    assert DENOUNCER not in stored
    assert PHONE not in stored
    assert DENOUNCER not in caplog.text
    assert PHONE not in caplog.text
    assert "345 678" not in caplog.text


async def test_an_unfinished_denunciation_leaves_no_readable_identity(
    runtime: Runtime, lan: Person
) -> None:
    await start_case(lan, CaseKind.DENUNCIATION, "conduct", "Bribes at the office.")
    await lan.press("fb:next:files")
    await lan.press("fb:next:place")
    await lan.say(DENOUNCER)
    await lan.say(HOME)
    await lan.say(PHONE)
    # The citizen stops at the consent question and never comes back.
    assert await count(runtime, Dialog) == 1
    stored = await dump(runtime)
    assert DENOUNCER not in stored
    assert PHONE not in stored
    assert json.dumps(DENOUNCER) not in stored
    # Yet the summary still reads them back to the citizen.
    summary = only_text(await lan.press("fb:consent:yes"))
    assert f"Sender: {DENOUNCER}, {PHONE}" in summary.splitlines()


async def test_a_reflections_contact_is_visible_to_the_administrator(
    runtime: Runtime, town: Commune, lan: Person
) -> None:
    code = await file_case(lan, name="Trần Thị Lan", phone="0987 000 111")
    case = await case_row(runtime, code)
    card = only_text(await town.admin.press(f"case:open:{case.id}"))
    assert "Sender: Trần Thị Lan, 0987 000 111" in card.splitlines()
    # The citizen's own card does not repeat the contact.
    assert "Sender:" not in only_text(await lan.say(f"/track {code}"))


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


# One person cannot pile up files


async def test_files_a_day_are_limited_per_person_across_cases_and_restarts(
    runtime: Runtime, lan: Person, clock: ManualClock, town: Commune
) -> None:
    limit = ATTACHMENT_LIMITS.files_per_day
    sent = 0
    # Restarting /feedback, cancelling, and starting again: every file counts.
    while sent < limit:
        await start_case(lan, CaseKind.SUGGESTION, "other", f"Round {sent}.")
        for _ in range(min(ATTACHMENT_LIMITS.per_case, limit - sent)):
            assert "received" in only_text(await send(lan, attachment=photo(sent)))
            sent += 1
        if sent % 2:
            await lan.say("/cancel")
    await start_case(lan, CaseKind.SUGGESTION, "other", "One more.")
    refused = only_text(await send(lan, attachment=photo(99)))
    assert refused == (
        f"You have sent {limit} files today, the most one person may. Nothing more was kept; "
        "please send it tomorrow."
    )
    assert await count(runtime, Upload) <= ATTACHMENT_LIMITS.per_case
    # Another person is not held back by Lan's day.
    other = await town.citizen(1002, "Hùng")
    await start_case(other, CaseKind.SUGGESTION, "other", "Mine.")
    assert "received" in only_text(await send(other, attachment=photo(1)))
    # The next local day Lan may send again.
    clock.advance(timedelta(days=1))
    await start_case(lan, CaseKind.SUGGESTION, "other", "Next day.")
    assert "received" in only_text(await send(lan, attachment=photo(100)))


async def test_bytes_a_day_are_limited_per_person(runtime: Runtime, lan: Person) -> None:
    big = ATTACHMENT_LIMITS.file_bytes
    allowed = ATTACHMENT_LIMITS.bytes_per_day // big
    for n in range(allowed):
        if n % ATTACHMENT_LIMITS.per_case == 0:
            await start_case(lan, CaseKind.SUGGESTION, "other", f"Big {n}.")
        assert "received" in only_text(await send(lan, attachment=photo(n, big)))
    await start_case(lan, CaseKind.SUGGESTION, "other", "Too much.")
    before = await count(runtime, Upload)
    # Refused by the size it announces, before it is fetched.
    announced = Attachment("video.mp4", "video/mp4", big, None)
    refused = only_text(await send(lan, attachment=announced))
    assert refused.startswith("That file would bring today's files to")
    assert refused.endswith("Nothing more was kept; please send it tomorrow.")
    assert await count(runtime, Upload) == before


async def test_restarting_or_cancelling_the_dialog_forgets_its_files(
    runtime: Runtime, lan: Person
) -> None:
    await start_case(lan, CaseKind.REFLECTION, "environment", "Smoke.")
    for n in range(3):
        await send(lan, attachment=photo(n))
    assert await count(runtime, Upload) == 3
    await start_case(lan, CaseKind.REFLECTION, "environment", "Smoke again.")
    assert await count(runtime, Upload) == 0
    await send(lan, attachment=photo(4))
    assert await count(runtime, Upload) == 1
    await lan.say("/cancel")
    assert await count(runtime, Upload) == 0
