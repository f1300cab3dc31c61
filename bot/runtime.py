"""The running bot's resources: engine, sessions, dispatcher, opened and closed together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import Sender
from bot.clock import Clock, SystemClock
from bot.context import Deployment
from bot.dispatcher import Dispatcher
from bot.keys import Keys, unlock
from bot.orgs import rename_org
from bot.privacy.names import seal_citizen_names
from bot.settings import DEFAULT_ORG_NAME, Settings
from bot.startup import check_writable
from bot.wiring import build_router
from db import migrate
from db.engine import create_engine, session_factory
from db.queries import audit, orgs

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """What every channel and job of one running bot shares."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    clock: Clock
    keys: Keys
    senders: dict[str, Sender] = field(default_factory=dict)
    # Live channel objects the HTTP endpoints hand their requests to, by channel name.
    channels: dict[str, object] = field(default_factory=dict)

    def set_bot_username(self, username: str | None) -> None:
        """Remember the bot's username once the channel knows it (for deep links)."""
        self.dispatcher.deployment = replace(self.dispatcher.deployment, bot_username=username)


@asynccontextmanager
async def open_runtime(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """Migrate the database, check it is writable and the keys are right, build the bot.

    Raises ``StartupRefused`` (one line for the operator) when the bot must not run.
    """
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    try:
        await check_writable(engine, settings.database_url)
        await migrate.upgrade(engine, timezone=settings.timezone)
        async with session_factory(engine, zone=settings.timezone).begin() as session:
            keys = await unlock(session, settings, clock.now())
        sessions = session_factory(engine, keys.audit_key, zone=settings.timezone)
        async with sessions.begin() as session:
            root = await orgs.ensure_root_org(session, settings.org_name, clock.now())
            root_id = root.id
            if sealed := await seal_citizen_names(session, keys.sealer):
                log.debug("sealed the display names of %d citizens", sealed)
            if signed := await audit.sign_unsigned_trail(session):
                log.warning("signed %d audit entries written before entries were signed", signed)
            if root.name == DEFAULT_ORG_NAME and settings.org_name != DEFAULT_ORG_NAME:
                # Named in the settings after the first start: reports should not say "UBND xã".
                await rename_org(
                    session, org_id=root_id, name=settings.org_name, actor_id=None, now=clock.now()
                )
        deployment = Deployment(
            settings=settings,
            router=build_router(),
            root_org_id=root_id,
            sealer=keys.sealer,
            bot_username=settings.telegram_bot_username,
        )
        dispatcher = Dispatcher(deployment, sessions, clock)
        yield Runtime(settings, engine, sessions, dispatcher, clock, keys)
    finally:
        await engine.dispose()
