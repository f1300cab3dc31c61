"""Reading what the Zalo Bot platform sends (both update shapes, nothing else), and polling
that never moves past an update it could not store."""

from __future__ import annotations

import asyncio
import json
from typing import cast

import httpx
import pytest

from bot.channels.zalo_bot.channel import poll
from bot.channels.zalo_bot.platform import (
    IMAGE,
    TEXT,
    BadUpdate,
    ZaloBotApi,
    head,
    method_url,
    read,
    unwrap,
    update_id,
)
from bot.inbox.worker import InboxWorker
from tests.support.zalo_bot import ZaloBotEmulator

MESSAGE = {
    "message_id": "a1b2c3",
    "from": {"id": "6ede9afa6d1c8442dd0d", "display_name": "Minh", "is_bot": False},
    "chat": {"id": "6ede9afa6d1c8442dd0d", "chat_type": "PRIVATE"},
    "date": 1767225600000,
    "text": "/help",
}


def test_calls_go_to_the_token_path() -> None:
    assert method_url("https://bot-api.zaloplatforms.com/", "12:ab", "getMe") == (
        "https://bot-api.zaloplatforms.com/bot12:ab/getMe"
    )


def test_a_pushed_update_is_read_bare_or_wrapped() -> None:
    update = {"event_name": TEXT, "message": MESSAGE}
    assert unwrap(update) == update
    assert unwrap({"ok": True, "result": update}) == update
    with pytest.raises(BadUpdate):
        unwrap([update])
    found = head(update)
    assert found is not None
    assert (found.kind, found.chat, found.dedupe_key) == (TEXT, MESSAGE["chat"]["id"], "m:a1b2c3")  # type: ignore[index]


def test_an_update_without_a_message_id_is_known_by_its_content() -> None:
    message = {k: v for k, v in MESSAGE.items() if k != "message_id"}
    first = head({"event_name": TEXT, "message": message})
    again = head({"message": dict(reversed(message.items())), "event_name": TEXT})
    other = head({"event_name": TEXT, "message": {**message, "text": "/tasks"}})
    assert first is not None and again is not None and other is not None  # noqa: PT018
    assert first.dedupe_key == again.dedupe_key != other.dedupe_key
    assert first.dedupe_key.startswith("h:")


@pytest.mark.parametrize(
    "update",
    [
        {"event_name": "webhook.verified"},
        {"event_name": 7, "message": MESSAGE},
        {"event_name": "x" * 200, "message": MESSAGE},
        {"message": MESSAGE},
    ],
)
def test_other_events_are_dropped(update: dict[str, object]) -> None:
    assert head(update) is None


@pytest.mark.parametrize(
    "message",
    [
        "text",
        {**MESSAGE, "from": None, "chat": None},
        {**MESSAGE, "from": {"id": "a/b"}, "chat": {"id": "../x"}},
        {**MESSAGE, "from": {"id": "9" * 65}, "chat": {}},
        {**MESSAGE, "from": {"id": False}, "chat": {"id": 0}},
    ],
)
def test_an_update_without_a_readable_sender_is_refused(message: object) -> None:
    with pytest.raises(BadUpdate):
        head({"event_name": TEXT, "message": message})


def test_update_ids_are_numbers_or_nothing() -> None:
    assert update_id({"update_id": 41}) == 41
    odd: object
    for odd in ({"update_id": "41"}, {"update_id": True}, {"update_id": -1}, {}, [], None):
        assert update_id(odd) is None


def test_reading_keeps_only_fields_of_the_right_type() -> None:
    event = read(json.dumps({"ok": True, "result": {"event_name": TEXT, "message": MESSAGE}}))
    assert (event.kind, event.user_id, event.name, event.text) == (
        TEXT,
        "6ede9afa6d1c8442dd0d",
        "Minh",
        "/help",
    )
    odd = read(
        json.dumps(
            {
                "event_name": IMAGE,
                "message": {
                    **MESSAGE,
                    "text": 42,
                    "caption": "biên bản",
                    "photo": "file:///etc/passwd",
                    "from": {"id": 12345, "display_name": ["x"]},
                },
            }
        )
    )
    assert (odd.user_id, odd.name, odd.text, odd.photo_url) == ("12345", "", "biên bản", None)
    photo = read(json.dumps({"event_name": IMAGE, "message": {**MESSAGE, "photo": "https://z/p"}}))
    assert photo.photo_url == "https://z/p"
    assert (
        read(json.dumps({"event_name": TEXT, "message": {**MESSAGE, "text": "Ư" * 30_000}})).text
        == "Ư" * 20_000
    )


class _FlakyInbox:
    """An inbox whose database is away for the first update it is given."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.refused = 0

    async def accept(self, *, dedupe_key: str, sender: str, kind: str, payload: str) -> bool:
        if not self.refused:
            self.refused += 1
            raise ConnectionError("database away")
        if dedupe_key in self.kept:
            return False
        self.kept.append(dedupe_key)
        return True


async def test_polling_keeps_the_offset_until_an_update_is_stored() -> None:
    inbox = _FlakyInbox()
    stop = asyncio.Event()
    async with ZaloBotEmulator() as zbot, httpx.AsyncClient() as http:
        api = ZaloBotApi(zbot.base_url, zbot.token, http)
        minh = zbot.user("Minh")
        await minh.send("/help")
        await minh.send("/tasks")
        polling = asyncio.create_task(poll(api, cast(InboxWorker, inbox), stop))
        for _ in range(300):
            if len(inbox.kept) == 2 and zbot.pending == 0:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(polling, 5)
    assert inbox.refused == 1
    assert len(inbox.kept) == 2
    assert zbot.pending == 0
