"""The commune's side of feedback: triage, assignment, answers, approval, publishing.

Every step is one call to ``bot.feedback.lifecycle``; these handlers parse and word replies.
"""

from __future__ import annotations

import asyncio
from typing import Final

from bot.context import Context
from bot.errors import NotAllowed, NotFound
from bot.feedback import contact_request, lifecycle, policy
from bot.feedback.buttons import (
    CaseAnswer,
    CaseApprove,
    CaseAssign,
    CaseComplex,
    CaseFileOpen,
    CaseMerge,
    CaseOpen,
    CasePublish,
    CaseRefuse,
    CaseTo,
    CaseToEmpty,
    CaseUnits,
    file_buttons,
)
from bot.feedback.catalog import TOPICS, kind_label, topic_label
from bot.feedback.dialogs import OnCase
from bot.feedback.documents import (
    DOCUMENT_LIMIT,
    NotASignedDocument,
    check_document,
    mime_type_of,
)
from bot.feedback.errors import CaseMovedOn, NotADuplicateTarget, UnitWithoutMembers
from bot.feedback.links import feedback_link, feedback_qr
from bot.feedback.policy import Step
from bot.feedback.publishing import approve_publication, may_publish
from bot.feedback.views import case_card, unseal_contact
from bot.messages import Attachment, Button
from bot.paging import page_of, paged_buttons
from bot.plans.preview import shorten
from bot.roles import Audience
from db.models import Case, CaseStatus
from db.queries import cases, orgs, progress, uploads

REFUSE_FLOW: Final = "caserefuse"
MERGE_FLOW: Final = "casemerge"
ANSWER_FLOW: Final = "caseanswer"
ANSWER_LIMIT: Final = 4000
CASES_SHOWN: Final = 8
# A dialog's last step finds the case gone elsewhere, or taken on by someone else meanwhile.
_GONE: Final = (NotFound, NotAllowed, CaseMovedOn)


def _line(ctx: Context, case: Case) -> str:
    due = case.answer_due or case.accept_due
    when = ctx._("due {date}", date=ctx.t.date(due)) if due else ""
    return (
        f"{case.code} · {kind_label(case.kind, ctx.t)} · {topic_label(case.topic, ctx.t)} {when}\n"
        f"   {shorten(case.text, 80)}"
    )


async def _dialog_text(ctx: Context, prompt: str) -> tuple[int, str] | None:
    """The text sent at this step and the case the dialog names; the dialog then ends.

    Text that is empty or too long gets ``prompt`` and keeps the step open.
    """
    text = (ctx.incoming.text or "").strip()
    if not text or len(text) > ANSWER_LIMIT or ctx.dialog is None:
        ctx.reply(prompt)
        return None
    step = OnCase.from_data(ctx.dialog.data)
    await ctx.end_dialog()
    if step is None:
        ctx.reply(ctx._("Cancelled. Nothing was saved."))
        return None
    return step.case, text


async def show_inbox(ctx: Context) -> None:
    """List new cases waiting for triage."""
    waiting = await cases.inbox(ctx.session, ctx.org_id)
    if not waiting:
        ctx.reply(ctx._("No new cases."))
        return
    ctx.reply(
        "\n".join([ctx._("New cases:"), *(_line(ctx, c) for c in waiting)]),
        [[Button(c.code, CaseOpen(c.id).data)] for c in waiting[:CASES_SHOWN]],
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
        [[Button(c.code, CaseOpen(c.id).data)] for c in found[:CASES_SHOWN]],
    )


async def open_case(ctx: Context) -> None:
    """Show a case's card to staff with the actions they may take."""
    case = await cases.case_by_id(ctx.session, ctx.payload_as(CaseOpen).case)
    actor = ctx.operation().actor
    if case is None or case.org_id != ctx.org_id:
        raise NotFound
    if not (policy.handles(actor, case) or actor.is_(Audience.ADMIN)):
        raise NotAllowed
    contact = None
    if case.contact_sealed and policy.may_see_contact(actor, case):
        contact = unseal_contact(ctx.deployment.sealer.open(case.contact_sealed))
    unit = await cases.unit_named(ctx.session, case.unit_id)
    buttons: list[list[Button]] = []
    if actor.is_(Audience.ADMIN) and case.status == CaseStatus.NEW:
        buttons = [
            [
                Button(ctx._("Accept and assign"), CaseAssign(case.id).data),
                Button(ctx._("Refuse"), CaseRefuse(case.id).data),
            ],
            [
                Button(ctx._("Duplicate of…"), CaseMerge(case.id).data),
                Button(ctx._("Complex"), CaseComplex(case.id).data),
            ],
        ]
    elif policy.handles(actor, case) and case.status in {
        CaseStatus.ASSIGNED,
        CaseStatus.REOPENED,
    }:
        buttons = [
            [
                Button(ctx._("Write the answer"), CaseAnswer(case.id).data),
                Button(ctx._("Complex"), CaseComplex(case.id).data),
            ]
        ]
    elif actor.is_(Audience.LEADER) and case.status == CaseStatus.AWAITING_APPROVAL:
        buttons = [[Button(ctx._("Approve and send"), CaseApprove(case.id).data)]]
    elif _approves(ctx) and may_publish(case) and case.published_at is None:
        buttons = [[Button(ctx._("Publish on the commune's page"), CasePublish(case.id).data)]]
    ctx.reply(
        case_card(case, ctx.t, unit=unit, contact=contact, staff=True),
        buttons + file_buttons(case),
    )


