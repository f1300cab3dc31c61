"""Fetching a file a person sent, from the platform's link, never more than a limit."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from bot.errors import BotError


class DownloadTooLarge(BotError):
    """A file a person sent is larger than the bot accepts."""


async def fetch_limited(
    http: httpx.AsyncClient,
    url: str,
    limit: int,
    limits: httpx.Timeout,
    failed: Callable[[int], Exception],
) -> bytes:
    """The file's bytes; ``DownloadTooLarge`` past ``limit`` (read no further), else
    ``failed(status)`` for an answer other than 200 (status 0: no answer at all)."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with http.stream("GET", url, timeout=limits) as response:
            if response.status_code != 200:
                raise failed(response.status_code)
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise DownloadTooLarge(f"over {limit} bytes")
                chunks.append(chunk)
    except httpx.HTTPError:
        raise failed(0) from None
    return b"".join(chunks)
