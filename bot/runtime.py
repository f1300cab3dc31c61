"""The running bot's resources: engine, sessions, dispatcher, opened and closed together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import Sender
from bot.clock import Clock, SystemClock
from bot.context import Deployment
from bot.crypto import load_sealer
from bot.dispatcher import Dispatcher
from bot.orgs import rename_org
from bot.settings import DEFAULT_ORG_NAME, Settings
from bot.wiring import build_router
from db import migrate
from db.engine import create_engine, session_factory
from db.queries import orgs


@dataclass(slots=True)
class Runtime:
    """What every channel and job of one running bot shares."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    clock: Clock
    senders: dict[str, Sender] = field(default_factory=dict)

    def set_bot_username(self, username: str | None) -> None:
        """Remember the bot's username once the channel knows it (for deep links)."""
        self.dispatcher.deployment = replace(self.dispatcher.deployment, bot_username=username)


@asynccontextmanager
async def open_runtime(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """Migrate the database, make sure the root organization exists, and build the bot."""
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine, timezone=settings.timezone)
        sessions = session_factory(engine)
        async with sessions.begin() as session:
            root = await orgs.ensure_root_org(session, settings.org_name, clock.now())
            root_id = root.id
            if root.name == DEFAULT_ORG_NAME and settings.org_name != DEFAULT_ORG_NAME:
                # Named in the settings after the first start: reports should not say "UBND xã".
                await rename_org(
                    session, org_id=root_id, name=settings.org_name, actor_id=None, now=clock.now()
                )
        deployment = Deployment(
            settings=settings,
            router=build_router(),
            root_org_id=root_id,
            sealer=load_sealer(settings.data_key, Path(settings.data_key_file)),
            bot_username=settings.telegram_bot_username,
        )
        dispatcher = Dispatcher(deployment, sessions, clock)
        yield Runtime(settings, engine, sessions, dispatcher, clock)
    finally:
        await engine.dispose()
