"""The dispatcher: from one ``Incoming`` to its ``Outcome``, in one session, in order."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import Access
from bot.clock import Clock
from bot.context import DIALOG_ORG, Context, Deferred, Deployment
from bot.errors import BotError
from bot.i18n import Translator, reader_locale
from bot.messages import Incoming, Outcome, Reply
from bot.ordering import KeyedLocks
from bot.public.metrics import timed_updates
from bot.roles import Audience
from bot.router import Route
from db.engine import WriteLockNeeded, read_first_sessions, single_reads
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
        self._read_first = read_first_sessions(sessions)
        self._reads = single_reads(sessions.kw["bind"])
        self._clock = clock
        self._locks = KeyedLocks()

    @timed_updates
    async def handle(
        self,
        incoming: Incoming,
        before_commit: Callable[[AsyncSession, Outcome], Awaitable[None]] | None = None,
    ) -> Outcome:
        """Handle one incoming and return what to send back.

        Work a handler deferred (reading a file) runs after its transaction commits, so it
        holds no database lock while everyone else is answered; its result is taken up in a
        new transaction. The person's own later updates wait for both. ``before_commit``
        runs in the transaction that finishes the update (the inbox records there that the
        event is handled, with its replies).
        """
        async with self._locks.hold((incoming.channel, incoming.user_id)):
            try:
                outcome, deferred = await self._attempt(incoming, before_commit, read_first=True)
            except WriteLockNeeded:
                # Another writer got in first; nothing was written, so start again writing.
                outcome, deferred = await self._attempt(incoming, before_commit, read_first=False)
            while deferred is not None:
                result = await deferred.settle()
                async with self._sessions() as s:
                    ctx = await self._context(s, incoming)
                    await self._run(ctx, Route(deferred.resume(result), frozenset(Audience)))
                    later, deferred = self._finish(ctx), ctx.deferred
                    outcome = replace(
                        later,
                        replies=[*outcome.replies, *later.replies],
                        roles_changed=outcome.roles_changed or later.roles_changed,
                    )
                    if deferred is None and before_commit is not None:
                        await before_commit(s, outcome)
                    await s.commit()
            return outcome

    async def _attempt(
        self,
        incoming: Incoming,
        before_commit: Callable[[AsyncSession, Outcome], Awaitable[None]] | None,
        *,
        read_first: bool,
    ) -> tuple[Outcome, Deferred | None]:
        known = None
        if read_first:
            # Most updates only read: they need not queue for SQLite's lock, and most need
            # nothing but the caller, read here in one statement outside any transaction;
            # a handler's session then takes a connection only if it touches the database.
            # The caller is then not read in the handler's SQLite snapshot: this person's
            # updates wait for each other (the lock above), so only another process changing
            # their roles or dialog in between is seen a moment late, as on PostgreSQL.
            known = await people.read_caller(
                self._reads, channel=incoming.channel, user_id=incoming.user_id
            )
        async with (self._read_first if read_first else self._sessions)() as s:
            ctx = await self._handle(s, incoming, known)
            outcome, deferred = self._finish(ctx), ctx.deferred
            if deferred is None and before_commit is not None:
                await before_commit(s, outcome)
            await s.commit()
            return outcome, deferred

    async def _context(
        self, session: AsyncSession, incoming: Incoming, known: people.Known | None = None
    ) -> Context:
        now = self._clock.now()
        settings = self.deployment.settings
        if known is not None:
            found = people.attach(
                session,
                known,
                chat_id=incoming.chat_id,
                language_code=incoming.language_code,
                now=now,
            )
        else:
            found = await people.caller(
                session,
                channel=incoming.channel,
                user_id=incoming.user_id,
                chat_id=incoming.chat_id,
                display_name=incoming.display_name,
                username=incoming.username,
                language_code=incoming.language_code,
                now=now,
                seal=self.deployment.sealer.seal,
            )
        person, memberships = found.person, found.memberships
        locale = reader_locale(person.locale, incoming.language_code, settings.default_locale)
        return Context(
            incoming=incoming,
            session=session,
            person=person,
            memberships=memberships,
            access=Access.of(memberships),
            org_id=self.deployment.root_org_id,
            audiences=frozenset({Audience.CITIZEN}),
            t=Translator(locale, settings.tz),
            now=now,
            deployment=self.deployment,
            dialog=found.dialog,
        )

    async def _handle(
        self, session: AsyncSession, incoming: Incoming, known: people.Known | None
    ) -> Context:
        ctx = await self._context(session, incoming, known)
        now = ctx.now
        if ctx.dialog is not None and ctx.dialog.expires_at <= now:
            await ctx.end_dialog()
            if incoming.command is None and incoming.button is None:
                ctx.reply(
                    ctx._("That conversation timed out, so it was closed. Please start again.")
                )
                return ctx
        route = self._route(ctx)
        if route is not None:
            await self._run(ctx, route)
        return ctx

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
            return Route(
                command.handler,
                command.audiences,
                tuple(incoming.command_args.split()),
                command.scope,
            )
        if ctx.dialog is not None:
            handler = router.resolve_step(ctx.dialog.flow, ctx.dialog.step)
            if handler is not None:
                return Route(handler, frozenset(Audience))
        if incoming.attachment is not None and router.attachment_handler is not None:
            return Route(router.attachment_handler, frozenset(Audience))
        fallback = router.fallback_handler
        return None if fallback is None else Route(fallback, frozenset(Audience))

    async def _enter(self, ctx: Context, route: Route) -> None:
        """Act in the organization that owns what the route names, if the person may there.

        Otherwise in the organization an open dialog was started in, else in the person's
        own organization with the most rights for the route; the handler then finds that
        the object is not of this organization and refuses, as for an id that names nothing.
        """
        if route.scope is not None and route.args:
            owner = await route.scope.owner(ctx.session, route.args[0])
            if owner is not None:
                await ctx.act_in(owner)
                if route.audiences & ctx.audiences:
                    return
        org_id: int | None = None
        if ctx.incoming.command is None and ctx.dialog is not None:
            stored = ctx.dialog.data.get(DIALOG_ORG)
            org_id = stored if isinstance(stored, int) else None
        if org_id is None:
            org_id = ctx.access.home(route.audiences, self.deployment.root_org_id)
        await ctx.act_in(org_id)

    async def _run(self, ctx: Context, route: Route) -> None:
        await self._enter(ctx, route)
        if not route.audiences & ctx.audiences:
            if ctx.incoming.button is not None:
                ctx.reply(ctx._("This button is not for you. Nothing was changed."))
            else:
                ctx.reply(ctx._("You are not allowed to use this command."))
            return
        ctx.args = route.args
        if route.payload is not None:
            ctx.payload = route.payload.parse(route.args)
            if ctx.payload is None:
                ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
                return
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
            ctx.deferred = None
        except Exception:
            await savepoint.rollback()
            ctx.deferred = None
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
            roles=frozenset(str(a) for a in ctx.access.anywhere),
        )
