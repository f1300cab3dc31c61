"""The router: which handler answers a command, a button payload or a dialog step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.messages import CALLBACK_DATA_LIMIT
from bot.roles import EVERYONE, Audience

if TYPE_CHECKING:
    from bot.context import Context
    from bot.payloads import Payload
    from bot.scopes import Scope

Handler = Callable[["Context"], Awaitable[None]]

PAYLOAD_SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: its handler, who may use it and its menu description (a msgid)."""

    name: str
    handler: Handler
    audiences: frozenset[Audience]
    description: str
    in_menu: bool = True
    scope: Scope | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """The handler chosen for one incoming, with who may run it and its arguments."""

    handler: Handler
    audiences: frozenset[Audience]
    args: tuple[str, ...] = ()
    scope: Scope | None = None
    payload: type[Payload] | None = None


class Router:
    """Registers handlers and resolves each incoming to one of them."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._buttons: dict[str, Route] = {}
        self._steps: dict[tuple[str, str], Handler] = {}
        self._fallback: Handler | None = None
        self._attachment: Handler | None = None
        self._deep_links: dict[str, Handler] = {}

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        description: str,
        audiences: Iterable[Audience] = EVERYONE,
        in_menu: bool = True,
        scope: Scope | None = None,
    ) -> None:
        """Answer ``/name`` with ``handler`` for the given audiences.

        With ``scope``, the first argument names an object and the person acts with the
        roles they hold in the organization that owns it.
        """
        if not (name.isascii() and name.islower() and name.replace("_", "").isalnum()):
            raise ValueError(f"command names must be lower-case ASCII: {name!r}")
        if name in self._commands:
            raise ValueError(f"command /{name} registered twice")
        self._commands[name] = Command(
            name, handler, frozenset(audiences), description, in_menu, scope
        )

    def button(
        self,
        prefix: str | type[Payload],
        handler: Handler,
        *,
        audiences: Iterable[Audience] = EVERYONE,
        scope: Scope | None = None,
    ) -> None:
        """Answer button payloads ``prefix:arg:…`` (prefix is ``namespace:action``).

        With ``scope``, the first argument names an object and the person acts with the
        roles they hold in the organization that owns it. Given a ``Payload`` class, the
        arguments are parsed into it before the handler runs (``ctx.payload``).
        """
        payload = None if isinstance(prefix, str) else prefix
        key = prefix if isinstance(prefix, str) else prefix.prefix
        if key in self._buttons:
            raise ValueError(f"button prefix {key!r} registered twice")
        self._buttons[key] = Route(handler, frozenset(audiences), scope=scope, payload=payload)

    def deep_link(self, arg: str, handler: Handler) -> None:
        """Answer ``/start arg`` (a link that opens the bot) with ``handler``."""
        if arg in self._deep_links:
            raise ValueError(f"deep link {arg!r} registered twice")
        self._deep_links[arg] = handler

    def resolve_deep_link(self, args: tuple[str, ...]) -> Handler | None:
        """The handler of a deep link's ``/start`` arguments, if they name one."""
        return self._deep_links.get(args[0]) if len(args) == 1 else None

    def step(self, flow: str, step: str, handler: Handler) -> None:
        """Answer free input while a person's dialog ``flow`` waits at ``step``."""
        self._steps[(flow, step)] = handler

    def attachment(self, handler: Handler) -> None:
        """Answer a file sent outside any dialog step."""
        self._attachment = handler

    def fallback(self, handler: Handler) -> None:
        """Answer anything nothing else claims."""
        self._fallback = handler

    def commands(self) -> list[Command]:
        """Every registered command, in registration order."""
        return list(self._commands.values())

    def buttons(self) -> dict[str, Route]:
        """Every registered button prefix and its route."""
        return dict(self._buttons)

    def button_prefixes(self) -> list[str]:
        """Every registered button prefix (``namespace:action``), in registration order."""
        return list(self._buttons)

    def resolve_command(self, name: str) -> Command | None:
        """Find a command by name."""
        return self._commands.get(name)

    def resolve_button(self, payload: str) -> Route | None:
        """Find the handler for a button payload; ``None`` for unknown or malformed ones."""
        if len(payload.encode()) > CALLBACK_DATA_LIMIT:
            return None
        parts = payload.split(PAYLOAD_SEPARATOR)
        if len(parts) < 2 or not all(parts[:2]):
            return None
        route = self._buttons.get(PAYLOAD_SEPARATOR.join(parts[:2]))
        if route is None:
            return None
        return Route(route.handler, route.audiences, tuple(parts[2:]), route.scope, route.payload)

    def resolve_step(self, flow: str, step: str) -> Handler | None:
        """Find the handler for a dialog step."""
        return self._steps.get((flow, step))

    @property
    def attachment_handler(self) -> Handler | None:
        """The handler for files sent outside dialogs."""
        return self._attachment

    @property
    def fallback_handler(self) -> Handler | None:
        """The handler for anything unclaimed."""
        return self._fallback
