"""A Zalo Bot Platform emulator for tests: the bot API and update delivery, on 127.0.0.1.

Written from the reference notes (``shared/reference/zalo-oa.md``, "Zalo Bot Platform
(unverified details)"), not from any SDK::

    async with ZaloBotEmulator() as zbot:
        settings = replace(settings, **zbot.settings())
        ... run the bot ...
        minh = zbot.user("Minh")
        await minh.send("/help")
        [reply] = await minh.wait_for(1)

What it models:

* calls to ``<base>/bot<TOKEN>/<method>`` with a JSON body, answered ``{"ok": true,
  "result": …}``; every error is HTTP 200 with ``ok: false``, an ``error_code`` and a
  ``description`` (a wrong token, an unknown method such as ``sendDocument``, bad parameters);
* ``getMe``, ``setWebhook`` (``url``, ``secret_token``), ``deleteWebhook``, ``getUpdates``
  (``offset``, ``timeout``: long polling; refused while a webhook is set), ``sendMessage``
  (text of 1 to 2,000 characters), ``sendPhoto`` (the photo fetched from its URL, as the
  platform would), ``sendChatAction``;
* updates ``message.text.received``, ``message.image.received``,
  ``message.sticker.received``; pushed to the webhook with the secret in the header
  ``X-Bot-Api-Secret-Token`` (wrapped as ``{"ok": true, "result": update}``), or kept for
  ``getUpdates`` with an ``update_id`` (or, with ``single_updates``, one bare update per call
  and no ``update_id``: the other shape the platform may have);
* a person who never wrote to the bot cannot be written to (``error_code`` 403), as may be
  the case on the real platform; errors can be queued per person (:meth:`fail_next`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import ClientSession, ClientTimeout, web

__all__ = ["SentBotMessage", "SimulatedBotUser", "ZaloBotEmulator"]

JSONDict = dict[str, Any]

TOKEN: Final = "1234567890:emulated-zalo-bot-token"
SECRET_HEADER: Final = "X-Bot-Api-Secret-Token"
TEXT_LIMIT: Final = 2000
POLL_CAP: Final = 2.0  # the emulator answers a long poll within this many seconds


@dataclass(frozen=True, slots=True)
class SentBotMessage:
    """One message the bot sent to a chat."""

    chat_id: str
    text: str | None = None
    photo: bytes | None = None
    caption: str | None = None

    @property
    def lines(self) -> list[str]:
        """The text's lines."""
        return (self.text or "").splitlines()


@dataclass(slots=True)
class _Person:
    user_id: str
    name: str
    wrote: bool = False
    sent: list[SentBotMessage] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)


class SimulatedBotUser:
    """A Zalo user chatting with the bot; made by :meth:`ZaloBotEmulator.user`."""

    def __init__(self, emulator: ZaloBotEmulator, person: _Person) -> None:
        self._emu = emulator
        self._person = person

    @property
    def user_id(self) -> str:
        """The person's id for this bot (the id of their private chat too)."""
        return self._person.user_id

    def messages(self) -> list[SentBotMessage]:
        """Everything the bot sent to this person, in order."""
        return list(self._person.sent)

    async def send(self, text: str) -> int | None:
        """Write a text; the webhook's status, or ``None`` when kept for ``getUpdates``."""
        return await self._emu.deliver(self._update("message.text.received", text=text))

    async def send_image(self, content: bytes, caption: str = "") -> int | None:
        """Send a photo (served by the emulator under a URL)."""
        url = self._emu.host_file(content)
        return await self._emu.deliver(
            self._update("message.image.received", photo=url, caption=caption)
        )

    async def send_sticker(self) -> int | None:
        """Send a sticker."""
        return await self._emu.deliver(self._update("message.sticker.received", sticker="st1"))

    async def wait_for(self, count: int, within: float = 10.0) -> list[SentBotMessage]:
        """Wait until the bot has sent this person at least ``count`` messages."""
        deadline = time.monotonic() + within
        while len(self._person.sent) < count:
            if time.monotonic() > deadline:
                texts = [m.text for m in self._person.sent]
                raise TimeoutError(f"{self._person.name} got {texts}, expected {count}")
            await asyncio.sleep(0.02)
        return list(self._person.sent)

    def _update(self, event: str, **fields: str) -> JSONDict:
        self._person.wrote = True
        message: JSONDict = {
            "message_id": secrets.token_hex(16),
            "from": {"id": self.user_id, "display_name": self._person.name, "is_bot": False},
            "chat": {"id": self.user_id, "chat_type": "PRIVATE"},
            "date": int(time.time() * 1000),
            **fields,
        }
        return {"event_name": event, "message": message}


