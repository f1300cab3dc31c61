"""Zalo's OA Open API: the calls the channel makes, and its errors as typed exceptions.

Errors arrive as HTTP 200 with a non-zero ``error``; an invalid or expired access token
(-216, -220) is refreshed once and the call tried again.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final

import httpx

from bot.channels.download import fetch_limited
from bot.channels.zalo_oa.tokens import TokenStore
from bot.errors import BotError

log = logging.getLogger(__name__)

TOKEN_ERRORS: Final = frozenset({-216, -220})
OUTSIDE_WINDOW: Final = frozenset({-230, -232, -213})
SLOW_DOWN: Final = -32
HOLD: Final = frozenset({-211, -218})
TOO_LONG: Final = -210
NOT_AT_NIGHT: Final = -234
CONSULTATION_PATH: Final = "/v3.0/oa/message/cs"
TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
MAX_DOWNLOAD: Final = 20 * 1024 * 1024  # as much as Telegram lets a bot download


class ZaloApiError(BotError):
    """Zalo answered a call with an error code (or not at all: code 0)."""

    def __init__(self, code: int, call: str) -> None:
        super().__init__(f"Zalo error {code} on {call}")
        self.code = code
        self.call = call


class ZaloApi:
    """Calls the OA Open API with the stored access token."""

    def __init__(self, base_url: str, tokens: TokenStore, http: httpx.AsyncClient) -> None:
        self._base = base_url.rstrip("/")
        self._tokens = tokens
        self._http = http

    async def send_message(
        self, user_id: str, message: dict[str, Any], path: str = CONSULTATION_PATH
    ) -> dict[str, Any]:
        """A message to one person (a consultation unless ``path`` says otherwise, such as
        the transaction endpoint); returns Zalo's ``data``."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        data = await self._call("POST", path, json_body=body)
        quota = data.get("quota")
        if isinstance(quota, dict):
            await self._tokens.note_quota(quota)
        return data

    async def upload(self, kind: str, filename: str, content: bytes, mime: str) -> dict[str, Any]:
        """Upload an ``image`` or a ``file``; returns Zalo's ``data`` (attachment id or token)."""
        files = {"file": (filename, content, mime)}
        return await self._call("POST", f"/v2.0/oa/upload/{kind}", files=files)

    async def user_name(self, user_id: str) -> str | None:
        """The person's display name on Zalo, if Zalo tells."""
        params = {"data": json.dumps({"user_id": user_id})}
        try:
            data = await self._call("GET", "/v3.0/oa/user/detail", params=params)
        except ZaloApiError as exc:
            log.info("Zalo user detail failed with %d", exc.code)
            return None
        name = data.get("display_name")
        return name if isinstance(name, str) else None

    async def download(self, url: str, limit: int = MAX_DOWNLOAD) -> bytes:
        """Fetch a file a person sent (its URL expires soon), refusing more than ``limit``."""
        return await fetch_limited(
            self._http, url, limit, TIMEOUT, lambda status: ZaloApiError(status, "download")
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        token = await self._tokens.access_token()
        for attempt in (1, 2):
            try:
                response = await self._http.request(
                    method,
                    self._base + path,
                    json=json_body,
                    files=files,
                    params=params,
                    headers={"access_token": token},
                    timeout=TIMEOUT,
                )
                answer = response.json()
            except (httpx.HTTPError, ValueError):
                log.warning("Zalo %s: no answer", path)
                raise ZaloApiError(0, path) from None
            error = answer.get("error", 0) if isinstance(answer, dict) else 0
            if not isinstance(answer, dict) or response.status_code != 200:
                raise ZaloApiError(response.status_code, path)
            if not isinstance(error, int):
                raise ZaloApiError(0, path)
            if error == 0:
                data = answer.get("data")
                return data if isinstance(data, dict) else {}
            log.info("Zalo %s answered error %d (attempt %d)", path, error, attempt)
            if error in TOKEN_ERRORS and attempt == 1:
                token = await self._tokens.refresh(stale=token)
                continue
            raise ZaloApiError(error, path)
        raise AssertionError("unreachable")
