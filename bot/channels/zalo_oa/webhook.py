"""The Zalo endpoints: ``POST /zalo/webhook`` and the OAuth callback ``GET /zalo/oauth``."""

from __future__ import annotations

import html
import logging
from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.channels.zalo_oa import CHANNEL
from bot.channels.zalo_oa.channel import ZaloChannel
from bot.channels.zalo_oa.events import SIGNATURE_HEADER, BadEvent, head, verify
from bot.channels.zalo_oa.tokens import NotConnected, OAuthRefused, OAuthUnavailable
from bot.http.body import BodyTooLarge, read_body
from bot.http.state import runtime_of
from bot.i18n import Translator

log = logging.getLogger(__name__)

BODY_LIMIT: Final = 128 * 1024  # an event is a few kilobytes; files come as links
MAX_PARAM: Final = 512


async def webhook(request: Request) -> Response:
    """Check the signature, store the event (committed), answer 200; 401 keeps nothing."""
    runtime = runtime_of(request)
    channel = runtime.channels.get(CHANNEL)
    settings = runtime.settings
    if not isinstance(channel, ZaloChannel) or not settings.zalo_app_id:
        return Response(status_code=404)
    try:
        body = await read_body(request, BODY_LIMIT)
    except BodyTooLarge:
        log.warning("zalo webhook: body over %d bytes refused", BODY_LIMIT)
        return Response(status_code=413)
    try:
        data = verify(
            body,
            request.headers.get(SIGNATURE_HEADER),
            settings.zalo_app_id,
            settings.zalo_oa_secret_key or "",
        )
    except BadEvent as exc:
        log.warning("zalo webhook refused: %s", exc.reason)
        return Response(status_code=401)
    try:
        event = head(data, body)
        payload = body.decode("utf-8")
    except (BadEvent, UnicodeDecodeError):
        # Signed by Zalo but unreadable: a retry would not help, so acknowledge it.
        log.warning("zalo webhook: signed event without a readable sender, dropped")
        return Response(status_code=200)
    if event is None:
        log.debug("zalo webhook: %s ignored", data.get("event_name"))
        return Response(status_code=200)
    new = await channel.inbox.accept(
        dedupe_key=event.dedupe_key, sender=event.sender, kind=event.kind, payload=payload
    )
    if not new:
        log.info("zalo webhook: repeated %s acknowledged once more", event.kind)
    return Response(status_code=200)


async def oauth_callback(request: Request) -> Response:
    """Where Zalo sends the OA admin after consent: trade the code for tokens."""
    runtime = runtime_of(request)
    channel = runtime.channels.get(CHANNEL)
    t = Translator(runtime.settings.default_locale)
    if not isinstance(channel, ZaloChannel):
        return Response(status_code=404)
    code = request.query_params.get("code", "")
    state = request.query_params.get("state")
    oa_id = request.query_params.get("oa_id")
    if not code or len(code) > MAX_PARAM or len(state or "") > MAX_PARAM:
        return _page(t._("The link is incomplete. Run “python -m bot zalo connect” again."), 400)
    if oa_id is not None and not (oa_id.isascii() and oa_id.isdigit() and len(oa_id) <= 32):
        oa_id = None
    try:
        await channel.tokens.complete_consent(code, state, oa_id)
    except NotConnected:
        return _page(
            t._("This consent link is unknown or expired. Run “python -m bot zalo connect” again."),
            400,
        )
    except (OAuthRefused, OAuthUnavailable):
        log.warning("zalo consent: the code could not be traded for tokens")
        return _page(t._("Zalo did not accept the consent. Please try again."), 502)
    log.info("zalo consent completed; the OA is connected")
    return _page(t._("The Zalo Official Account is connected. You can close this page."), 200)


def _page(text: str, status: int) -> HTMLResponse:
    body = f"<!doctype html><meta charset=utf-8><title>Zalo</title><p>{html.escape(text)}</p>"
    return HTMLResponse(body, status_code=status)
