"""End to end: citizens' feedback through the real python-telegram-bot Application.

The Application polls a Bot API emulator; the outbox is swept by a ``Sweeper`` that sends
through the running application's ``TelegramSender``, at a moment inside working hours.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import invites
from bot.clock import ManualClock
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.workcal import KNOWN_OVERRIDES, WorkCalendar
from db.models import Case, CaseStatus, Rating, Role
from db.queries import orgs
from jobs.outbox import Sweeper
from tests.handlers.feedback_support import ANSWER_WORKING_DAYS, after_working_days, en_date
from tests.support.botapi import BotApiEmulator, SentMessage, SimulatedUser
from tests.support.running import running_bot

DC = "Địa chính - Xây dựng"
VP = "Văn phòng - Thống kê"


async def _prepare(settings: Settings, clock: ManualClock) -> tuple[str, str]:
    """Two units, and invite codes for a clerk (administrator) and an official of one unit."""
    async with open_runtime(settings, clock) as runtime, runtime.sessions.begin() as session:
        org_id = runtime.dispatcher.deployment.root_org_id
        units = {}
        for name in (VP, DC):
            unit = await orgs.add_unit(
                session, org_id=org_id, name=name, aliases=[], now=clock.now()
            )
            units[name] = unit.id
        codes = []
        for role, unit_id in ((Role.ADMIN, None), (Role.OFFICIAL, units[DC])):
            _, code = await invites.create_invite(
                session,
                org_id=org_id,
                role=role,
                unit_id=unit_id,
                created_by=None,
                now=clock.now(),
                ttl=timedelta(days=7),
            )
            codes.append(code)
    return codes[0], codes[1]


async def _say(user: SimulatedUser, text: str) -> SentMessage:
    before = len(user.messages())
    await user.send(text)
    return (await user.wait_for(before + 1))[-1]


async def _press(user: SimulatedUser, message: SentMessage, button: str) -> SentMessage:
    before = len(user.messages())
    await user.press(message, button)
    return (await user.wait_for(before + 1))[-1]


async def test_a_reflection_from_a_citizen_to_the_rated_answer(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    admin_code, official_code = await _prepare(tg_settings, clock)
    clerk = emulator.user(111, "Thu", language_code="en")
    official = emulator.user(333, "Hải", language_code="en")
    citizen = emulator.user(222, "Lan", language_code="en")
    text = "The drain on <b>Market street</b> is blocked & smells."

    async with running_bot(tg_settings, clock) as runtime:
        assert (await _say(clerk, f"/start {admin_code}")).text == (
            "Welcome! You are now administrator.\nSend /help to see your commands."
        )
        joined = await _say(official, f"/start {official_code}")
        assert (joined.text or "").startswith(f"Welcome! You are now official of {DC}.")
        for user in (clerk, official, citizen):  # notices are sent in the chosen language
            switched = await _press(user, await _say(user, "/lang"), "English")
            assert switched.text == "Language set to English."

        # The citizen files a reflection with buttons and typed text.
        kinds = await _say(citizen, "/feedback")
        assert (kinds.text or "").startswith("What would you like to send? (/cancel to stop)")
        topics = await _press(citizen, kinds, "Report a problem (phản ánh)")
        assert topics.text == "What is it about?"
        asked = await _press(citizen, topics, "Roads, water, power")
        assert asked.text == "Please describe it in your own words (at most 4000 characters)."
        files = await _say(citizen, text)
        assert files.callback_data == ["fb:next:files"]
        place = await _press(citizen, files, "Skip")
        assert place.text == "Where is it? Share a location or type the address, or skip."
        name = await _say(citizen, "Chợ Mới, thôn 2")
        assert name.text == "Your name, if you want an answer in person (optional):"
        publish = await _press(citizen, name, "Skip")
        consent = await _press(citizen, publish, "Yes, without my name")
        summary = await _press(citizen, consent, "I agree")
        assert (summary.text or "").splitlines() == [
            "Please check:",
            "Report a problem (phản ánh) · Roads, water, power",
            text,
            "Place: Chợ Mới, thôn 2",
        ]
        thanks = await _press(citizen, summary, "Send")
        code = "PA-2026-00001"
        answer_due = after_working_days(
            clock.now().date(), ANSWER_WORKING_DAYS, WorkCalendar(KNOWN_OVERRIDES)
        )
        assert (thanks.text or "").splitlines()[0] == (
            f"Thank you. Your feedback is received. Tracking code: {code}"
        )
        assert (
            (thanks.text or "").splitlines()[1].startswith(f"Answer due by {en_date(answer_due)} (")
        )

        # The clerk accepts it and gives it to the unit the topic suggests.
        inbox = await _say(clerk, "/inbox")
        assert (inbox.text or "").splitlines()[0] == "New cases:"
        card = await _press(clerk, inbox, code)
        assert "Sender" not in (card.text or "")
        units = await _press(clerk, card, "Accept and assign")
        assert units.buttons[0][0][0] == DC
        assigned = await _press(clerk, units, DC)
        assert assigned.text == f"{code} is assigned to {DC}."

        # The official answers.
        listed = await _say(official, "/cases")
        opened = await _press(official, listed, code)
        write = await _press(official, opened, "Write the answer")
        assert write.text == (
            f"Write the answer to {code} for the citizen (or /cancel).\n"
            "You may first send the signed answer document (PDF or DOCX)."
        )
        answer = "We cleaned the drain this morning."
        sent = await _say(official, answer)
        assert sent.text == f"The answer to {code} is sent to the citizen."

        # The outbox goes out through Telegram, inside working hours.
        before = len(citizen.messages())
        sweeper = Sweeper(
            runtime.sessions,
            ManualClock(clock.now()),
            runtime.senders,
            runtime.settings.tz,
            worker="e2e",
        )
        stats = await sweeper.sweep()
        assert stats.failed == 0
        told = (await citizen.wait_for(before + 1))[-1]
        assert (told.text or "").splitlines() == [
            "You have 2 reminders:",
            f"Your feedback {code} is accepted and handled by {DC}. "
            f"Answer due by {en_date(answer_due)}.",
            "",
            f"The answer to your feedback {code}:",
            answer,
            "",
            "How satisfied are you?",
        ]
        assert len(citizen.messages()) == before + 1
        # Staff notices about steps the case has since left are dropped at send time: the
        # clerk had triaged it and the unit had answered before the outbox ran.
        assert not any(f"New feedback {code}" in (m.text or "") for m in clerk.messages())
        assert not any(
            f"Feedback {code} is assigned to your unit" in (m.text or "")
            for m in official.messages()
        )

        # The citizen rates it from the message.
        rated = await _press(citizen, told, "Satisfied")
        assert rated.text == "Thank you for your rating. The case is closed."
        tracked = await _say(citizen, code)
        assert "Status: closed" in (tracked.text or "").splitlines()
        assert f"Content: {text}" in (tracked.text or "").splitlines()

        async with runtime.sessions() as session:
            case = await session.scalar(select(Case).where(Case.code == code))
        assert case is not None
        assert (case.status, case.rating, case.text) == (CaseStatus.CLOSED, Rating.SATISFIED, text)
        assert case.answer == answer
        # A second sweep sends nothing again.
        again = await sweeper.sweep()
        assert again.messages == 0
