"""What the public pages and the API need from the running bot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.crypto import Sealer
from bot.public.cache import TtlCache
from bot.public.limits import SlidingWindow
from bot.runtime import Runtime
from bot.settings import Settings

PAGE_TTL: Final = timedelta(minutes=5)
LOOKUPS_PER_WINDOW: Final = 10
LOOKUP_WINDOW: Final = timedelta(minutes=10)
FILINGS_PER_MINUTE: Final = 30


@dataclass(slots=True)
class PublicDeps:
    """Sessions, settings, clock and the deployment's root; the caches and limits they share."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Clock
    root_org_id: int
    sealer: Sealer
    bot_username: str | None = None
    channels: tuple[str, ...] = ()
    cache: TtlCache = field(init=False)
    searches: TtlCache = field(init=False)
    lookups: SlidingWindow = field(init=False)
    filings: SlidingWindow = field(init=False)

    def __post_init__(self) -> None:
        # Searches get their own cache, so many different words cannot push the costly
        # figures out of theirs.
        self.cache = TtlCache(self.clock, PAGE_TTL)
        self.searches = TtlCache(self.clock, PAGE_TTL)
        self.lookups = SlidingWindow(self.clock, LOOKUPS_PER_WINDOW, LOOKUP_WINDOW)
        self.filings = SlidingWindow(self.clock, FILINGS_PER_MINUTE, timedelta(minutes=1))


def deps_from(runtime: Runtime) -> PublicDeps:
    """The public side's view of a running bot."""
    deployment = runtime.dispatcher.deployment
    return PublicDeps(
        sessions=runtime.sessions,
        settings=runtime.settings,
        clock=runtime.clock,
        root_org_id=deployment.root_org_id,
        sealer=deployment.sealer,
        bot_username=deployment.bot_username,
        channels=tuple(sorted(runtime.senders)),
    )
