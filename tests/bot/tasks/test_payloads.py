"""The task buttons keep the wire format of messages already queued in the outbox."""

from __future__ import annotations

import pytest

from bot.payloads import Payload
from bot.tasks.payloads import (
    ApproveExtension,
    AskMoreTime,
    DeclineExtension,
    MarkDone,
    NoteProgress,
    OpenTask,
    ReportBlocked,
    Snooze,
    TaskHappened,
    TaskProgress,
)
from bot.wiring import build_router

BUTTONS: list[tuple[Payload, str]] = [
    (OpenTask(7), "task:open:7"),
    (TaskProgress(7), "task:progress:7"),
    (TaskHappened(7), "task:event:7"),
    (MarkDone(12), "occ:done:12"),
    (NoteProgress(12), "occ:progress:12"),
    (ReportBlocked(12), "occ:blocked:12"),
    (AskMoreTime(12), "occ:more:12"),
    (Snooze(12), "occ:snooze:12"),
    (ApproveExtension(44), "ext:approve:44"),
    (DeclineExtension(44), "ext:decline:44"),
]


@pytest.mark.parametrize(("payload", "data"), BUTTONS)
async def test_each_button_builds_the_old_data_and_the_router_parses_it_back(
    payload: Payload, data: str
) -> None:
    assert payload.data == data
    route = build_router().resolve_button(data)
    assert route is not None
    assert route.payload is type(payload)
    assert route.payload.parse(route.args) == payload


@pytest.mark.parametrize("args", [(), ("",), ("x",), ("1", "2"), ("-1",), ("２",), ("1" * 10,)])
async def test_anything_else_names_nothing(args: tuple[str, ...]) -> None:
    for payload, _ in BUTTONS:
        assert type(payload).parse(args) is None
