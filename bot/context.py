"""What a handler gets: the incoming, the person, their language, a session, a way to reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot import attachments
from bot.access import Access
from bot.crypto import Sealer
from bot.errors import NotFound
from bot.i18n import Translator
from bot.messages import Attachment, Button, Incoming, Outcome, Reply
from bot.operations import Actor, Operation
from bot.payloads import Payload
from bot.reminders.notices import Notice
from bot.roles import Audience
from bot.router import Router
from bot.settings import Settings
from db.models import Dialog, Membership, Person
from db.queries import dialogs

P = TypeVar("P", bound=Payload)

# The organization a dialog was started in: its later steps act there, with the roles the
# person holds there then.
DIALOG_ORG: Final = "_org"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Deployment:
    """Facts about this running bot that handlers may need."""

    settings: Settings
    router: Router
    root_org_id: int
    sealer: Sealer
    bot_username: str | None = None


@dataclass(frozen=True, slots=True)
class Deferred:
    """Work that runs outside the update's transaction, and the step that takes its result."""

    work: Callable[[], Awaitable[Any]]
    then: Callable[[Context, Any], Awaitable[None]]

    async def settle(self) -> Any:
        """Run the work; what it raises is its result too, raised again by ``resume``."""
        try:
            return await self.work()
        except Exception as exc:
            return _Raised(exc)

    def resume(self, result: Any) -> Callable[[Context], Awaitable[None]]:
        """The handler that continues with ``result`` in a new transaction."""

        async def handler(ctx: Context) -> None:
            if isinstance(result, _Raised):
                raise result.error
            await self.then(ctx, result)

        return handler


@dataclass(frozen=True, slots=True)
class _Raised:
    error: Exception


@dataclass(slots=True)
class Context:
    """One person's one update, while it is being handled."""

    incoming: Incoming
    session: AsyncSession
    person: Person
    memberships: Sequence[Membership]
    access: Access
    org_id: int
    audiences: frozenset[Audience]
    t: Translator
    now: datetime
    deployment: Deployment
    dialog: Dialog | None = None
    args: tuple[str, ...] = ()
    payload: Payload | None = None
    outcome: Outcome = field(default_factory=Outcome)
    deferred: Deferred | None = None

    def _(self, message: str, /, **params: object) -> str:
        """Translate for this person."""
        return self.t._(message, **params)

    def reply(
        self,
        text: str,
        buttons: Sequence[Sequence[Button]] = (),
        file: Attachment | None = None,
    ) -> None:
        """Queue a message back to this person."""
        self.outcome.replies.append(Reply(text, buttons, file))

    def payload_as(self, kind: type[P]) -> P:
        """The pressed button's parsed payload, which the route declared as ``kind``."""
        if not isinstance(self.payload, kind):
            raise NotFound
        return self.payload

    def is_(self, audience: Audience) -> bool:
        """Tell whether the person belongs to ``audience`` in the organization acted in."""
        return audience in self.audiences

    async def act_in(self, org_id: int) -> None:
        """Act in ``org_id`` from now on, with the roles the person holds there."""
        self.org_id = org_id
        self.audiences = await self.access.audiences_in(self.session, org_id)

    def holds_directly(self, audience: Audience) -> bool:
        """Whether the organization acted in granted ``audience`` itself (not from above)."""
        return audience in self.access.direct(self.org_id)

    def defer(
        self, work: Callable[[], Awaitable[T]], then: Callable[[Context, T], Awaitable[None]]
    ) -> None:
        """Run ``work`` once this update is committed, holding no database lock (reading a
        file), then ``then`` with its result, in a new transaction with a fresh context."""
        self.deferred = Deferred(work, then)

    async def start_dialog(self, flow: str, step: str, data: Mapping[str, Any] = {}) -> None:
        """Begin a dialog (replacing any other) waiting at ``step``.

        Files the replaced dialog held and the new one does not are forgotten.
        """
        if self.dialog is not None:
            await attachments.drop_dialog_files(
                self.session, self.person.id, self.dialog.data, keep=attachments.upload_ids(data)
            )
        self.dialog = await dialogs.save_dialog(
            self.session,
            person_id=self.person.id,
            flow=flow,
            step=step,
            data={**data, DIALOG_ORG: self.org_id},
            now=self.now,
            expires_at=self._expiry(),
        )

    async def move_dialog(self, step: str, **data: Any) -> None:
        """Move the current dialog to ``step``, merging ``data`` into what it holds."""
        if self.dialog is None:
            raise RuntimeError("move_dialog called outside a dialog")
        await self.start_dialog(self.dialog.flow, step, {**self.dialog.data, **data})

    async def end_dialog(self) -> None:
        """Finish the current dialog, forgetting the files it held."""
        if self.dialog is not None:
            await attachments.drop_dialog_files(self.session, self.person.id, self.dialog.data)
        await dialogs.end_dialog(self.session, self.person.id)
        self.dialog = None

    def operation(self) -> Operation:
        """This update as a domain operation: the person acting in the organization."""
        return Operation(
            self.session,
            Actor(
                self.person.id,
                self.org_id,
                self.audiences,
                self.access.direct(self.org_id),
                self.access.units_in(self.org_id),
            ),
            self.now,
            self.deployment.settings.tz,
        )

    async def audit(
        self,
        action: str,
        entity: str,
        entity_id: str | int,
        *,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        """Write what this person changed to the audit trail."""
        await self.operation().audit(action, entity, entity_id, before=before, after=after)

    async def notify(
        self,
        *,
        people: Iterable[int],
        notice: Notice,
        key: str,
        org_id: int | None = None,
        task_id: int | None = None,
    ) -> None:
        """Queue a notice to other people through the outbox, inside their working hours."""
        await self.operation().notify(
            people=people, notice=notice, key=key, org_id=org_id, task_id=task_id
        )

    async def replan(self, task_id: int | None = None) -> None:
        """Bring the organization's (or one task's) planned reminders up to date at once."""
        await self.operation().replan(task_id)

    def _expiry(self) -> datetime:
        return self.now + timedelta(minutes=self.deployment.settings.dialog_ttl_minutes)
