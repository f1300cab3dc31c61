"""Channel-neutral messages: what arrives (``Incoming``) and what the bot says (``Reply``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

CALLBACK_DATA_LIMIT = 64


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a reply; pressing it sends ``data`` back (e.g. ``lang:set:en``)."""

    text: str
    data: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if len(self.data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"button data over {CALLBACK_DATA_LIMIT} bytes: {self.data!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file: one a person sent (fetched lazily) or one the bot sends (with content)."""

    filename: str
    mime_type: str | None = None
    size: int | None = None
    content: bytes | None = None
    fetch: Callable[[], Awaitable[bytes]] | None = field(default=None, compare=False)

    async def read(self) -> bytes:
        """Return the file's bytes, downloading them if needed."""
        if self.content is not None:
            return self.content
        if self.fetch is None:
            raise LookupError(f"no content for {self.filename!r}")
        return await self.fetch()


@dataclass(frozen=True, slots=True)
class Location:
    """A point a person shared."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did: wrote text, pressed a button, sent a file or a location."""

    channel: str
    user_id: str
    chat_id: str
    display_name: str
    username: str | None = None
    language_code: str | None = None
    text: str | None = None
    button: str | None = None
    attachment: Attachment | None = None
    location: Location | None = None

    @property
    def command(self) -> str | None:
        """The command name without ``/`` and ``@bot`` suffix, lower-cased, if any."""
        if not self.text or not self.text.startswith("/"):
            return None
        rest = self.text[1:]
        head = rest.split(maxsplit=1)[0] if rest[:1].strip() else ""
        name = head.split("@", 1)[0].lower()
        return name if name.isascii() and name.replace("_", "").isalnum() else None

    @property
    def command_args(self) -> str:
        """Everything after the command word, stripped."""
        if self.command is None or self.text is None:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True, slots=True)
class InfoCard:
    """A request for the person's contact details, as a channel's own form where it has one.

    On Zalo OA it is the "request user info" card (the answer comes back as an event);
    elsewhere the reply's text is sent instead.
    """

    title: str
    subtitle: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message the bot sends back.

    ``keeps_choices``: on channels without buttons, the numbers the chat was shown last keep
    their meaning (an answer that moves nothing on, such as the one to a wrong number).
    """

    text: str
    buttons: Sequence[Sequence[Button]] = ()
    file: Attachment | None = None
    card: InfoCard | None = None
    keeps_choices: bool = False


@dataclass(slots=True)
class Outcome:
    """Everything that handling one ``Incoming`` produced for the channel to carry out."""

    replies: list[Reply] = field(default_factory=list)
    roles_changed: bool = False
    locale: str = "vi"
    roles: frozenset[str] = frozenset()
