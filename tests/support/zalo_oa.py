"""A Zalo Official Account emulator for tests: OAuth v4, the Open API, and webhook delivery.

Written from the documented behaviour (the reference notes in ``shared/reference/zalo-oa.md``),
not from any SDK. One aiohttp server on 127.0.0.1 plays both ``oauth.zaloapp.com`` and
``openapi.zalo.me``, and posts signed events to the bot's webhook as Zalo would::

    async with ZaloOAEmulator() as zalo:
        settings = replace(settings, **zalo.settings())
        ... run the bot ...
        lan = zalo.user("Lan")
        await lan.follow()
        await lan.send("#feedback")
        [reply] = await lan.wait_for(1)

What it models:

* OAuth v4: the consent (:meth:`ZaloOAEmulator.approve` plays the OA admin on the consent
  page), the authorization code (10 minutes, once, bound to the PKCE challenge), and refresh
  tokens that work once; failures come back as HTTP 200 with ``error_name``;
* API calls authenticated by the ``access_token`` header (-216 unknown, -220 expired);
* ``/v3.0/oa/message/cs`` (text up to 2,000 characters, -210 beyond; image and file
  attachments; the "request user info" card, title up to 100 and subtitle up to 500
  characters), uploads (images jpg/png up to 1 MB, files PDF/DOC/DOCX up to 5 MB), user detail;
* ``/v3.0/oa/message/transaction``: a ``template`` attachment with a documented
  ``template_type``, ``language`` VI or EN, elements (one banner, one header of 100
  characters, at most two texts of 250, a table of keys up to 35 and values up to 100),
  at most 4 buttons of titles up to 35 characters; anything else is refused (-201, -210);
* the messaging window, on the clock the emulator is given: a person who never interacted
  gets -213; a consultation more than 7 days after their last interaction -230, a
  transaction message more than a year after it -232; errors can be queued per person
  (:meth:`ZaloOAEmulator.fail_next`);
* webhook delivery signed with ``mac = sha256(app_id + body + timestamp + OA secret key)``,
  retries with ``num_retry``, forged signatures on request; media URLs served here.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import ClientSession, ClientTimeout, web

__all__ = ["SentZaloMessage", "SimulatedZaloUser", "ZaloOAEmulator"]

JSONDict = dict[str, Any]

APP_ID: Final = "3141592653589793238"
APP_SECRET: Final = "emulated-app-secret"
OA_SECRET_KEY: Final = "emulated-oa-secret-key"
OA_ID: Final = "2718281828459045235"
TEXT_LIMIT: Final = 2000
IMAGE_LIMIT: Final = 1024 * 1024
FILE_LIMIT: Final = 5 * 1024 * 1024
ACCESS_LIFETIME: Final = 90_000
CODE_LIFETIME: Final = 600.0
INFO_TITLE_LIMIT: Final = 100
INFO_SUBTITLE_LIMIT: Final = 500
CONSULTATION_WINDOW: Final = 7 * 24 * 3600.0
TRANSACTION_WINDOW: Final = 365 * 24 * 3600.0
TEMPLATE_TYPES: Final = frozenset(
    "transaction_" + kind
    for kind in [
        "billing",
        "order",
        "reward",
        "contract",
        "booking",
        "membership",
        "event",
        "transaction",
        "account",
        "internal",
        "partnership",
        "education",
        "rating",
    ]
)
HEADER_LIMIT: Final = 100
TEXT_ELEMENT_LIMIT: Final = 250
TEXT_ELEMENTS: Final = 2
TABLE_KEY_LIMIT: Final = 35
TABLE_VALUE_LIMIT: Final = 100
TABLE_FREE_ROWS: Final = 5
BUTTONS: Final = 4
BUTTON_TITLE_LIMIT: Final = 35
STYLES: Final = frozenset({"green", "blue", "yellow", "red", "grey"})


@dataclass(frozen=True, slots=True)
class SentZaloMessage:
    """One message the OA sent to a person."""

    user_id: str
    text: str | None = None
    attachment: JSONDict | None = None
    # "cs" (consultation) or "transaction": the endpoint it came through.
    kind: str = "cs"

    @property
    def lines(self) -> list[str]:
        """The text's lines (empty for attachments); a transaction message's text elements,
        their ``<br>`` read as line breaks."""
        if self.kind == "transaction" and self.attachment is not None:
            elements = self.attachment["payload"]["elements"]
            texts = [e["content"] for e in elements if e["type"] == "text"]
            return "<br>".join(texts).split("<br>")
        return (self.text or "").splitlines()

    @property
    def header(self) -> str | None:
        """A transaction message's header."""
        if self.kind != "transaction" or self.attachment is None:
            return None
        elements = self.attachment["payload"]["elements"]
        return next((e["content"] for e in elements if e["type"] == "header"), None)


