"""The OA's OAuth tokens: kept sealed in the database, refreshed once, under a lock.

A refresh token works once. Two workers refreshing at once would burn it, so a refresh
takes the token row with a lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
transactions take the write lock up front) and holds it through the HTTP call; whoever gets
the lock second sees the new token and does not refresh. The new tokens are committed before
the new access token is used.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo_oa import CHANNEL
from bot.clock import Clock
from bot.crypto import Sealer
from bot.errors import BotError
from bot.settings import Settings
from db.models import ChannelToken

log = logging.getLogger(__name__)

Refused = Callable[[AsyncSession, datetime], Awaitable[None]]

REFRESH_AHEAD: Final = timedelta(hours=2)  # the access token lives about 25 hours
CONSENT_VALID: Final = timedelta(minutes=10)  # Zalo's authorization code lives 10 minutes
DEFAULT_EXPIRES_IN: Final = 90_000


class NotConnected(BotError):
    """The OA has no usable token: an admin must run ``python -m bot zalo connect``."""


class OAuthRefused(BotError):
    """Zalo's OAuth endpoint refused (HTTP 200 with ``error_name``, or an HTTP error)."""

    def __init__(self, code: int, name: str) -> None:
        super().__init__(f"OAuth error {code} {name}")
        self.code = code
        self.name = name


class OAuthUnavailable(BotError):
    """Zalo's OAuth endpoint could not be reached or answered nonsense; try again later."""


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """What ``zalo status`` shows."""

    connected: bool
    account_id: str | None
    access_expires_at: datetime | None
    refreshed_at: datetime | None
    failure: str | None
    quota: dict[str, Any] | None


