"""The dispatcher: from one ``Incoming`` to its ``Outcome``, in one session, in order."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.context import Context, Deployment
from bot.errors import BotError
from bot.i18n import Translator, negotiate
from bot.messages import Incoming, Outcome, Reply
from bot.ordering import KeyedLocks
from bot.roles import Audience, audiences_of
from bot.router import Route
from db.engine import WriteLockNeeded, begin_read_first
from db.queries import people

log = logging.getLogger(__name__)


class Dispatcher:
    """Turns what people do into replies, one update at a time per person."""

    def __init__(
        self,
        deployment: Deployment,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
    ) -> None:
        self.deployment = deployment
        self._sessions = sessions
        self._clock = clock
        self._locks = KeyedLocks()

    async def handle(self, incoming: Incoming) -> Outcome:
        """Handle one incoming and return what to send back."""
        async with self._locks.hold((incoming.channel, incoming.user_id)):
            try:
                return await self._attempt(incoming, read_first=True)
            except WriteLockNeeded:
                # Another writer got in first; nothing was written, so start again writing.
                return await self._attempt(incoming, read_first=False)

    async def _attempt(self, incoming: Incoming, *, read_first: bool) -> Outcome:
        async with self._sessions() as s:
            if read_first:  # most updates only read: they need not queue for SQLite's lock
                await begin_read_first(s)
            outcome = await self._handle(s, incoming)
            await s.commit()
            return outcome

    async def _handle(self, session: AsyncSession, incoming: Incoming) -> Outcome:
        now = self._clock.now()
        settings = self.deployment.settings
        found = await people.caller(
            session,
            channel=incoming.channel,
            user_id=incoming.user_id,
            chat_id=incoming.chat_id,
            display_name=incoming.display_name,
            username=incoming.username,
            language_code=incoming.language_code,
            now=now,
        )
        person, memberships = found.person, found.memberships
        locale = person.locale or negotiate(incoming.language_code, settings.default_locale)
        ctx = Context(
            incoming=incoming,
            session=session,
            person=person,
            memberships=memberships,
            audiences=audiences_of(m.role for m in memberships),
            t=Translator(locale, settings.tz),
            now=now,
            deployment=self.deployment,
            dialog=found.dialog,
        )
        if ctx.dialog is not None and ctx.dialog.expires_at <= now:
            await ctx.end_dialog()
            if incoming.command is None and incoming.button is None:
                ctx.reply(
                    ctx._("That conversation timed out, so it was closed. Please start again.")
                )
                return self._finish(ctx)
        route = self._route(ctx)
        if route is not None:
            await self._run(ctx, route)
        return self._finish(ctx)

    def _route(self, ctx: Context) -> Route | None:
        router = self.deployment.router
        incoming = ctx.incoming
        if incoming.button is not None:
            route = router.resolve_button(incoming.button)
            if route is None:
                ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
            return route
        if incoming.command is not None:
            command = router.resolve_command(incoming.command)
            if command is None:
                ctx.reply(ctx._("I do not know that command. Send /help to see what I can do."))
                return None
            return Route(command.handler, command.audiences, tuple(incoming.command_args.split()))
        if ctx.dialog is not None:
            handler = router.resolve_step(ctx.dialog.flow, ctx.dialog.step)
            if handler is not None:
                return Route(handler, frozenset(Audience))
        if incoming.attachment is not None and router.attachment_handler is not None:
            return Route(router.attachment_handler, frozenset(Audience))
        fallback = router.fallback_handler
        return None if fallback is None else Route(fallback, frozenset(Audience))

    async def _run(self, ctx: Context, route: Route) -> None:
        if not route.audiences & ctx.audiences:
            if ctx.incoming.button is not None:
                ctx.reply(ctx._("This button is not for you. Nothing was changed."))
            else:
                ctx.reply(ctx._("You are not allowed to use this command."))
            return
        ctx.args = route.args
        savepoint = await ctx.session.begin_nested()
        try:
            await route.handler(ctx)
            await savepoint.commit()
        except WriteLockNeeded:
            raise
        except BotError as exc:
            await savepoint.rollback()
            ctx.outcome.replies = [Reply(exc.message(ctx.t))]
            ctx.outcome.roles_changed = False
        except Exception:
            await savepoint.rollback()
            log.exception("handler %s failed", getattr(route.handler, "__name__", route.handler))
            ctx.outcome.replies = [
                Reply(ctx._("Something went wrong on our side. Nothing was changed; try again."))
            ]
            ctx.outcome.roles_changed = False

    def _finish(self, ctx: Context) -> Outcome:
        # Only plain values here: a rolled-back savepoint has expired the ORM objects.
        return replace(
            ctx.outcome,
            locale=ctx.t.locale,
            roles=frozenset(str(a) for a in ctx.audiences),
        )