@dataclass(slots=True)
class _Consent:
    challenge: str
    redirect_uri: str
    issued: float
    used: bool = False


@dataclass(slots=True)
class _Person:
    user_id: str
    name: str
    interacted: bool = False
    # When they last interacted, on the emulator's clock (seconds since the epoch).
    interacted_at: float = 0.0
    sent: list[SentZaloMessage] = field(default_factory=list)
    failures: deque[int] = field(default_factory=deque)


class SimulatedZaloUser:
    """A Zalo user who follows the OA and writes to it; made by :meth:`ZaloOAEmulator.user`."""

    def __init__(self, emulator: ZaloOAEmulator, person: _Person) -> None:
        self._emu = emulator
        self._person = person

    @property
    def user_id(self) -> str:
        """The person's id for this OA (a decimal string of up to 19 digits)."""
        return self._person.user_id

    def messages(self) -> list[SentZaloMessage]:
        """Everything the OA sent to this person, in order."""
        return list(self._person.sent)

    async def follow(self) -> int:
        """Follow the OA; returns the webhook's HTTP status."""
        return await self._emu.deliver(self._event("follow", follower=True))

    async def unfollow(self) -> int:
        """Stop following the OA."""
        return await self._emu.deliver(self._event("unfollow", follower=True))

    async def send(self, text: str) -> int:
        """Write a text (or press a menu item that sends it)."""
        return await self._emu.deliver(self._event("user_send_text", message={"text": text}))

    def text_event(self, text: str) -> JSONDict:
        """The event of a text this person writes, not yet posted (for load generators)."""
        return self._event("user_send_text", message={"text": text})

    async def send_image(self, content: bytes, caption: str = "") -> int:
        """Send a photo (served by the emulator under an expiring URL)."""
        url = self._emu.host_file(content)
        attachment = {"type": "image", "payload": {"url": url, "thumbnail": url}}
        message = {"text": caption, "attachments": [attachment]}
        return await self._emu.deliver(self._event("user_send_image", message=message))

    async def send_file(self, content: bytes, name: str) -> int:
        """Send a file."""
        url = self._emu.host_file(content)
        payload = {
            "url": url,
            "name": name,
            "size": str(len(content)),
            "type": name.rsplit(".", 1)[-1],
            "checksum": hashlib.md5(content).hexdigest(),
        }
        message = {"attachments": [{"type": "file", "payload": payload}]}
        return await self._emu.deliver(self._event("user_send_file", message=message))

    async def send_location(self, latitude: float, longitude: float) -> int:
        """Share a location (coordinates come as strings)."""
        coordinates = {"latitude": str(latitude), "longitude": str(longitude)}
        message = {"attachments": [{"type": "location", "payload": {"coordinates": coordinates}}]}
        return await self._emu.deliver(self._event("user_send_location", message=message))

    async def send_sticker(self) -> int:
        """Send a sticker."""
        message = {"attachments": [{"type": "sticker", "payload": {"id": "1", "url": "x"}}]}
        return await self._emu.deliver(self._event("user_send_sticker", message=message))

    async def submit_info(self, **info: str) -> int:
        """Answer a "request user info" card."""
        return await self._emu.deliver(self._event("user_submit_info", info=info))

    async def withdraw(self) -> int:
        """Ask the OA to delete this person's data."""
        return await self._emu.deliver(self._event("user_withdraw"))

    async def wait_for(self, count: int, within: float = 10.0) -> list[SentZaloMessage]:
        """Wait until the OA has sent this person at least ``count`` messages."""
        deadline = time.monotonic() + within
        while len(self._person.sent) < count:
            if time.monotonic() > deadline:
                texts = [m.text for m in self._person.sent]
                raise TimeoutError(f"{self._person.name} got {texts}, expected {count}")
            await asyncio.sleep(0.02)
        return list(self._person.sent)

    def _event(
        self,
        name: str,
        *,
        message: JSONDict | None = None,
        follower: bool = False,
        info: JSONDict | None = None,
    ) -> JSONDict:
        self._person.interacted = name != "unfollow"
        now = self._emu.now()
        if name != "unfollow":
            self._person.interacted_at = now
        event: JSONDict = {
            "app_id": self._emu.app_id,
            "event_name": name,
            "timestamp": str(int(now * 1000)),
            "user_id_by_app": str(int(self._person.user_id) // 7),
        }
        if follower:
            event["oa_id"] = self._emu.oa_id
            event["follower"] = {"id": self._person.user_id}
            event["source"] = "testing"
        else:
            event["sender"] = {"id": self._person.user_id}
            event["recipient"] = {"id": self._emu.oa_id}
        if message is not None:
            event["message"] = {**message, "msg_id": secrets.token_hex(16)}
        if info is not None:
            event["info"] = info
        return event


class ZaloOAEmulator:
    """OAuth, Open API and webhook delivery of one OA, on 127.0.0.1."""

    def __init__(
        self,
        app_id: str = APP_ID,
        app_secret: str = APP_SECRET,
        oa_secret_key: str = OA_SECRET_KEY,
        oa_id: str = OA_ID,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.app_id = app_id
        self.now = now
        self.app_secret = app_secret
        self.oa_secret_key = oa_secret_key
        self.oa_id = oa_id
        self.webhook_url: str | None = None
        self.refresh_calls = 0
        self.token_latency = 0.0
        self.api_latency = 0.0
        self.detail_latency = 0.0
        self.webhook_statuses: list[int] = []
        self.calls: list[str] = []
        self.uploads: list[tuple[str, str, int]] = []
        self._people: dict[str, _Person] = {}
        # Above the largest signed 64-bit integer, as real 19-digit ids can be.
        self._ids = itertools.count(9_223_372_036_854_775_901)
        self._consents: dict[str, _Consent] = {}
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self._files: dict[str, bytes] = {}
        self._attachments: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._client: ClientSession | None = None
        self.last_event: JSONDict = {}

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=FILE_LIMIT * 2)
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v3.0/oa/message/transaction", self._transaction)
        app.router.add_post("/v2.0/oa/upload/{kind}", self._upload)
        app.router.add_get("/v3.0/oa/user/detail", self._detail)
        app.router.add_get("/media/{name}", self._media)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._client = ClientSession(timeout=ClientTimeout(total=10))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """Both the OAuth and the Open API base URL."""
        return f"http://127.0.0.1:{self._port}"

    def settings(self) -> dict[str, str]:
        """The bot settings (as ``Settings`` fields) that point at this emulator."""
        return {
            "zalo_app_id": self.app_id,
            "zalo_app_secret": self.app_secret,
            "zalo_oa_secret_key": self.oa_secret_key,
            "zalo_oa_api_base_url": self.base_url,
            "zalo_oauth_base_url": self.base_url,
        }

    def environ(self) -> dict[str, str]:
        """The same settings as environment variables, for a bot process."""
        return {key.upper(): value for key, value in self.settings().items()}

    # -- people ----------------------------------------------------------------------------

    def user(self, name: str, user_id: str | None = None) -> SimulatedZaloUser:
        """A person who uses Zalo (ids run above 2**63, as real ones can)."""
        uid = user_id or str(next(self._ids))
        person = self._people.setdefault(uid, _Person(uid, name))
        return SimulatedZaloUser(self, person)

    def fail_next(self, user_id: str, *codes: int) -> None:
        """Answer the next sends to this person with these error codes, in order."""
        self._people[user_id].failures.extend(codes)

    def host_file(self, content: bytes) -> str:
        """Serve ``content`` under a fresh URL, like Zalo's CDN links in events."""
        name = secrets.token_hex(8)
        self._files[name] = content
        return f"{self.base_url}/media/{name}"

    # -- OAuth -----------------------------------------------------------------------------

    def approve(self, consent_url: str) -> str:
        """Play the OA admin approving the consent page; return the callback URL Zalo opens."""
        from urllib.parse import parse_qs, urlencode, urlsplit

        query = {k: v[0] for k, v in parse_qs(urlsplit(consent_url).query).items()}
        if query.get("app_id") != self.app_id or not query.get("code_challenge"):
            raise ValueError("not a consent link of this app")
        code = secrets.token_urlsafe(48)
        self._consents[code] = _Consent(
            query["code_challenge"], query["redirect_uri"], time.monotonic()
        )
        back = {"code": code, "oa_id": self.oa_id}
        if "state" in query:
            back["state"] = query["state"]
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def grant(self) -> str:
        """A refresh token issued outside the bot (for ``zalo token --refresh-token``)."""
        token = secrets.token_urlsafe(32)
        self._refresh.add(token)
        return token

    @property
    def live_refresh_tokens(self) -> frozenset[str]:
        """The refresh tokens that would still work."""
        return frozenset(self._refresh)

    def expire_access_tokens(self) -> None:
        """Make every issued access token expired (the next call answers -220)."""
        self._access = dict.fromkeys(self._access, 0.0)

    def revoke_refresh_tokens(self) -> None:
        """Make every refresh token unusable (the OA admin removed the app's access)."""
        self._refresh.clear()

    async def _token(self, request: web.Request) -> web.Response:
        self.calls.append("access_token")
        form = await request.post()
        if (
            request.headers.get("secret_key") != self.app_secret
            or form.get("app_id") != self.app_id
        ):
            return _oauth_error(-14002, "invalid_client", "app id or secret key is wrong")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            consent = self._consents.get(str(form.get("code", "")))
            verifier = str(form.get("code_verifier", ""))
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            if (
                consent is None
                or consent.used
                or time.monotonic() - consent.issued > CODE_LIFETIME
                or challenge != consent.challenge
            ):
                return _oauth_error(-14019, "invalid_grant", "code invalid, used or expired")
            consent.used = True
        elif grant == "refresh_token":
            self.refresh_calls += 1
            if self.token_latency:
                await asyncio.sleep(self.token_latency)
            token = str(form.get("refresh_token", ""))
            if token not in self._refresh:
                return _oauth_error(-14014, "invalid_grant", "refresh token invalid or used")
            self._refresh.discard(token)  # a refresh token works once
        else:
            return _oauth_error(-14003, "unsupported_grant_type", "grant type not supported")
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._access[access] = time.monotonic() + ACCESS_LIFETIME
        self._refresh.add(refresh)
        return web.json_response(
            {"access_token": access, "refresh_token": refresh, "expires_in": str(ACCESS_LIFETIME)}
        )

    # -- Open API --------------------------------------------------------------------------

    def _auth_error(self, request: web.Request) -> int | None:
        expires = self._access.get(request.headers.get("access_token", ""))
        if expires is None:
            return -216
        return -220 if expires <= time.monotonic() else None

    async def _message(self, request: web.Request) -> web.Response:
        self.calls.append("message/cs")
        if self.api_latency:
            await asyncio.sleep(self.api_latency)
        if (code := self._auth_error(request)) is not None:
            return _api_error(code, "access token invalid or expired")
        try:
            body = await request.json()
            user_id = str(body["recipient"]["user_id"])
            message = body["message"]
        except (ValueError, KeyError, TypeError):
            return _api_error(-201, "parameters are invalid")
        person = self._people.get(user_id)
        if (
            refused := self._refusal(
                person,
                CONSULTATION_WINDOW,
                (-230, "user has not interacted with the OA in the last 7 days"),
            )
        ) is not None:
            return refused
        assert person is not None
        text = message.get("text") if isinstance(message, dict) else None
        attachment = message.get("attachment") if isinstance(message, dict) else None
        if text is not None:
            if not isinstance(text, str) or not text or len(text) > TEXT_LIMIT:
                return _api_error(-210, "text is over its limit")
            sent = SentZaloMessage(user_id, text=text)
        elif isinstance(attachment, dict) and self._attachment_ok(attachment):
            sent = SentZaloMessage(user_id, attachment=attachment)
        else:
            return _api_error(-201, "message is invalid")
        person.sent.append(sent)
        message_id = secrets.token_hex(16)
        quota = {"quota_type": "reply", "remain": "7", "total": "8"}
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": message_id, "user_id": user_id, "quota": quota},
            }
        )

    def _refusal(
        self, person: _Person | None, window: float, expired: tuple[int, str]
    ) -> web.Response | None:
        """Zalo's answer when a message may not reach ``person``: never interacted, a failure
        the test injected, or last seen longer ago than the endpoint's ``window``."""
        if person is None or not person.interacted:
            return _api_error(-213, "user has not followed or interacted with the OA")
        if person.failures:
            return _api_error(person.failures.popleft(), "injected failure")
        if self.now() - person.interacted_at > window:
            return _api_error(*expired)
        return None

    async def _transaction(self, request: web.Request) -> web.Response:
        self.calls.append("message/transaction")
        if (code := self._auth_error(request)) is not None:
            return _api_error(code, "access token invalid or expired")
        try:
            body = await request.json()
            user_id = str(body["recipient"]["user_id"])
            attachment = body["message"]["attachment"]
        except (ValueError, KeyError, TypeError):
            return _api_error(-201, "parameters are invalid")
        person = self._people.get(user_id)
        if (
            refused := self._refusal(
                person, TRANSACTION_WINDOW, (-232, "the user's interaction has expired")
            )
        ) is not None:
            return refused
        assert person is not None
        if (code := _transaction_error(attachment)) is not None:
            return _api_error(code, "template is invalid")
        person.sent.append(SentZaloMessage(user_id, attachment=attachment, kind="transaction"))
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": secrets.token_hex(16), "user_id": user_id},
            }
        )

    def _attachment_ok(self, attachment: JSONDict) -> bool:
        payload = attachment.get("payload")
        if not isinstance(payload, dict):
            return False
        if attachment.get("type") == "file":
            return payload.get("token") in self._attachments
        elements = payload.get("elements")
        if payload.get("template_type") == "request_user_info":
            return attachment.get("type") == "template" and _info_card_ok(elements)
        return (
            attachment.get("type") == "template"
            and payload.get("template_type") == "media"
            and isinstance(elements, list)
            and len(elements) == 1
            and elements[0].get("attachment_id") in self._attachments
        )

    async def _upload(self, request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        self.calls.append(f"upload/{kind}")
        if (code := self._auth_error(request)) is not None:
            return _api_error(code, "access token invalid or expired")
        form = await request.post()
        file = form.get("file")
        if not isinstance(file, web.FileField):
            return _api_error(-201, "no file")
        content = file.file.read()
        suffix = file.filename.rsplit(".", 1)[-1].lower()
        if kind == "image":
            if suffix not in {"jpg", "jpeg", "png"} or len(content) > IMAGE_LIMIT:
                return _api_error(-210, "image type or size not accepted")
            handle, key = secrets.token_hex(12), "attachment_id"
        elif kind == "file":
            if suffix not in {"pdf", "doc", "docx"} or len(content) > FILE_LIMIT:
                return _api_error(-210, "file type or size not accepted")
            handle, key = secrets.token_hex(12), "token"
        else:
            return _api_error(-201, "unknown upload")
        self._attachments.add(handle)
        self.uploads.append((kind, file.filename, len(content)))
        return web.json_response({"error": 0, "message": "Success", "data": {key: handle}})

    async def _detail(self, request: web.Request) -> web.Response:
        self.calls.append("user/detail")
        if self.detail_latency:
            await asyncio.sleep(self.detail_latency)
        if (code := self._auth_error(request)) is not None:
            return _api_error(code, "access token invalid or expired")
        try:
            user_id = str(json.loads(request.query["data"])["user_id"])
        except (KeyError, ValueError, TypeError):
            return _api_error(-201, "parameters are invalid")
        person = self._people.get(user_id)
        if person is None:
            return _api_error(-213, "not a follower")
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"user_id": user_id, "display_name": person.name, "user_is_follower": True},
            }
        )

    async def _media(self, request: web.Request) -> web.Response:
        content = self._files.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    # -- webhook delivery ------------------------------------------------------------------

    def sign(self, body: bytes, event: Mapping[str, Any]) -> str:
        """The ``X-ZEvent-Signature`` Zalo sends with ``body``."""
        mac = hashlib.sha256(
            str(event["app_id"]).encode()
            + body
            + str(event["timestamp"]).encode()
            + self.oa_secret_key.encode()
        ).hexdigest()
        return f"mac={mac}"

    async def post(
        self,
        body: bytes,
        signature: str | None,
        *,
        num_retry: int = 0,
        content_type: str = "application/json",
    ) -> int:
        """POST a raw body to the webhook with this signature header; return the status."""
        if self.webhook_url is None or self._client is None:
            raise RuntimeError("no webhook URL set")
        headers = {"Content-Type": content_type}
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        if num_retry:
            headers["num_retry"] = str(num_retry)
        data = io.BytesIO(body) if len(body) > 1024 * 1024 else body
        async with self._client.post(self.webhook_url, data=data, headers=headers) as response:
            await response.read()
            self.webhook_statuses.append(response.status)
            return response.status

    def signed(self, event: JSONDict) -> tuple[bytes, dict[str, str]]:
        """An event's body and the headers Zalo posts it with (for load generators)."""
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": self.sign(body, event)}
        return body, headers

    async def deliver(self, event: JSONDict, *, num_retry: int = 0) -> int:
        """Sign and post an event, as Zalo does; return the webhook's status."""
        body = json.dumps(event, ensure_ascii=False).encode()
        self.last_event = event
        return await self.post(body, self.sign(body, event), num_retry=num_retry)

    async def redeliver_last(self, retry: int = 1) -> int:
        """Post the last event again, byte for byte, as Zalo's retry does."""
        return await self.deliver(self.last_event, num_retry=retry)