async def send_case_file(ctx: Context) -> None:
    """Send one file of a case to someone who may see the case."""
    pressed = ctx.payload_as(CaseFileOpen)
    case = await cases.case_by_id(ctx.session, pressed.case)
    if case is None or not policy.may_see(ctx.operation().actor, case, ctx.person.id):
        raise NotAllowed
    file = await cases.file_of_case(ctx.session, case.id, pressed.file)
    if file is None:
        raise NotFound
    ctx.reply(
        ctx._("{code}: {name}", code=case.code, name=file.filename),
        file=Attachment(
            file.filename, mime_type_of(file.filename), len(file.content), file.content
        ),
    )


async def choose_unit(ctx: Context) -> None:
    """Offer the units to assign a new case to, the topic's usual ones first."""
    await _offer_units(ctx, ctx.payload_as(CaseAssign).case, 0)


async def page_units(ctx: Context) -> None:
    """Show another page of the units to assign a new case to."""
    pressed = ctx.payload_as(CaseUnits)
    await _offer_units(ctx, pressed.case, pressed.page)


async def _offer_units(ctx: Context, case_id: int, page: int) -> None:
    case = await lifecycle.take(ctx.operation(), case_id, Step.TRIAGE, lock=False)
    units = list(await orgs.list_units(ctx.session, ctx.org_id))
    if not units:
        ctx.reply(ctx._("No units yet. Add one with /addunit."))
        return
    words = TOPICS[case.topic].unit_words if case.topic in TOPICS else ()
    units.sort(key=lambda u: (not any(w in u.key for w in words), u.name))
    ctx.reply(
        ctx._("Assign {code} to which unit?", code=case.code),
        paged_buttons(
            page_of(units, page),
            lambda u: Button(u.name[:60], CaseTo(case.id, u.id).data),
            lambda n: CaseUnits(case.id, n).data,
        ),
    )


async def assign_case(ctx: Context) -> None:
    """Accept the case and give it to a unit; the citizen and the unit are told.

    A unit with no members gets a warning first, and a button to assign anyway.
    """
    pressed = ctx.payload_as(CaseTo)
    try:
        done = await lifecycle.assign(ctx.operation(), pressed.case, pressed.unit)
    except UnitWithoutMembers as exc:
        ctx.reply(
            exc.message(ctx.t),
            [
                [
                    Button(ctx._("Assign anyway"), CaseToEmpty(pressed.case, pressed.unit).data),
                    Button(ctx._("Choose another unit"), CaseAssign(pressed.case).data),
                ]
            ],
        )
        return
    ctx.reply(ctx._("{code} is assigned to {unit}.", code=done.case.code, unit=done.unit))


async def assign_case_anyway(ctx: Context) -> None:
    """Assign the case to a unit with no members, as confirmed after the warning."""
    pressed = ctx.payload_as(CaseToEmpty)
    done = await lifecycle.assign(ctx.operation(), pressed.case, pressed.unit, without_members=True)
    ctx.reply(ctx._("{code} is assigned to {unit}.", code=done.case.code, unit=done.unit))


async def start_refusal(ctx: Context) -> None:
    """Ask why the case is refused and where the citizen should go instead."""
    case = await lifecycle.take(
        ctx.operation(), ctx.payload_as(CaseRefuse).case, Step.TRIAGE, lock=False
    )
    await ctx.start_dialog(REFUSE_FLOW, "reason", OnCase(case.id).to_data())
    ctx.reply(
        ctx._(
            "Why is {code} refused, and where should the citizen go instead? (or /cancel)",
            code=case.code,
        )
    )


async def receive_refusal(ctx: Context) -> None:
    """Refuse the case with the reason; the citizen is told."""
    found = await _dialog_text(
        ctx,
        ctx._("Please write the reason as text (at most {limit} characters).", limit=ANSWER_LIMIT),
    )
    if found is None:
        return
    try:
        case = await lifecycle.refuse(ctx.operation(), *found)
    except _GONE as exc:
        ctx.reply(exc.message(ctx.t))
        return
    ctx.reply(ctx._("{code} is refused; the citizen is told.", code=case.code))


async def start_merge(ctx: Context) -> None:
    """Ask which case this one duplicates."""
    case = await lifecycle.take(
        ctx.operation(), ctx.payload_as(CaseMerge).case, Step.TRIAGE, lock=False
    )
    await ctx.start_dialog(MERGE_FLOW, "target", OnCase(case.id).to_data())
    ctx.reply(
        ctx._("Send the code of the case that {code} duplicates (or /cancel).", code=case.code)
    )


