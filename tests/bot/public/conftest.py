"""The public site served by a real uvicorn on 127.0.0.1, and a commune with data to show."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from bot.clock import ManualClock
from bot.public.deps import PublicDeps, deps_from
from bot.public.routes import routes
from bot.runtime import Runtime
from db.models import CaseKind
from tests.handlers.conftest import import_small_plan, small_plan
from tests.handlers.feedback_support import DC, Commune, case_row, commune, file_case

DENOUNCER = "Nguyễn Văn Tố"
DENOUNCER_PHONE = "0912 345 678"
DENOUNCER_ADDRESS = "Số 7 ngõ Bí Mật"
CITIZEN = "Trần Thị Lan"
CITIZEN_PHONE = "0987 000 111"
CITIZEN_ADDRESS = "Nhà 12 đường Chợ"
PUBLISHED_Q = "Đường trước chợ có ổ gà sâu, khi nào sửa?"
PUBLISHED_A = "Xã sẽ vá ổ gà trước ngày 20/3."
PRIVATE_Q = "Câu hỏi riêng không công bố."
PRIVATE_A = "Trả lời riêng cho người gửi."
UNAPPROVED_Q = "Câu hỏi được phép công bố nhưng chưa duyệt."
UNAPPROVED_A = "Trả lời chưa được duyệt công bố."
SECRET_Q = "Cán bộ địa chính nhận hối lộ."
SECRET_A = "Đã xử lý kỷ luật cán bộ."


@dataclass
class Site:
    """The running server and the commune behind it."""

    base: str
    deps: PublicDeps
    town: Commune
    codes: dict[str, str]

    def url(self, path: str) -> str:
        """An absolute URL on the server."""
        return self.base + path


async def answer(town: Commune, code: str, text: str) -> int:
    """Assign the case to the land office and answer it through the chat."""
    case = await case_row(town.runtime, code)
    await town.admin.press(f"case:to:{case.id}:{town.units[DC]}")
    official = town.officials[DC]
    await official.press(f"case:answer:{case.id}")
    await official.say(text)
    return case.id


async def populate(runtime: Runtime, clock: ManualClock) -> tuple[Commune, dict[str, str]]:
    """A commune with a plan, one published answer, and cases that must never show."""
    town = await commune(runtime, clock)
    await import_small_plan(runtime, town.org_id, small_plan())
    lan = await town.citizen(1001, "Lan")
    codes = {
        "published": await file_case(
            lan,
            topic="infrastructure",
            text=PUBLISHED_Q,
            address=CITIZEN_ADDRESS,
            name=CITIZEN,
            phone=CITIZEN_PHONE,
            publish=True,
        ),
        "private": await file_case(lan, topic="land", text=PRIVATE_Q, publish=False),
        "unapproved": await file_case(lan, topic="land", text=UNAPPROVED_Q, publish=True),
        "secret": await file_case(
            lan,
            CaseKind.DENUNCIATION,
            "conduct",
            SECRET_Q,
            address=DENOUNCER_ADDRESS,
            name=DENOUNCER,
            phone=DENOUNCER_PHONE,
        ),
        "waiting": await file_case(lan, topic="health", text="Trạm y tế đóng cửa sớm."),
    }
    answers = {
        "published": PUBLISHED_A,
        "private": PRIVATE_A,
        "unapproved": UNAPPROVED_A,
        "secret": SECRET_A,
    }
    for key, text in answers.items():
        case_id = await answer(town, codes[key], text)
        if key == "published":
            await town.leader.press(f"case:publish:{case_id}")
    return town, codes


@asynccontextmanager
async def serve(deps: PublicDeps) -> AsyncIterator[str]:
    """Run uvicorn with ``Starlette(routes=routes(deps))`` on 127.0.0.1; yield its base URL."""
    # IPPROTO_TCP named, as uvicorn's own sockets have it: asyncio then sets TCP_NODELAY on
    # each connection, and small answers are not held back 40 ms by Nagle's algorithm.
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.bind(("127.0.0.1", 0))
    port = int(listening.getsockname()[1])
    config = uvicorn.Config(
        Starlette(routes=routes(deps)),
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="none",
        http="h11",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listening]))
    async with asyncio.timeout(30):
        while not server.started:  # noqa: ASYNC110 (uvicorn has no "started" event to await)
            await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listening.close()


@pytest.fixture
async def site(runtime: Runtime, clock: ManualClock) -> AsyncIterator[Site]:
    """The populated commune served by a real uvicorn."""
    town, codes = await populate(runtime, clock)
    runtime.set_bot_username("commune_test_bot")
    deps = deps_from(runtime)
    async with serve(deps) as base:
        yield Site(base, deps, town, codes)


@pytest.fixture
async def client(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client pointed at the site."""
    async with httpx.AsyncClient(base_url=site.base, timeout=30) as http:
        yield http
