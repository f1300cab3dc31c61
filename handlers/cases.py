"""The commune's side of feedback: triage, assignment, answers, approval, publishing.

Case steps do not re-plan reminders: the hourly planning adds the new phase's rows well
before the first one is due, and a row about a phase the case has left is dropped when sent.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from typing import Final

import segno

from bot.context import Context
from bot.feedback import deadlines
from bot.feedback.catalog import TOPICS, kind_label, normalize_code, topic_label
from bot.feedback.publishing import approve_publication, may_publish
from bot.feedback.views import case_card, unseal_contact
from bot.invites import deep_link
from bot.messages import Attachment, Button
from bot.plans.preview import shorten
from bot.reminders.policy import policy_from
from bot.roles import Audience
from db.models import Case, CaseStatus, Role
from db.queries import calendar, cases, orgs, progress, reminders
from handlers.citizen import ID_DIGITS, may_see_contact

REFUSE_FLOW: Final = "caserefuse"
MERGE_FLOW: Final = "casemerge"
ANSWER_FLOW: Final = "caseanswer"
ANSWER_LIMIT: Final = 4000
UNITS_SHOWN: Final = 8
FEEDBACK_START: Final = "feedback"


def _stale(ctx: Context) -> None:
    ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))


async def _case(ctx: Context, index: int = 0) -> Case | None:
    raw = ctx.args[index] if len(ctx.args) > index else ""
    case = None
    if raw.isascii() and raw.isdigit() and len(raw) <= ID_DIGITS:
        case = await cases.case_by_id(ctx.session, int(raw))
    if case is None or case.org_id != ctx.org_id:
        _stale(ctx)
        return None
    return case


async def _handles(ctx: Context, case: Case) -> bool:
    if ctx.is_(Audience.LEADER):
        return True
    units = await progress.official_unit_ids(ctx.session, ctx.person.id, ctx.org_id)
    return case.unit_id is not None and case.unit_id in units


async def _dialog_text(
    ctx: Context, prompt: str, statuses: Collection[CaseStatus]
) -> tuple[Case, str] | None:
    """The text sent at this step and the case the dialog names, if it is still in ``statuses``.

    Text that is empty or too long gets ``prompt`` and keeps the step open; past that the
    dialog ends, and a case gone or moved on is answered as a stale button.
    """
    text = (ctx.incoming.text or "").strip()
    if not text or len(text) > ANSWER_LIMIT:
        ctx.reply(prompt)
        return None
    case = await cases.case_by_id(ctx.session, int(ctx.dialog.data["case"])) if ctx.dialog else None
    await ctx.end_dialog()
    if case is None or case.org_id != ctx.org_id or case.status not in statuses:
        _stale(ctx)
        return None
    return case, text


async def _tell_citizen(ctx: Context, case: Case, step: str, **params: object) -> None:
    await ctx.notify(
        people=[case.citizen_id],
        org_id=case.org_id,
        notice="case",
        params={"case": case.id, "code": case.code, "step": step, **params},
        key=f"case:{case.id}:{step}:{len(case.events)}",
    )


def _line(ctx: Context, case: Case) -> str:
    due = case.answer_due or case.accept_due
    when = ctx._("due {date}", date=ctx.t.date(due)) if due else ""
    return (
        f"{case.code} · {kind_label(case.kind, ctx.t)} · {topic_label(case.topic, ctx.t)} {when}\n"
        f"   {shorten(case.text, 80)}"
    )


async def show_inbox(ctx: Context) -> None:
    """List new cases waiting for triage."""
    waiting = await cases.inbox(ctx.session, ctx.org_id)
    if not waiting:
        ctx.reply(ctx._("No new cases."))
        return
    ctx.reply(
        "\n".join([ctx._("New cases:"), *(_line(ctx, c) for c in waiting)]),
        [[Button(c.code, f"case:open:{c.id}")] for c in waiting[:UNITS_SHOWN]],
    )


async def list_cases(ctx: Context) -> None:
    """List open cases: an official's unit's, or all for leaders and admins."""
    staff_all = ctx.is_(Audience.LEADER) or ctx.is_(Audience.ADMIN)
    units = (
        None
        if staff_all
        else await progress.official_unit_ids(ctx.session, ctx.person.id, ctx.org_id)
    )
    found = await cases.open_cases(ctx.session, ctx.org_id, units)
    if not found:
        ctx.reply(ctx._("No open cases."))
        return
    ctx.reply(
        "\n".join([ctx._("Open cases:"), *(_line(ctx, c) for c in found)]),
        [[Button(c.code, f"case:open:{c.id}")] for c in found[:UNITS_SHOWN]],
    )


async def open_case(ctx: Context) -> None:
    """Show a case's card to staff with the actions they may take."""
    case = await _case(ctx)
    if case is None:
        return
    handles = await _handles(ctx, case)
    if not (handles or ctx.is_(Audience.ADMIN)):
        ctx.reply(ctx._("This button is not for you. Nothing was changed."))
        return
    contact = None
    if case.contact_sealed and await may_see_contact(ctx, case):
        contact = unseal_contact(ctx.deployment.sealer.open(case.contact_sealed))
    unit = await cases.unit_named(ctx.session, case.unit_id)
    buttons: list[list[Button]] = []
    if ctx.is_(Audience.ADMIN) and case.status == CaseStatus.NEW:
        buttons = [
            [
                Button(ctx._("Accept and assign"), f"case:assign:{case.id}"),
                Button(ctx._("Refuse"), f"case:refuse:{case.id}"),
            ],
            [
                Button(ctx._("Duplicate of…"), f"case:merge:{case.id}"),
                Button(ctx._("Complex"), f"case:complex:{case.id}"),
            ],
        ]
    elif handles and case.status in {CaseStatus.ASSIGNED, CaseStatus.REOPENED}:
        buttons = [
            [
                Button(ctx._("Write the answer"), f"case:answer:{case.id}"),
                Button(ctx._("Complex"), f"case:complex:{case.id}"),
            ]
        ]
    elif ctx.is_(Audience.LEADER) and case.status == CaseStatus.AWAITING_APPROVAL:
        buttons = [[Button(ctx._("Approve and send"), f"case:approve:{case.id}")]]
    elif _approves(ctx) and may_publish(case) and case.published_at is None:
        buttons = [[Button(ctx._("Publish on the commune's page"), f"case:publish:{case.id}")]]
    ctx.reply(case_card(case, ctx.t, unit=unit, contact=contact, staff=True), buttons)


async def choose_unit(ctx: Context) -> None:
    """Offer the units to assign a new case to, the topic's usual one first."""
    case = await _case(ctx)
    if case is None:
        return
    if case.status != CaseStatus.NEW:
        _stale(ctx)
        return
    units = list(await orgs.list_units(ctx.session, ctx.org_id))
    if not units:
        ctx.reply(ctx._("No units yet. Add one with /addunit."))
        return
    words = TOPICS[case.topic].unit_words if case.topic in TOPICS else ()
    units.sort(key=lambda u: (not any(w in u.key for w in words), u.name))
    ctx.reply(
        ctx._("Assign {code} to which unit?", code=case.code),
        [[Button(u.name[:60], f"case:to:{case.id}:{u.id}")] for u in units[:UNITS_SHOWN]],
    )


async def assign_case(ctx: Context) -> None:
    """Accept the case and give it to a unit; tell the citizen and the unit."""
    case = await _case(ctx)
    raw = ctx.args[1] if len(ctx.args) > 1 else ""
    unit = None
    if case is not None and raw.isascii() and raw.isdigit() and len(raw) <= ID_DIGITS:
        unit = await orgs.unit_in_org(ctx.session, ctx.org_id, int(raw))
    if case is None or unit is None or case.status != CaseStatus.NEW:
        if case is not None:
            _stale(ctx)
        return
    tz = ctx.deployment.settings.tz
    cal = await calendar.work_calendar(ctx.session)
    case.status = CaseStatus.ASSIGNED
    case.unit_id = unit.id
    case.accepted_at = ctx.now
    resolve = deadlines.on_acceptance(
        case.kind, ctx.now.astimezone(tz).date(), cal, complex=case.complex
    )
    if resolve is not None:
        case.answer_due = resolve
    await cases.add_event(
        ctx.session, case.id, action="accepted", at=ctx.now, actor_id=ctx.person.id
    )
    await cases.add_event(
        ctx.session, case.id, action="assigned", at=ctx.now, actor_id=ctx.person.id, note=unit.name
    )
    await ctx.audit(
        "case.assigned",
        "case",
        case.id,
        before={"status": "new"},
        after={"status": "assigned", "unit_id": unit.id},
    )
    await _tell_citizen(
        ctx,
        case,
        "assigned",
        unit=unit.name,
        due=case.answer_due.isoformat() if case.answer_due else None,
    )
    await ctx.notify(
        people=await cases.officials_of_unit(ctx.session, ctx.org_id, unit.id),
        org_id=ctx.org_id,
        notice="case_assigned",
        params={"case": case.id, "code": case.code},
        key=f"case-assigned:{case.id}:{unit.id}",
    )
    ctx.reply(ctx._("{code} is assigned to {unit}.", code=case.code, unit=unit.name))


