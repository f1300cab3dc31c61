"""Expiring signed links to files a channel cannot carry (served by ``GET /files/{token}``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from bot.http.keys import derived_key
from bot.http.state import runtime_of
from bot.messages import Attachment
from bot.runtime import Runtime
from bot.settings import Settings
from db.queries import shared_files

LINK_VALID: Final = timedelta(days=7)
_PURPOSE: Final = "signed-file-links"


def _mac(settings: Settings, message: str) -> str:
    digest = hmac.new(derived_key(settings, _PURPOSE), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(settings: Settings, file_id: int, expires: datetime) -> str:
    """The token naming one file until ``expires``."""
    message = f"{file_id}.{int(expires.timestamp())}"
    return f"{message}.{_mac(settings, message)}"


def verify(settings: Settings, token: str, now: datetime) -> int | None:
    """The file a token names, if its signature holds and it has not expired."""
    parts = token.split(".")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    if len(parts[0]) > 12 or len(parts[1]) > 12:
        return None
    expected = _mac(settings, f"{parts[0]}.{parts[1]}")
    if not hmac.compare_digest(parts[2].encode(), expected.encode()):
        return None
    if datetime.fromtimestamp(int(parts[1]), UTC) <= now:
        return None
    return int(parts[0])


def public_base(settings: Settings) -> str:
    """The base URL people reach the bot's HTTP server at."""
    return settings.public_url or f"http://{settings.http_host}:{settings.http_port}"


async def offer(runtime: Runtime, file: Attachment) -> str:
    """Keep ``file`` and return an expiring signed link to it."""
    now = runtime.clock.now()
    expires = now + LINK_VALID
    async with runtime.sessions.begin() as session:
        file_id = await shared_files.add_shared_file(
            session,
            filename=file.filename,
            mime_type=file.mime_type,
            content=await file.read(),
            now=now,
            expires_at=expires,
        )
    return f"{public_base(runtime.settings)}/files/{sign(runtime.settings, file_id, expires)}"


async def serve_file(request: Request) -> Response:
    """``GET /files/{token}``: the file, if the link is genuine and still valid."""
    runtime = runtime_of(request)
    file_id = verify(runtime.settings, str(request.path_params["token"]), runtime.clock.now())
    if file_id is None:
        return Response("link not valid or expired\n", status_code=404, media_type="text/plain")
    async with runtime.sessions() as session:
        row = await shared_files.shared_file(session, file_id)
    if row is None:
        return Response("link not valid or expired\n", status_code=404, media_type="text/plain")
    disposition = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    return Response(
        row.content,
        media_type=row.mime_type or "application/octet-stream",
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )
