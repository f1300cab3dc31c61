"""What waits for a leader's decision, in every organization they lead, with its buttons.

Requests for more time, answers held for approval and answers whose senders allow
publishing. Each button is the one the leader's notice carries, so deciding from here is
the same step (``bot.tasks.extensions.decide``, ``bot.feedback.lifecycle.approve_answer``,
``bot.feedback.publishing.approve_publication``) as deciding from the notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.context import Context
from bot.feedback.buttons import CaseApprove, CaseOpen, CasePublish
from bot.feedback.catalog import kind_label, topic_label
from bot.feedback.publishing import may_publish
from bot.messages import Button
from bot.paging import page_of, paged_rows
from bot.pending_buttons import PendingPage
from bot.plans.preview import shorten
from bot.tasks.payloads import ApproveExtension, DeclineExtension
from db.models import Role
from db.queries import cases, orgs, progress, reports

PER_PAGE: Final = 6


@dataclass(frozen=True, slots=True)
class _Item:
    """One thing waiting: its lines, and its row of buttons (each naming the item)."""

    org_id: int
    text: str
    buttons: list[Button]


@dataclass(frozen=True, slots=True)
class _Reach:
    """Where the person decides: organizations they lead (and those below), or administer."""

    leads: tuple[int, ...]
    administers: tuple[int, ...]
    names: dict[int, str]

    @property
    def everywhere(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys((*self.leads, *self.administers)))


async def _reach(ctx: Context) -> _Reach:
    leads: list[int] = []
    names: dict[int, str] = {}
    for grant in ctx.access.grants:
        if grant.role is Role.LEADER:
            for org_id, name, _ in await reports.org_tree(ctx.session, grant.org_id):
                leads.append(org_id)
                names[org_id] = name
    administers = [g.org_id for g in ctx.access.grants if g.role is Role.ADMIN]
    for org_id in administers:
        names.setdefault(org_id, await orgs.org_name(ctx.session, org_id))
    return _Reach(tuple(dict.fromkeys(leads)), tuple(dict.fromkeys(administers)), names)


async def _items(ctx: Context, reach: _Reach) -> list[_Item]:
    t = ctx.t
    items: list[_Item] = []
    for ext in await progress.pending_extensions(ctx.session, reach.everywhere):
        if ext.requested_by == ctx.person.id:
            continue  # another leader decides one's own request
        text = "⏳ " + t._(
            "[{code}] {task}\n   {name} asks to move it from {current} to {proposed}: {reason}",
            code=ext.code,
            task=shorten(ext.text, 80),
            name=ext.requester,
            current=t.date(ext.due),
            proposed=t.date(ext.proposed),
            reason=shorten(ext.reason, 200),
        )
        buttons = [
            Button(
                t._("Approve [{code}]", code=ext.code)[:60], ApproveExtension(ext.request_id).data
            ),
            Button(
                t._("Decline [{code}]", code=ext.code)[:60], DeclineExtension(ext.request_id).data
            ),
        ]
        items.append(_Item(ext.org_id, text, buttons))
    for case in await cases.awaiting_approval(ctx.session, reach.leads):
        text = "✉️ " + t._(
            "{code} · {kind}: an answer waits for your approval\n   {answer}",
            code=case.code,
            kind=kind_label(case.kind, t),
            answer=shorten(case.answer or "", 200),
        )
        buttons = [
            Button(t._("Approve and send {code}", code=case.code)[:60], CaseApprove(case.id).data),
            Button(t._("Open {code}", code=case.code)[:60], CaseOpen(case.id).data),
        ]
        items.append(_Item(case.org_id, text, buttons))
    for case in await cases.awaiting_publication(ctx.session, reach.everywhere):
        if not may_publish(case):
            continue
        text = "🌐 " + t._(
            "{code} · {topic}: answered; its sender allows publishing it",
            code=case.code,
            topic=topic_label(case.topic, t),
        )
        buttons = [
            Button(t._("Publish {code}", code=case.code)[:60], CasePublish(case.id).data),
            Button(t._("Open {code}", code=case.code)[:60], CaseOpen(case.id).data),
        ]
        items.append(_Item(case.org_id, text, buttons))
    return items


async def list_pending(ctx: Context) -> None:
    """List what waits for the leader's decision, a page at a time, with its buttons."""
    await _show(ctx, 0)


async def page_pending(ctx: Context) -> None:
    """Show another page of what waits for the leader's decision."""
    await _show(ctx, ctx.payload_as(PendingPage).page)


async def _show(ctx: Context, number: int) -> None:
    reach = await _reach(ctx)
    items = await _items(ctx, reach)
    if not items:
        ctx.reply(ctx._("Nothing waits for your decision."))
        return
    page = page_of(items, number, PER_PAGE)
    head = ctx.t.ngettext(
        "{n} item waits for your decision:", "{n} items wait for your decision:", len(items)
    )
    if page.last > 0:
        head += " " + ctx._("(page {page} of {pages})", page=page.number + 1, pages=page.last + 1)
    ctx.reply(
        "\n\n".join([head, *_texts(page.items, reach)]),
        paged_rows(page, lambda item: item.buttons, lambda n: PendingPage(n).data),
    )


def _texts(items: Sequence[_Item], reach: _Reach) -> list[str]:
    several = len(reach.everywhere) > 1
    return [
        f"{reach.names.get(item.org_id, '')}: {item.text}" if several else item.text
        for item in items
    ]
