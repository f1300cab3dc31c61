"""Reading Zalo's webhook events: the signature, the head, and defensive reading."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import pytest

from bot.channels.textonly import as_command
from bot.channels.zalo_oa.events import BadEvent, head, read, verify

APP, SECRET = "123", "s3cret"


def _signed(event: Mapping[str, object]) -> tuple[bytes, str]:
    body = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(
        APP.encode() + body + str(event["timestamp"]).encode() + SECRET.encode()
    ).hexdigest()
    return body, f"mac={mac}"


def test_the_signature_covers_app_body_timestamp_and_secret() -> None:
    event = {"app_id": APP, "timestamp": "1700000000000", "event_name": "follow"}
    body, header = _signed(event)
    assert verify(body, header, APP, SECRET) == event
    for bad_header in (None, "", "sha256=" + header[4:], header[:-1] + "0"):
        with pytest.raises(BadEvent):
            verify(body, bad_header, APP, SECRET)
    with pytest.raises(BadEvent):
        verify(body, header, APP, "other")
    with pytest.raises(BadEvent):
        verify(body, header, "456", SECRET)  # signed, but for another app
    with pytest.raises(BadEvent):
        verify(b"\xff\xfe", header, APP, SECRET)
    with pytest.raises(BadEvent):
        verify(json.dumps({"app_id": 123, "timestamp": 1}).encode(), header, APP, SECRET)


def test_the_dedupe_key_is_the_message_id_or_the_event_hash() -> None:
    text = {
        "event_name": "user_send_text",
        "sender": {"id": "9223372036854775999"},
        "message": {"msg_id": "abc", "text": "hi"},
    }
    found = head(text, b"x")
    assert found is not None
    assert (found.kind, found.sender, found.dedupe_key) == (
        "user_send_text",
        "9223372036854775999",
        "m:abc",
    )
    follow = {"event_name": "follow", "follower": {"id": "42"}}
    found = head(follow, b"body")
    assert found is not None
    assert found.dedupe_key == "h:" + hashlib.sha256(b"body").hexdigest()
    assert head({"event_name": "oa_send_text", "sender": {"id": "1"}}, b"") is None
    assert head({"event_name": "user_received_message"}, b"") is None
    with pytest.raises(BadEvent):
        head({"event_name": "user_send_text", "sender": {"id": 42}}, b"")


def test_stored_events_are_read_defensively() -> None:
    base = {"sender": {"id": "7"}}
    location = read(
        json.dumps(
            {
                **base,
                "event_name": "user_send_location",
                "message": {
                    "attachments": [
                        {"payload": {"coordinates": {"latitude": "21.5", "longitude": "105.1"}}}
                    ]
                },
            }
        )
    )
    assert (location.latitude, location.longitude) == (21.5, 105.1)
    outside = read(
        json.dumps(
            {
                **base,
                "event_name": "user_send_location",
                "message": {
                    "attachments": [
                        {"payload": {"coordinates": {"latitude": "91", "longitude": "0"}}}
                    ]
                },
            }
        )
    )
    assert outside.latitude is None
    image = read(
        json.dumps(
            {
                **base,
                "event_name": "user_send_image",
                "message": {"attachments": [{"payload": {"url": "ftp://x/y"}}]},
            }
        )
    )
    assert image.media is None
    info = read(
        json.dumps({**base, "event_name": "user_submit_info", "info": {"phone": "09", "x": [1]}})
    )
    assert info.info == {"phone": "09"}
    long = read(
        json.dumps({**base, "event_name": "user_send_text", "message": {"text": "a" * 10**5}})
    )
    assert long.text is not None
    assert len(long.text) == 20_000


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("#feedback", "/feedback"),
        ("#track PA-2026-00001", "/track PA-2026-00001"),
        ("#help", "/help"),
        ("#", "#"),
        ("# feedback", "# feedback"),
        ("#góp_ý", "#góp_ý"),
        ("#1 nhà", "#1 nhà"),
        ("Đường #5 hỏng", "Đường #5 hỏng"),
        ("/help", "/help"),
    ],
)
def test_hash_commands_from_the_oa_menu(typed: str, meant: str) -> None:
    assert as_command(typed) == meant