def _info_card_ok(elements: object) -> bool:
    """One element with a title of at most 100 and a subtitle of at most 500 characters."""
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        return False
    title, subtitle = elements[0].get("title"), elements[0].get("subtitle")
    return (
        isinstance(title, str)
        and 0 < len(title) <= INFO_TITLE_LIMIT
        and isinstance(subtitle, str)
        and len(subtitle) <= INFO_SUBTITLE_LIMIT
    )


def _transaction_error(attachment: object) -> int | None:
    """Why Zalo would refuse this transaction template: -201 malformed, -210 over a limit."""
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return -201
    payload = attachment.get("payload")
    if not isinstance(payload, dict) or payload.get("template_type") not in TEMPLATE_TYPES:
        return -201
    if payload.get("language", "VI") not in {"VI", "EN"}:
        return -201
    elements, buttons = payload.get("elements"), payload.get("buttons", [])
    if not isinstance(elements, list) or not elements or not isinstance(buttons, list):
        return -201
    if len(buttons) > BUTTONS:
        return -210
    for button in buttons:
        title = button.get("title") if isinstance(button, dict) else None
        if not isinstance(title, str) or not title or "type" not in button:
            return -201
        if len(title) > BUTTON_TITLE_LIMIT:
            return -210
    kinds = [e.get("type") if isinstance(e, dict) else None for e in elements]
    if any(k not in {"banner", "header", "text", "table"} for k in kinds):
        return -201
    if kinds.count("banner") > 1 or kinds.count("header") > 1 or kinds.count("table") > 1:
        return -201
    if kinds.count("text") > TEXT_ELEMENTS:
        return -210
    for element in elements:
        if (code := _element_error(element)) is not None:
            return code
    return None