async def receive_merge_target(ctx: Context) -> None:
    """Join the case to the one it duplicates; the citizen is told."""
    step = None if ctx.dialog is None else OnCase.from_data(ctx.dialog.data)
    if step is None:
        await ctx.end_dialog()
        ctx.reply(ctx._("Cancelled. Nothing was saved."))
        return
    try:
        case, target = await lifecycle.merge(ctx.operation(), step.case, ctx.incoming.text or "")
    except NotADuplicateTarget as exc:
        ctx.reply(exc.message(ctx.t))
        return
    except _GONE as exc:
        await ctx.end_dialog()
        ctx.reply(exc.message(ctx.t))
        return
    await ctx.end_dialog()
    ctx.reply(ctx._("{code} is joined to {target}.", code=case.code, target=target.code))


async def mark_complex(ctx: Context) -> None:
    """Mark the case complex: the legal extension applies and the citizen is told."""
    case = await lifecycle.mark_complex(ctx.operation(), ctx.payload_as(CaseComplex).case)
    ctx.reply(ctx._("{code} is marked complex.", code=case.code))


async def start_answer(ctx: Context) -> None:
    """Ask the handling official for the answer."""
    case = await lifecycle.take(
        ctx.operation(), ctx.payload_as(CaseAnswer).case, Step.ANSWER, lock=False
    )
    await ctx.start_dialog(ANSWER_FLOW, "text", OnCase(case.id).to_data())
    ctx.reply(
        ctx._("Write the answer to {code} for the citizen (or /cancel).", code=case.code)
        + "\n"
        + ctx._("You may first send the signed answer document (PDF or DOCX).")
    )


async def receive_answer(ctx: Context) -> None:
    """Send the answer, or hold it for a leader's approval when the commune requires it.

    A PDF or DOCX sent at this step is the signed answer document; it goes with the answer.
    """
    if ctx.incoming.attachment is not None:
        await _receive_document(ctx)
        return
    upload_id = ctx.dialog.data.get("document") if ctx.dialog else None
    found = await _dialog_text(
        ctx,
        ctx._("Please write the answer as text (at most {limit} characters).", limit=ANSWER_LIMIT),
    )
    if found is None:
        return
    document = None
    upload = (
        await uploads.upload_of(ctx.session, ctx.person.id, int(upload_id)) if upload_id else None
    )
    if upload is not None:
        document = check_document(upload.filename, upload.content)
        await uploads.drop_upload(ctx.session, upload.id)
    try:
        answered = await lifecycle.write_answer(ctx.operation(), *found, document)
    except _GONE as exc:
        ctx.reply(exc.message(ctx.t))
        return
    code = answered.case.code
    if answered.sent:
        ctx.reply(ctx._("The answer to {code} is sent to the citizen.", code=code))
    else:
        ctx.reply(ctx._("The answer to {code} waits for a leader's approval.", code=code))


async def _receive_document(ctx: Context) -> None:
    attachment = ctx.incoming.attachment
    if attachment is None or ctx.dialog is None:
        return
    try:
        if attachment.size is not None and attachment.size > DOCUMENT_LIMIT:
            raise NotASignedDocument(too_large=True)
        content = await attachment.read()
        document = await asyncio.to_thread(check_document, attachment.filename, content)
    except NotASignedDocument as exc:
        ctx.reply(exc.message(ctx.t))
        return
    previous = ctx.dialog.data.get("document")
    if previous:
        await uploads.drop_upload(ctx.session, int(previous))
    upload = await uploads.save_upload(
        ctx.session,
        person_id=ctx.person.id,
        filename=document.filename,
        content=document.content,
        now=ctx.now,
    )
    await ctx.move_dialog("text", document=upload.id)
    ctx.reply(
        ctx._(
            "The signed document {name} will go with the answer. Now write the answer "
            "(or /cancel).",
            name=document.filename,
        )
    )


async def approve_answer(ctx: Context) -> None:
    """Approve a written answer and send it to the citizen."""
    case = await lifecycle.approve_answer(ctx.operation(), ctx.payload_as(CaseApprove).case)
    ctx.reply(ctx._("The answer to {code} is sent to the citizen.", code=case.code))


def _approves(ctx: Context) -> bool:
    return ctx.is_(Audience.LEADER) or ctx.is_(Audience.ADMIN)


async def publish_case(ctx: Context) -> None:
    """Approve showing an answered question (its sender allowed it) on the public page."""
    done = await approve_publication(ctx.operation(), ctx.payload_as(CasePublish).case)
    if done.new:
        ctx.reply(ctx._("{code} is published on the commune's page.", code=done.case.code))
    else:
        ctx.reply(ctx._("{code} is already published.", code=done.case.code))


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


async def ask_contact(ctx: Context) -> None:
    """Send a case's citizen Zalo's card asking for contact details: ``/askcontact CODE``."""
    asked = await contact_request.ask_contact(ctx.operation(), " ".join(ctx.args)[:40])
    if asked.queued:
        ctx.reply(
            ctx._(
                "The citizen of {code} will get a card on Zalo asking for contact details. "
                "What they share is kept sealed with the case's sender.",
                code=asked.code,
            )
        )
    else:
        ctx.reply(ctx._("The citizen of {code} was asked already today.", code=asked.code))
