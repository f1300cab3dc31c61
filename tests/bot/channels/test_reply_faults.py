"""A server error on the reply to "Send" neither loses the reply nor says nothing changed."""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.settings import Settings
from db.models import Case
from tests.support.botapi import BotApiEmulator, SentMessage, SimulatedUser
from tests.support.running import running_bot


async def _say(user: SimulatedUser, text: str) -> SentMessage:
    before = len(user.messages())
    await user.send(text)
    return (await user.wait_for(before + 1))[-1]


async def _press(user: SimulatedUser, message: SentMessage, button: str) -> SentMessage:
    before = len(user.messages())
    await user.press(message, button)
    return (await user.wait_for(before + 1, timeout=15))[-1]


async def _up_to_send(citizen: SimulatedUser) -> SentMessage:
    await _press(citizen, await _say(citizen, "/lang"), "English")
    kinds = await _say(citizen, "/feedback")
    topics = await _press(citizen, kinds, "Report a problem (phản ánh)")
    await _press(citizen, topics, "Roads, water, power")
    files = await _say(citizen, "The drain on Market street is blocked.")
    place = await _press(citizen, files, "Skip")
    name = await _press(citizen, place, "Skip")
    publish = await _press(citizen, name, "Skip")
    consent = await _press(citizen, publish, "No")
    return await _press(citizen, consent, "I agree")


@pytest.mark.parametrize(
    "status",
    [HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE],
)
async def test_a_passing_server_error_on_the_reply_is_retried(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator, status: HTTPStatus
) -> None:
    citizen = emulator.user(222, "Lan", language_code="en")
    async with running_bot(tg_settings, clock) as runtime:
        summary = await _up_to_send(citizen)
        emulator.fail_next("sendMessage", count=2, status=status)
        thanks = await _press(citizen, summary, "Send")
        async with runtime.sessions() as session:
            saved = await session.scalar(select(func.count()).select_from(Case))
    assert saved == 1
    assert (thanks.text or "").startswith("Thank you. Your feedback is received.")
    assert not any("Nothing was changed" in (m.text or "") for m in citizen.messages())


async def test_a_reply_that_never_goes_through_does_not_say_nothing_changed(
    tg_settings: Settings, clock: ManualClock, emulator: BotApiEmulator
) -> None:
    citizen = emulator.user(222, "Lan", language_code="en")
    english = replace(tg_settings, default_locale="en")  # the error notice's language
    async with running_bot(english, clock) as runtime:
        summary = await _up_to_send(citizen)
        emulator.fail_next("sendMessage", count=3, status=HTTPStatus.INTERNAL_SERVER_ERROR)
        told = await _press(citizen, summary, "Send")
        async with runtime.sessions() as session:
            saved = await session.scalar(select(func.count()).select_from(Case))
    assert saved == 1
    assert "Nothing was changed" not in (told.text or "")
    assert told.text == (
        "What you sent was saved, but our answer could not be delivered. "
        "Please check before sending it again."
    )