class ZaloBotEmulator:
    """The bot API of one Zalo bot, and its updates, on 127.0.0.1."""

    def __init__(self, token: str = TOKEN, *, single_updates: bool = False) -> None:
        self.token = token
        self.single_updates = single_updates
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_statuses: list[int] = []
        self.calls: list[str] = []
        self.last_update: JSONDict = {}
        self._people: dict[str, _Person] = {}
        self._pending: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._arrived = asyncio.Event()
        self._files: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._client: ClientSession | None = None

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/media/{name}", self._media)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
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
        """The API base URL (``ZALO_BOT_API_BASE_URL``)."""
        return f"http://127.0.0.1:{self._port}"

    def settings(self, secret: str | None = None) -> dict[str, str | None]:
        """The bot settings (as ``Settings`` fields) that point at this emulator."""
        return {
            "zalo_bot_token": self.token,
            "zalo_bot_api_base_url": self.base_url,
            "zalo_bot_webhook_secret": secret,
        }

    def environ(self, secret: str | None = None) -> dict[str, str]:
        """The same settings as environment variables, for a bot process."""
        return {k.upper(): v for k, v in self.settings(secret).items() if v is not None}

    def user(self, name: str) -> SimulatedBotUser:
        """A person on Zalo (ids are opaque strings)."""
        uid = secrets.token_hex(10)
        person = self._people.setdefault(uid, _Person(uid, name))
        return SimulatedBotUser(self, person)

    def fail_next(self, user_id: str, *codes: int) -> None:
        """Answer the next sends to this person with ``ok: false`` and these codes."""
        self._people[user_id].failures.extend(codes)

    def host_file(self, content: bytes) -> str:
        """Serve ``content`` under a fresh URL, like the platform's links in updates."""
        name = secrets.token_hex(8)
        self._files[name] = content
        return f"{self.base_url}/media/{name}"

    @property
    def pending(self) -> int:
        """Updates kept for ``getUpdates`` and not yet confirmed."""
        return len(self._pending)

    # -- delivery --------------------------------------------------------------------------

    async def deliver(self, update: JSONDict) -> int | None:
        """Push the update to the webhook (its status) or keep it for ``getUpdates``."""
        self.last_update = update
        if self.webhook_url is None:
            if not self.single_updates:
                update = {"update_id": next(self._update_ids), **update}
            self._pending.append(update)
            self._arrived.set()
            return None
        body = json.dumps({"ok": True, "result": update}, ensure_ascii=False).encode()
        return await self.post(body, self.webhook_secret)

    async def redeliver_last(self) -> int | None:
        """Deliver the last update again, as the platform's retry would."""
        return await self.deliver(self.last_update)

    async def post(
        self, body: bytes, secret: str | None, content_type: str = "application/json"
    ) -> int:
        """POST a raw body to the webhook with this secret header; return the status."""
        if self.webhook_url is None or self._client is None:
            raise RuntimeError("no webhook set")
        headers = {"Content-Type": content_type}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        data = io.BytesIO(body) if len(body) > 1024 * 1024 else body
        async with self._client.post(self.webhook_url, data=data, headers=headers) as response:
            await response.read()
            self.webhook_statuses.append(response.status)
            return response.status

    # -- the API ---------------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        try:
            raw = await request.read()
            params = json.loads(raw) if raw else {}
        except ValueError:
            return _error(400, "Bad Request: body is not JSON")
        if not isinstance(params, dict):
            return _error(400, "Bad Request: parameters must be an object")
        handler = {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
        }.get(method)
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(params)

    async def _get_me(self, _params: Mapping[str, Any]) -> web.Response:
        return _ok({"id": "7172737475", "account_name": "bot.emulated", "can_join_groups": False})

    async def _set_webhook(self, params: Mapping[str, Any]) -> web.Response:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return _error(400, "Bad Request: url is invalid")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return _error(400, "Bad Request: secret_token is invalid")
        self.webhook_url, self.webhook_secret = url, secret
        return _ok({"url": url, "updated_at": int(time.time() * 1000)})

    async def _delete_webhook(self, _params: Mapping[str, Any]) -> web.Response:
        self.webhook_url = self.webhook_secret = None
        return _ok({"url": ""})

    async def _get_updates(self, params: Mapping[str, Any]) -> web.Response:
        if self.webhook_url is not None:
            return _error(409, "Conflict: a webhook is set")
        offset, wait = params.get("offset"), params.get("timeout", 0)
        if isinstance(offset, int) and not self.single_updates:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending and isinstance(wait, int | str) and str(wait).isdigit():
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(float(wait), POLL_CAP))
        if self.single_updates:
            # One update per call, confirmed by being given out (no offset to confirm with).
            return _ok(self._pending.pop(0) if self._pending else {})
        return _ok(list(self._pending))

    def _chat(self, params: Mapping[str, Any]) -> tuple[_Person | None, web.Response | None]:
        chat_id = params.get("chat_id")
        person = self._people.get(chat_id) if isinstance(chat_id, str) else None
        if person is None or not person.wrote:
            return None, _error(403, "Forbidden: the user has not talked to the bot")
        if person.failures:
            return None, _error(person.failures.pop(0), "injected failure")
        return person, None

    async def _send_message(self, params: Mapping[str, Any]) -> web.Response:
        person, refused = self._chat(params)
        if person is None:
            return refused or _error(400, "Bad Request")
        text = params.get("text")
        if not isinstance(text, str) or not text or len(text) > TEXT_LIMIT:
            return _error(400, "Bad Request: text must be 1 to 2000 characters")
        person.sent.append(SentBotMessage(person.user_id, text=text))
        return _ok({"message_id": secrets.token_hex(16), "date": int(time.time() * 1000)})

    async def _send_photo(self, params: Mapping[str, Any]) -> web.Response:
        person, refused = self._chat(params)
        if person is None:
            return refused or _error(400, "Bad Request")
        url, caption = params.get("photo"), params.get("caption", "")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return _error(400, "Bad Request: photo must be a URL")
        if self._client is None:
            return _error(500, "not running")
        async with self._client.get(url) as fetched:
            if fetched.status != 200:
                return _error(400, "Bad Request: photo could not be fetched")
            content = await fetched.read()
        person.sent.append(
            SentBotMessage(
                person.user_id, photo=content, caption=caption if isinstance(caption, str) else ""
            )
        )
        return _ok({"message_id": secrets.token_hex(16)})

    async def _send_chat_action(self, params: Mapping[str, Any]) -> web.Response:
        person, refused = self._chat(params)
        return refused if person is None and refused is not None else _ok(True)

    async def _media(self, request: web.Request) -> web.Response:
        content = self._files.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="image/jpeg")


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description})
