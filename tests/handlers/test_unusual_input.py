"""Every command and every button, given unusual digits and senseless dates by every role,
answers in words: "not understood", "no such", "outside the dates", never an internal error.

The commands and buttons are read from the router, so a new one is swept too.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Select, select

from bot.messages import Outcome
from db.models import Occurrence
from tests.conftest import Person
from tests.handlers.conftest import Office, texts

INTERNAL_ERROR = "Something went wrong on our side. Nothing was changed; try again."
OUT_OF_RANGE = "is outside the dates I work with: from Jan 1, 2000 to Dec 31, 2100."

COMMAND_ARGS = [
    "²",
    "³",
    "１２",
    "٣",
    "#²",
    "1²",
    "²³/01/2026",
    "4 01/01/0001",
    "2 31/12/9999",
    "² 31/12/2026",
    "１ 10/01/２０２６",
    "01/01/0001-31/12/9999",
    "0001-01-01..9999-12-31",
    "Q³/２０２４",
    "9999",
    "9" * 40,
    "-1",
    "\x0b\x01",
]
BUTTON_ARGS = ["²", "１２", "٣", "1²", "-1", "9" * 40, "", "\x01", "0"]


def _people(office: Office) -> list[Person]:
    return [office.admin, office.leader, office.minh, office.citizen]


def _answer_problem(outcome: Outcome) -> str | None:
    replies = texts(outcome)
    if not replies:
        return "no answer"
    return "internal error" if INTERNAL_ERROR in replies else None


async def test_every_command_with_unusual_digits_or_dates_is_answered_in_words(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    commands = office.runtime.dispatcher.deployment.router.commands()
    assert len(commands) > 20
    problems = []
    with caplog.at_level(logging.ERROR):
        for who in _people(office):
            for command in commands:
                for arg in COMMAND_ARGS:
                    sent = f"/{command.name} {arg}"
                    if problem := _answer_problem(await who.say(sent)):
                        problems.append((who.name, sent, problem))
                await who.say("/cancel")
    assert problems == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_every_button_with_unusual_digits_is_answered_in_words(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    prefixes = office.runtime.dispatcher.deployment.router.button_prefixes()
    assert len(prefixes) > 20
    problems = []
    with caplog.at_level(logging.ERROR):
        for who in _people(office):
            for prefix in prefixes:
                for arg in BUTTON_ARGS:
                    for payload in (
                        f"{prefix}:{arg}",
                        f"{prefix}:{arg}:{arg}",
                        f"{prefix}:1:{arg}",
                    ):
                        if problem := _answer_problem(await who.press(payload)):
                            problems.append((who.name, payload, problem))
                await who.say("/cancel")
    assert problems == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "command",
    [
        "/setdate {task} 01/01/0001",
        "/setdate {task} 31/12/9999",
        "/setdate {task} 2101-01-01",
        "/report 01/01/0001-31/12/9999",
        "/report 9999",
        "/report Q1/0001 closing",
        "/feedbackstats 01/01/0001-31/12/9999",
        "/feedbackstats 1999",
    ],
)
async def test_senseless_dates_in_commands_name_the_range(office: Office, command: str) -> None:
    sent = command.format(task=office.tasks["1.6"])
    [reply] = texts(await office.admin.say(sent))
    assert reply.endswith(OUT_OF_RANGE), reply


async def test_the_widest_sensible_range_is_reported(office: Office) -> None:
    outcome = await office.admin.say("/report 01/01/2000-31/12/2100")
    assert INTERNAL_ERROR not in texts(outcome)
    assert any(r.file is not None for r in outcome.replies)


@pytest.mark.parametrize("typed", ["01/01/0001", "31/12/9999", "1/1/1999", "０１/０１/２０２６"])
async def test_a_senseless_event_or_proposed_date_is_refused_and_nothing_changes(
    office: Office, typed: str
) -> None:
    runtime = office.runtime
    event_task = office.tasks["1.5"]
    await office.minh.press(f"task:event:{event_task}")
    [reply] = texts(await office.minh.say(typed))
    assert reply != INTERNAL_ERROR
    assert typed in reply
    async with runtime.sessions() as session:
        task_occurrences = list(await session.scalars(_occurrences(event_task)))
    assert task_occurrences == []
    await office.minh.say("/cancel")
    await office.minh.press(f"occ:more:{office.occurrences['1.2']}")
    [reply] = texts(await office.minh.say(typed))
    assert typed in reply


def _occurrences(task_id: int) -> Select[Occurrence]:
    return select(Occurrence).where(Occurrence.task_id == task_id)