async def start_refusal(ctx: Context) -> None:
    """Ask why the case is refused and where the citizen should go instead."""
    case = await _case(ctx)
    if case is None:
        return
    if case.status != CaseStatus.NEW:
        _stale(ctx)
        return
    await ctx.start_dialog(REFUSE_FLOW, "reason", {"case": case.id})
    ctx.reply(
        ctx._(
            "Why is {code} refused, and where should the citizen go instead? (or /cancel)",
            code=case.code,
        )
    )


async def receive_refusal(ctx: Context) -> None:
    """Refuse the case with the reason and tell the citizen."""
    found = await _dialog_text(
        ctx,
        ctx._("Please write the reason as text (at most {limit} characters).", limit=ANSWER_LIMIT),
        {CaseStatus.NEW},
    )
    if found is None:
        return
    case, reason = found
    case.status = CaseStatus.REFUSED
    case.closed_at = ctx.now
    await cases.add_event(
        ctx.session, case.id, action="refused", at=ctx.now, actor_id=ctx.person.id, note=reason
    )
    await ctx.audit("case.refused", "case", case.id, after={"status": "refused"})
    await _tell_citizen(ctx, case, "refused", text=reason)
    ctx.reply(ctx._("{code} is refused; the citizen is told.", code=case.code))


async def start_merge(ctx: Context) -> None:
    """Ask which case this one duplicates."""
    case = await _case(ctx)
    if case is None:
        return
    if case.status != CaseStatus.NEW:
        _stale(ctx)
        return
    await ctx.start_dialog(MERGE_FLOW, "target", {"case": case.id})
    ctx.reply(
        ctx._("Send the code of the case that {code} duplicates (or /cancel).", code=case.code)
    )


async def receive_merge_target(ctx: Context) -> None:
    """Join the case to the one it duplicates and tell the citizen."""
    code = normalize_code((ctx.incoming.text or "")[:40])
    target = await cases.case_by_code(ctx.session, code) if code else None
    case = await cases.case_by_id(ctx.session, int(ctx.dialog.data["case"])) if ctx.dialog else None
    if target is None or case is None or target.org_id != ctx.org_id or target.id == case.id:
        ctx.reply(
            ctx._("Send the code of another case of this commune, for example PA-2026-00042.")
        )
        return
    await ctx.end_dialog()
    if case.status != CaseStatus.NEW:
        _stale(ctx)
        return
    case.status = CaseStatus.MERGED
    case.merged_into = target.id
    case.closed_at = ctx.now
    await cases.add_event(
        ctx.session, case.id, action="merged", at=ctx.now, actor_id=ctx.person.id, note=target.code
    )
    await ctx.audit("case.merged", "case", case.id, after={"into": target.id})
    await _tell_citizen(ctx, case, "merged", target=target.code)
    ctx.reply(ctx._("{code} is joined to {target}.", code=case.code, target=target.code))


async def mark_complex(ctx: Context) -> None:
    """Mark the case complex: the legal extension applies and the citizen is told."""
    case = await _case(ctx)
    if case is None:
        return
    if case.complex or case.status not in {
        CaseStatus.NEW,
        CaseStatus.ASSIGNED,
        CaseStatus.REOPENED,
    }:
        _stale(ctx)
        return
    if not (ctx.is_(Audience.ADMIN) or await _handles(ctx, case)):
        ctx.reply(ctx._("This button is not for you. Nothing was changed."))
        return
    tz = ctx.deployment.settings.tz
    case.complex = True
    if case.accepted_at is not None:
        extended = deadlines.on_acceptance(
            case.kind,
            case.accepted_at.astimezone(tz).date(),
            await calendar.work_calendar(ctx.session),
            complex=True,
        )
        case.answer_due = extended or case.answer_due
    await cases.add_event(
        ctx.session, case.id, action="complex", at=ctx.now, actor_id=ctx.person.id
    )
    await ctx.audit(
        "case.complex",
        "case",
        case.id,
        after={"answer_due": case.answer_due.isoformat() if case.answer_due else None},
    )
    await _tell_citizen(
        ctx, case, "complex", due=case.answer_due.isoformat() if case.answer_due else None
    )
    ctx.reply(ctx._("{code} is marked complex.", code=case.code))


async def start_answer(ctx: Context) -> None:
    """Ask the handling official for the answer."""
    case = await _case(ctx)
    if case is None:
        return
    if case.status not in {CaseStatus.ASSIGNED, CaseStatus.REOPENED} or not await _handles(
        ctx, case
    ):
        ctx.reply(ctx._("This button is not for you. Nothing was changed."))
        return
    await ctx.start_dialog(ANSWER_FLOW, "text", {"case": case.id})
    ctx.reply(ctx._("Write the answer to {code} for the citizen (or /cancel).", code=case.code))


