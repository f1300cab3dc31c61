"""A denunciation through the real Telegram stack leaves the denouncer's identity nowhere.

The bot runs at DEBUG with every log record captured, the way an operator chasing a bug
would run it; the denouncer's Telegram display name is their real name.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.clock import ManualClock
from bot.logs import QUIET, configure_logging
from bot.settings import Settings
from tests.handlers.feedback_support import dump
from tests.support.botapi import BotApiEmulator, SentMessage, SimulatedUser
from tests.support.running import running_bot

NAME = "Nguyễn Văn Tố"
FIRST, LAST = "Văn Tố", "Nguyễn"
DISPLAY = f"{FIRST} {LAST}"  # what Telegram gives as the full name
PHONE = "0912 345 678"
HOME = "Số 12 ngõ 4 đường Lê Lợi"  # a denouncer gives a home address too
USERNAME = "to_nguyen_1970"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Configure logging as the bot does at BOT_LOG_LEVEL=DEBUG and capture everything."""
    configure_logging("DEBUG")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield buffer
    finally:
        logging.getLogger().removeHandler(handler)
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger().setLevel(logging.WARNING)


async def _say(user: SimulatedUser, text: str) -> SentMessage:
    before = len(user.messages())
    await user.send(text)
    return (await user.wait_for(before + 1))[-1]


async def _press(user: SimulatedUser, message: SentMessage, button: str) -> SentMessage:
    before = len(user.messages())
    await user.press(message, button)
    return (await user.wait_for(before + 1))[-1]


async def test_a_denunciation_at_debug_logs_no_identity(
    tg_settings: Settings,
    clock: ManualClock,
    emulator: BotApiEmulator,
    debug_log: io.StringIO,
) -> None:
    citizen = emulator.user(222, FIRST, language_code="en", username=USERNAME, last_name=LAST)
    text = "The cadastral officer asks for bribes."
    async with running_bot(tg_settings, clock) as runtime:
        hello = await _say(citizen, "/start")
        assert DISPLAY in (hello.text or "")  # the person is still greeted by name
        await _press(citizen, await _say(citizen, "/lang"), "English")
        kinds = await _say(citizen, "/feedback")
        topics = await _press(citizen, kinds, "Denunciation (tố cáo)")
        await _press(citizen, topics, "Officials' conduct")
        files = await _say(citizen, text)
        await _press(citizen, files, "Skip")
        await _say(citizen, "Thôn 3")
        await _say(citizen, NAME)
        await _say(citizen, HOME)
        consent = await _say(citizen, PHONE)
        summary = await _press(citizen, consent, "I agree")
        thanks = await _press(citizen, summary, "Send")
        assert (thanks.text or "").startswith("Thank you. Your feedback is received.")
        whoami = await _say(citizen, "/whoami")
        assert DISPLAY in (whoami.text or "")
        stored = await dump(runtime)

    logged = debug_log.getvalue()
    # The capture works (the bot's own record is there) ...
    assert "ready: Telegram bot" in logged
    # ... yet neither the libraries nor the bot wrote who the denouncer is.
    for secret in (NAME, DISPLAY, PHONE, "345 678", HOME, USERNAME, text):
        assert secret not in logged, secret
    # The database holds the name, the address and the username only sealed.
    for secret in (NAME, DISPLAY, PHONE, HOME, USERNAME):
        assert secret not in stored, secret