class TokenStore:
    """Hands out the OA's access token, refreshing it when due or when Zalo says so."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        sealer: Sealer,
        clock: Clock,
        http: httpx.AsyncClient,
        on_refused: Refused | None = None,
    ) -> None:
        self._on_refused = on_refused
        self._quota_seen: dict[str, Any] | None = None
        self._settings = settings
        self._sessions = sessions
        self._sealer = sealer
        self._clock = clock
        self._http = http

    async def access_token(self) -> str:
        """A valid access token, refreshed first when it expires soon."""
        async with self._sessions() as session:
            row = await session.get(ChannelToken, CHANNEL)
            token, expires = _current(row, self._sealer)
        if (
            token is not None
            and expires is not None
            and expires - self._clock.now() > REFRESH_AHEAD
        ):
            return token
        return await self.refresh(stale=token)

    async def refresh(self, stale: str | None) -> str:
        """Refresh unless someone already replaced ``stale``; return the token to use."""
        failure: str | None = None
        async with self._sessions.begin() as session:
            row = await _locked_row(session)
            token, expires = _current(row, self._sealer)
            now = self._clock.now()
            if token is not None and token != stale and expires is not None and expires > now:
                return token
            if row is None or row.refresh_sealed is None or row.failure is not None:
                raise NotConnected("no usable refresh token stored")
            refresh_token = self._sealer.open(row.refresh_sealed)
            try:
                answer = await self._token_call(
                    {"grant_type": "refresh_token", "refresh_token": refresh_token}
                )
            except OAuthRefused as exc:
                # Committed, not rolled back: the admins must learn the OA needs a new consent.
                failure = row.failure = f"oauth {exc.code} {exc.name}"[:200]
                row.updated_at = now
                log.error("Zalo token refresh refused: %s %s", exc.code, exc.name)
                if self._on_refused is not None:
                    await self._on_refused(session, now)
            else:
                self._keep(row, answer, now)
                log.info("Zalo access token refreshed; valid until %s", row.access_expires_at)
                token = str(answer["access_token"])
        if failure is not None or token is None:
            raise NotConnected(failure or "no token")
        return token

    async def consent_url(self, redirect_uri: str) -> str:
        """Start a consent: a new PKCE verifier and state, kept until the callback."""
        verifier = secrets.token_urlsafe(32)[:43]
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        state = secrets.token_urlsafe(24)
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await _locked_row(session) or _new_row(session, now)
            row.consent_state = state
            row.consent_verifier_sealed = self._sealer.seal(verifier)
            row.consent_expires_at = now + CONSENT_VALID
            row.updated_at = now
        query = urlencode(
            {
                "app_id": self._settings.zalo_app_id,
                "redirect_uri": redirect_uri,
                "code_challenge": challenge.decode().rstrip("="),
                "state": state,
            }
        )
        return f"{self._settings.zalo_oauth_base_url}/v4/oa/permission?{query}"

    async def complete_consent(self, code: str, state: str | None, account_id: str | None) -> None:
        """Trade the callback's code for tokens (the pending consent's verifier proves it)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await _locked_row(session)
            if (
                row is None
                or row.consent_verifier_sealed is None
                or row.consent_expires_at is None
                or row.consent_expires_at < now
                or (state is not None and state != row.consent_state)
            ):
                raise NotConnected("no consent of ours is waiting")
            verifier = self._sealer.open(row.consent_verifier_sealed)
            row.consent_state = row.consent_verifier_sealed = row.consent_expires_at = None
            answer = await self._token_call(
                {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
            )
            row.account_id = account_id
            self._keep(row, answer, now)

    async def store_refresh_token(self, refresh_token: str) -> None:
        """Keep a refresh token obtained elsewhere, then refresh with it at once."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await _locked_row(session) or _new_row(session, now)
            row.refresh_sealed = self._sealer.seal(refresh_token)
            row.failure = None
            row.access_sealed = None
            row.access_expires_at = None
            row.updated_at = now
        await self.refresh(stale=None)

    async def note_quota(self, quota: dict[str, Any]) -> None:
        """Remember the quota the last send reported (shown by ``zalo status``)."""
        if quota == self._quota_seen:
            return
        self._quota_seen = quota
        async with self._sessions.begin() as session:
            row = await session.get(ChannelToken, CHANNEL)
            if row is not None:
                row.quota = quota

    async def status(self) -> TokenStatus:
        """The stored token's state, without its secrets."""
        async with self._sessions() as session:
            row = await session.get(ChannelToken, CHANNEL)
        if row is None:
            return TokenStatus(False, None, None, None, None, None)
        return TokenStatus(
            row.refresh_sealed is not None and row.failure is None,
            row.account_id,
            row.access_expires_at,
            row.refreshed_at,
            row.failure,
            row.quota,
        )

    def _keep(self, row: ChannelToken, answer: dict[str, Any], now: datetime) -> None:
        row.refresh_sealed = self._sealer.seal(str(answer["refresh_token"]))
        row.access_sealed = self._sealer.seal(str(answer["access_token"]))
        row.access_expires_at = now + timedelta(seconds=_seconds(answer.get("expires_in")))
        row.refreshed_at = now
        row.updated_at = now
        row.failure = None

    async def _token_call(self, form: dict[str, str]) -> dict[str, Any]:
        url = f"{self._settings.zalo_oauth_base_url}/v4/oa/access_token"
        try:
            response = await self._http.post(
                url,
                data={"app_id": self._settings.zalo_app_id or "", **form},
                headers={"secret_key": self._settings.zalo_app_secret or ""},
            )
            answer = response.json()
        except (httpx.HTTPError, ValueError):
            raise OAuthUnavailable("OAuth endpoint unreachable or not JSON") from None
        if not isinstance(answer, dict):
            raise OAuthUnavailable("OAuth answer not an object")
        error = answer.get("error")
        if response.status_code != 200 or "error_name" in answer or (error not in (None, 0)):
            code = error if isinstance(error, int) else response.status_code
            raise OAuthRefused(code, str(answer.get("error_name", "error"))[:80])
        if not isinstance(answer.get("access_token"), str) or not isinstance(
            answer.get("refresh_token"), str
        ):
            raise OAuthRefused(0, "no tokens in the answer")
        return answer


def _current(row: ChannelToken | None, sealer: Sealer) -> tuple[str | None, datetime | None]:
    if row is None or row.access_sealed is None:
        return None, None
    return sealer.open(row.access_sealed), row.access_expires_at


async def _locked_row(session: AsyncSession) -> ChannelToken | None:
    return await session.scalar(
        select(ChannelToken).where(ChannelToken.channel == CHANNEL).with_for_update()
    )


def _new_row(session: AsyncSession, now: datetime) -> ChannelToken:
    row = ChannelToken(channel=CHANNEL, updated_at=now)
    session.add(row)
    return row


def _seconds(value: object) -> int:
    text = str(value) if isinstance(value, int | str) else ""
    return int(text) if text.isdigit() and 0 < int(text) < 10**7 else DEFAULT_EXPIRES_IN