async def receive_answer(ctx: Context) -> None:
    """Send the answer, or hold it for a leader's approval when the commune requires it."""
    found = await _dialog_text(
        ctx,
        ctx._("Please write the answer as text (at most {limit} characters).", limit=ANSWER_LIMIT),
        {CaseStatus.ASSIGNED, CaseStatus.REOPENED},
    )
    if found is None:
        return
    case, text = found
    case.answer = text
    await cases.add_event(
        ctx.session,
        case.id,
        action="answer_written",
        at=ctx.now,
        actor_id=ctx.person.id,
        public=False,
    )
    policy = policy_from((await reminders.org_policies(ctx.session)).get(ctx.org_id))
    if policy.answer_approval and not ctx.is_(Audience.LEADER):
        case.status = CaseStatus.AWAITING_APPROVAL
        await ctx.audit(
            "case.answer_written", "case", case.id, after={"status": "awaiting_approval"}
        )
        await ctx.notify(
            people=await cases.staff_of(ctx.session, ctx.org_id, [Role.LEADER]),
            org_id=ctx.org_id,
            notice="answer_approval",
            params={"case": case.id, "code": case.code},
            key=f"answer-approval:{case.id}:{len(case.events)}",
        )
        ctx.reply(ctx._("The answer to {code} waits for a leader's approval.", code=case.code))
        return
    await _send_answer(ctx, case)


async def approve_answer(ctx: Context) -> None:
    """Approve a written answer and send it to the citizen."""
    if not ctx.is_(Audience.LEADER):  # the router lets administrators in; approving is a leader's
        ctx.reply(ctx._("This button is not for you. Nothing was changed."))
        return
    case = await _case(ctx)
    if case is None:
        return
    if case.status != CaseStatus.AWAITING_APPROVAL:
        _stale(ctx)
        return
    await _send_answer(ctx, case)


async def _send_answer(ctx: Context, case: Case) -> None:
    case.status = CaseStatus.ANSWERED
    case.answered_at = ctx.now
    answered_on = ctx.now.astimezone(ctx.deployment.settings.tz).date()
    # Kept on the row so that reports count on-time answers in SQL, not row by row.
    case.on_time = None if case.answer_due is None else answered_on <= case.answer_due
    await cases.add_event(
        ctx.session, case.id, action="answered", at=ctx.now, actor_id=ctx.person.id
    )
    await ctx.audit("case.answered", "case", case.id, after={"status": "answered"})
    await _tell_citizen(ctx, case, "answered", text=case.answer or "")
    ctx.reply(ctx._("The answer to {code} is sent to the citizen.", code=case.code))


def _approves(ctx: Context) -> bool:
    return ctx.is_(Audience.LEADER) or ctx.is_(Audience.ADMIN)


async def publish_case(ctx: Context) -> None:
    """Approve showing an answered question (its sender allowed it) on the public page."""
    case = await _case(ctx)
    if case is None:
        return
    if await approve_publication(ctx.session, case, actor_id=ctx.person.id, now=ctx.now):
        ctx.reply(ctx._("{code} is published on the commune's page.", code=case.code))
    else:
        ctx.reply(ctx._("{code} is already published.", code=case.code))


async def show_public(ctx: Context) -> None:
    """List answered questions whose senders allowed publishing, without identities."""
    shown = await cases.public_cases(ctx.session, ctx.org_id, limit=10)
    if not shown:
        ctx.reply(ctx._("No published answers yet."))
        return
    lines = [ctx._("Questions and answers:")]
    for case in shown:
        lines.append(f"\n{case.code} · {topic_label(case.topic, ctx.t)}")
        lines.append(ctx._("Q: {text}", text=shorten(case.text, 300)))
        lines.append(ctx._("A: {text}", text=shorten(case.answer or "", 500)))
    ctx.reply("\n".join(lines))


def feedback_link(public_url: str | None, bot_username: str | None) -> str | None:
    """What the notice board's QR code opens: the public page if served, else the chat."""
    if public_url:
        return f"{public_url}/"
    return deep_link(bot_username, FEEDBACK_START) if bot_username else None


def feedback_qr(link: str) -> bytes:
    """A PNG QR code of ``link``."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


async def send_qr(ctx: Context) -> None:
    """Send the QR code of the feedback link, to print on the notice board."""
    link = feedback_link(ctx.deployment.settings.public_url, ctx.deployment.bot_username)
    if link is None:
        ctx.reply(ctx._("The bot's username is not known yet; set TELEGRAM_BOT_USERNAME."))
        return
    png = feedback_qr(link)
    ctx.reply(
        ctx._("Scan to send feedback to the commune: {link}", link=link),
        file=Attachment("gop-y-qr.png", "image/png", len(png), png),
    )
