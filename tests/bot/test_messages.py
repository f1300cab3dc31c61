"""Channel-neutral messages: commands, arguments, buttons, attachments."""

from __future__ import annotations

import pytest

from bot.messages import CALLBACK_DATA_LIMIT, Attachment, Button, Incoming, Outcome, Reply


def incoming(text: str | None = None, button: str | None = None) -> Incoming:
    return Incoming(
        channel="test", user_id="1", chat_id="1", display_name="Lan", text=text, button=button
    )


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/start", "start", ""),
        ("/START", "start", ""),
        ("/start ABCD-EFGH", "start", "ABCD-EFGH"),
        ("/start   ABCD  EFGH  ", "start", "ABCD  EFGH"),
        ("/start@CommuneBot CODE", "start", "CODE"),
        ("/add_unit Tư pháp", "add_unit", "Tư pháp"),
        ("/start\nCODE", "start", "CODE"),
    ],
)
def test_command_and_args(text: str, command: str, args: str) -> None:
    message = incoming(text)
    assert message.command == command
    assert message.command_args == args


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "hello /start",
        "/",
        "/ ",
        "/  start",
        "/tư_pháp",
        "/a-b",
        "/!",
        "//start",
        " /start",
    ],
)
def test_not_a_command(text: str | None) -> None:
    message = incoming(text)
    assert message.command is None
    assert message.command_args == ""


def test_huge_command_text() -> None:
    message = incoming("/start " + "x" * 100_000)
    assert message.command == "start"
    assert len(message.command_args) == 100_000


def test_button_data_limit_counts_bytes() -> None:
    assert Button("ok", "a" * CALLBACK_DATA_LIMIT).data == "a" * CALLBACK_DATA_LIMIT
    with pytest.raises(ValueError, match="64 bytes"):
        Button("too long", "a" * (CALLBACK_DATA_LIMIT + 1))
    # 22 Vietnamese letters of 3 bytes each are 66 bytes, though only 22 characters.
    with pytest.raises(ValueError, match="64 bytes"):
        Button("tiếng Việt", "ế" * 22)


def test_url_button_needs_no_data() -> None:
    button = Button("Open", url="https://example.org")
    assert button.data == ""
    assert button.url == "https://example.org"


async def test_attachment_with_content() -> None:
    assert await Attachment("plan.csv", content=b"a,b").read() == b"a,b"


async def test_attachment_fetched_lazily() -> None:
    calls: list[str] = []

    async def fetch() -> bytes:
        calls.append("fetch")
        return b"downloaded"

    attachment = Attachment("plan.docx", fetch=fetch)
    assert calls == []
    assert await attachment.read() == b"downloaded"
    assert calls == ["fetch"]


async def test_attachment_without_content_or_fetch() -> None:
    with pytest.raises(LookupError, match=r"plan\.xlsx"):
        await Attachment("plan.xlsx").read()


def test_reply_and_outcome_defaults() -> None:
    reply = Reply("hi")
    assert reply.buttons == ()
    assert reply.file is None
    first, second = Outcome(), Outcome()
    first.replies.append(reply)
    assert second.replies == []
    assert second.locale == "vi"
    assert second.roles == frozenset()
    assert not second.roles_changed