def _element_error(element: JSONDict) -> int | None:
    kind, content = element["type"], element.get("content")
    if element.get("align", "left") not in {"left", "center", "right", ""}:
        return -201
    if kind == "banner":
        has = [k for k in ("image_url", "attachment_id") if isinstance(element.get(k), str)]
        return None if len(has) == 1 else -201
    if kind in {"header", "text"}:
        limit = HEADER_LIMIT if kind == "header" else TEXT_ELEMENT_LIMIT
        if not isinstance(content, str) or not content.strip():
            return -201
        return -210 if len(content) > limit else None
    return _table_error(content)


def _table_error(rows: object) -> int | None:
    """Rows of ``key``/``value``; one names the recipient (a key starting "Mã", holding
    "Code", or "Tên khách hàng"/"Customer Name"); five more at most; style on the status."""
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return -201
    for row in rows:
        key, value = row.get("key"), row.get("value")
        if not isinstance(key, str) or not isinstance(value, str) or not key:
            return -201
        if len(key) > TABLE_KEY_LIMIT or len(value) > TABLE_VALUE_LIMIT:
            return -210
        if "style" in row and (key not in {"Trạng thái", "Status"} or row["style"] not in STYLES):
            return -201
    keys = [r["key"] for r in rows]
    naming = [
        k
        for k in keys
        if k.startswith("Mã") or "Code" in k or k in {"Tên khách hàng", "Customer Name"}
    ]
    if not naming:
        return -201
    status = [k for k in keys if k in {"Trạng thái", "Status"}]
    return -210 if len(keys) - 1 - len(status[:1]) > TABLE_FREE_ROWS else None


def _api_error(code: int, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message})


def _oauth_error(code: int, name: str, description: str) -> web.Response:
    return web.json_response(
        {
            "error": code,
            "error_name": name,
            "error_reason": description,
            "error_description": description,
        }
    )
