"""Tests of the Zalo OA emulator's send endpoints: the documented shapes and windows."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.support.zalo_oa import SimulatedZaloUser, ZaloOAEmulator

DAY = 24 * 3600.0
START = 1_780_000_000.0


class _Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
async def zalo(clock: _Clock) -> AsyncIterator[ZaloOAEmulator]:
    async with ZaloOAEmulator(now=clock) as emu:
        yield emu


async def _token(zalo: ZaloOAEmulator, http: httpx.AsyncClient) -> str:
    answer = await http.post(
        f"{zalo.base_url}/v4/oa/access_token",
        headers={"secret_key": zalo.app_secret},
        data={"app_id": zalo.app_id, "grant_type": "refresh_token", "refresh_token": zalo.grant()},
    )
    return str(answer.json()["access_token"])


def _template() -> dict[str, Any]:
    """The documentation's example, with a banner by URL."""
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "transaction_event",
                "language": "VI",
                "elements": [
                    {"type": "banner", "image_url": "https://example.org/banner.png"},
                    {"type": "header", "content": "Trạng thái hồ sơ", "align": "left"},
                    {"type": "text", "content": "Hồ sơ của bạn<br>đã có kết quả."},
                    {
                        "type": "table",
                        "content": [
                            {"key": "Mã hồ sơ", "value": "KH-2026-00001"},
                            {"key": "Trạng thái", "value": "Đã trả lời", "style": "green"},
                        ],
                    },
                    {"type": "text", "align": "center", "content": "Xin cảm ơn!"},
                ],
                "buttons": [
                    {
                        "title": "Xem hồ sơ",
                        "image_icon": "",
                        "type": "oa.query.show",
                        "payload": "#track KH-2026-00001",
                    }
                ],
            },
        }
    }


async def _send(
    zalo: ZaloOAEmulator, user: SimulatedZaloUser, message: dict[str, Any], path: str
) -> int:
    async with httpx.AsyncClient() as http:
        token = await _token(zalo, http)
        answer = await http.post(
            f"{zalo.base_url}/v3.0/oa/message/{path}",
            headers={"access_token": token},
            json={"recipient": {"user_id": user.user_id}, "message": message},
        )
    assert answer.status_code == 200  # errors come as HTTP 200 with a code
    return int(answer.json()["error"])


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = message["attachment"]["payload"]
    return payload


def _elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = _payload(message)["elements"]
    return elements


async def test_the_documented_template_is_taken_and_kept(zalo: ZaloOAEmulator) -> None:
    lan = zalo.user("Lan")
    lan.text_event("xin chào")  # she writes to the OA
    assert await _send(zalo, lan, _template(), "transaction") == 0
    [sent] = lan.messages()
    assert sent.kind == "transaction"
    assert sent.header == "Trạng thái hồ sơ"
    assert sent.lines == ["Hồ sơ của bạn", "đã có kết quả.", "Xin cảm ơn!"]


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(message: dict[str, Any]) -> None:
        _payload(message)[path] = value

    return change


def _text(content: object) -> Callable[[dict[str, Any]], None]:
    def change(message: dict[str, Any]) -> None:
        _elements(message)[2]["content"] = content

    return change


def _add_text(message: dict[str, Any]) -> None:
    _elements(message).append({"type": "text", "content": "thêm"})


def _unnamed_table(message: dict[str, Any]) -> None:
    _elements(message)[3]["content"] = [{"key": "Ngày", "value": "01/04/2026"}]


def _styled_other_key(message: dict[str, Any]) -> None:
    _elements(message)[3]["content"][0]["style"] = "red"


def _attachment_type(message: dict[str, Any]) -> None:
    message["attachment"]["type"] = "file"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_set("template_type", "media"), -201),
        (_set("template_type", "transaction_unknown"), -201),
        (_set("language", "FR"), -201),
        (_set("elements", []), -201),
        (_set("elements", "text"), -201),
        (_set("buttons", [{"title": "x", "type": "oa.open.url"}] * 5), -210),
        (_set("buttons", [{"title": "x" * 36, "type": "oa.open.url"}]), -210),
        (_set("buttons", [{"type": "oa.open.url"}]), -201),
        (_text("x" * 251), -210),
        (_text(""), -201),
        (_text(42), -201),
        (_add_text, -210),
        (_unnamed_table, -201),
        (_styled_other_key, -201),
        (_attachment_type, -201),
    ],
)
async def test_a_malformed_template_is_refused_as_zalo_would(
    zalo: ZaloOAEmulator, change: Callable[[dict[str, Any]], None], code: int
) -> None:
    lan = zalo.user("Lan")
    lan.text_event("xin chào")
    message = copy.deepcopy(_template())
    change(message)
    assert await _send(zalo, lan, message, "transaction") == code
    assert lan.messages() == []


async def test_consultation_closes_after_seven_days_transaction_after_a_year(
    zalo: ZaloOAEmulator, clock: _Clock
) -> None:
    lan = zalo.user("Lan")
    stranger = zalo.user("Stranger")
    lan.text_event("xin chào")
    clock.now = START + 7 * DAY
    assert await _send(zalo, lan, {"text": "còn trong 7 ngày"}, "cs") == 0
    clock.now = START + 7 * DAY + 1
    assert await _send(zalo, lan, {"text": "quá 7 ngày"}, "cs") == -230
    clock.now = START + 365 * DAY
    assert await _send(zalo, lan, _template(), "transaction") == 0
    clock.now = START + 365 * DAY + 1
    assert await _send(zalo, lan, _template(), "transaction") == -232
    assert await _send(zalo, stranger, _template(), "transaction") == -213
    assert [m.kind for m in lan.messages()] == ["cs", "transaction"]
