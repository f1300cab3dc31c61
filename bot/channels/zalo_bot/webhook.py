"""``POST /zalo-bot/webhook``: updates the platform pushes, checked by their secret header."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from bot.channels.zalo_bot import CHANNEL
from bot.channels.zalo_bot.channel import ZaloBotChannel, keep
from bot.channels.zalo_bot.platform import SECRET_HEADER, BadUpdate
from bot.http.body import BodyTooLarge, read_body
from bot.http.state import runtime_of

log = logging.getLogger(__name__)

BODY_LIMIT: Final = 128 * 1024  # an update is a few kilobytes; photos come as links


async def webhook(request: Request) -> Response:
    """Check the secret, store the update (committed), answer 200; 401 keeps nothing."""
    channel = runtime_of(request).channels.get(CHANNEL)
    if not isinstance(channel, ZaloBotChannel) or not channel.secret:
        return Response(status_code=404)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), channel.secret.encode()):
        log.warning("zalo bot webhook refused: wrong or missing secret")
        return Response(status_code=401)
    try:
        body = await read_body(request, BODY_LIMIT)
    except BodyTooLarge:
        log.warning("zalo bot webhook: body over %d bytes refused", BODY_LIMIT)
        return Response(status_code=413)
    try:
        data = json.loads(body)
        await keep(channel.inbox, data)
    except (ValueError, UnicodeDecodeError, BadUpdate):
        log.warning("zalo bot webhook: a body that is not an update refused")
        return Response(status_code=400)
    return Response(status_code=200)
