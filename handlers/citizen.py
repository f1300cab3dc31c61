"""Citizens send feedback through a short guided dialog, track it, and rate the answer."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, time
from typing import Final

from bot import attachments
from bot.context import Context
from bot.errors import NotAllowed
from bot.feedback import lifecycle, policy
from bot.feedback.buttons import (
    Confirm,
    Confirmation,
    PickConsent,
    PickKind,
    PickPublish,
    PickTopic,
    Rate,
    Skippable,
    SkipStep,
    Topic,
    file_buttons,
    rating_buttons,
)
from bot.feedback.catalog import (
    KINDS,
    TOPICS,
    kind_label,
    normalize_code,
    topic_label,
)
from bot.feedback.dialogs import OnCase
from bot.feedback.draft import Draft
from bot.feedback.errors import CaseNotRateable
from bot.feedback.intake import Submission, receive_case
from bot.feedback.views import case_card, status_label, unseal_contact
from bot.filelimits import ATTACHMENT_LIMITS
from bot.messages import Button
from bot.payloads import YesNo
from db.models import CaseKind, CaseStatus, Rating
from db.queries import cases, uploads

FLOW: Final = "fb"
RATE_FLOW: Final = "fbrate"
TEXT_LIMIT: Final = 4000
FILE_LIMIT: Final = ATTACHMENT_LIMITS.file_bytes
FILES_PER_CASE: Final = ATTACHMENT_LIMITS.per_case
FIELD_LIMIT: Final = 300


def _today_start(ctx: Context) -> datetime:
    tz = ctx.deployment.settings.tz
    return datetime.combine(ctx.now.astimezone(tz).date(), time.min, tzinfo=tz)


def _skip(ctx: Context, step: Skippable) -> list[list[Button]]:
    return [[Button(ctx._("Skip"), SkipStep(step).data)]]


async def _in_step(ctx: Context, *steps: str) -> Draft | None:
    """The draft, if the dialog waits at one of ``steps`` (else say the button is stale)."""
    draft = _readable(ctx)
    if draft is None or ctx.dialog is None or ctx.dialog.step not in steps:
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return None
    return draft


def _readable(ctx: Context) -> Draft | None:
    if ctx.dialog is None or ctx.dialog.flow != FLOW:
        return None
    return Draft.from_data(ctx.dialog.data)


async def _draft(ctx: Context) -> Draft | None:
    """The draft a dialog step adds to; one that cannot be read ends the dialog."""
    draft = _readable(ctx)
    if draft is None:
        await ctx.end_dialog()
        ctx.reply(ctx._("Cancelled. Nothing was saved."))
    return draft


async def _move(ctx: Context, step: str, draft: Draft) -> None:
    await ctx.move_dialog(step, **draft.to_data())


async def start_feedback(ctx: Context) -> None:
    """Open the feedback dialog: first, the kind."""
    limit = ctx.deployment.settings.feedback_daily_limit
    if await cases.sent_since(ctx.session, ctx.person.id, _today_start(ctx)) >= limit:
        ctx.reply(
            ctx.t.ngettext(
                "You have sent {n} case today, the most allowed. Please write again tomorrow.",
                "You have sent {n} cases today, the most allowed. Please write again tomorrow.",
                limit,
            )
        )
        return
    await ctx.start_dialog(FLOW, "kind", Draft().to_data())
    lines = [ctx._("What would you like to send? (/cancel to stop)")]
    lines += [f"• {ctx._(k.label)}: {ctx._(k.explanation)}" for k in KINDS.values()]
    ctx.reply(
        "\n".join(lines),
        [[Button(ctx._(k.label), PickKind(k.kind).data)] for k in KINDS.values()],
    )


async def pick_kind(ctx: Context) -> None:
    """Take the kind and ask for the topic."""
    draft = await _in_step(ctx, "kind")
    if draft is None:
        return
    await _move(ctx, "topic", replace(draft, kind=ctx.payload_as(PickKind).kind))
    keys = list(TOPICS)
    rows = [
        [Button(topic_label(k, ctx.t), PickTopic(Topic(k)).data) for k in keys[i : i + 3]]
        for i in range(0, len(keys), 3)
    ]
    ctx.reply(ctx._("What is it about?"), rows)


async def pick_topic(ctx: Context) -> None:
    """Take the topic and ask for the text."""
    draft = await _in_step(ctx, "topic")
    if draft is None:
        return
    await _move(ctx, "text", replace(draft, topic=str(ctx.payload_as(PickTopic).topic)))
    ctx.reply(
        ctx._(
            "Please describe it in your own words (at most {limit} characters).",
            limit=TEXT_LIMIT,
        )
    )


async def receive_text(ctx: Context) -> None:
    """Take the description, exactly as written, and offer to add photos or files."""
    draft = await _draft(ctx)
    if draft is None:
        return
    text = ctx.incoming.text or ""
    if not text.strip():
        ctx.reply(ctx._("Please write the description as text (or /cancel)."))
        return
    if len(text) > TEXT_LIMIT:
        ctx.reply(
            ctx._(
                "That is {n} characters; please keep it under {limit}. Nothing was saved yet.",
                n=len(text),
                limit=TEXT_LIMIT,
            )
        )
        return
    await _move(ctx, "files", replace(draft, text=text))
    ctx.reply(
        ctx._("You can send photos or files now (up to {n}), or skip.", n=FILES_PER_CASE),
        _skip(ctx, Skippable.FILES),
    )


async def receive_file(ctx: Context) -> None:
    """Keep a photo or file for the case."""
    attachment = ctx.incoming.attachment
    draft = await _draft(ctx)
    if draft is None:
        return
    if attachment is None:
        ctx.reply(ctx._("Send a photo or file, or press Skip."), _skip(ctx, Skippable.FILES))
        return
    files = draft.files
    if len(files) >= FILES_PER_CASE:
        ctx.reply(ctx._("That is the most files one case can carry."), _skip(ctx, Skippable.FILES))
        return
    if attachment.size is not None and attachment.size > FILE_LIMIT:
        ctx.reply(ctx._("That file is too large (at most 10 MB)."), _skip(ctx, Skippable.FILES))
        return
    tz = ctx.deployment.settings.tz
    # Refused before the file is fetched when its announced size is already over the day's.
    await attachments.check_allowance(
        ctx.session, person_id=ctx.person.id, size=attachment.size or 0, now=ctx.now, tz=tz
    )
    content = await attachment.read()
    if len(content) > FILE_LIMIT:
        ctx.reply(ctx._("That file is too large (at most 10 MB)."), _skip(ctx, Skippable.FILES))
        return
    upload = await attachments.keep_file(
        ctx.session,
        person_id=ctx.person.id,
        filename=attachment.filename,
        content=content,
        now=ctx.now,
        tz=tz,
    )
    await _move(ctx, "files", replace(draft, files=(*files, upload.id)))
    ctx.reply(
        ctx.t.ngettext(
            "{n} file received. Send more or press Done.",
            "{n} files received. Send more or press Done.",
            len(files) + 1,
        ),
        [[Button(ctx._("Done"), SkipStep(Skippable.FILES).data)]],
    )


async def next_step(ctx: Context) -> None:
    """Move past an optional step (files, place, contact)."""
    step = ctx.payload_as(SkipStep).step
    if step is Skippable.FILES and (draft := await _in_step(ctx, "files")):
        await _ask_place(ctx, draft)
    elif step is Skippable.PLACE and (draft := await _in_step(ctx, "place")):
        await _ask_name(ctx, draft)
    elif step is Skippable.CONTACT and (draft := await _in_step(ctx, "name", "home", "phone")):
        await _ask_publish(ctx, draft)


async def _ask_place(ctx: Context, draft: Draft) -> None:
    await _move(ctx, "place", draft)
    ctx.reply(
        ctx._("Where is it? Share a location or type the address, or skip."),
        _skip(ctx, Skippable.PLACE),
    )


async def receive_place(ctx: Context) -> None:
    """Take a shared location or a typed address."""
    draft = await _draft(ctx)
    if draft is None:
        return
    location = ctx.incoming.location
    if location is not None:
        draft = replace(draft, lat=location.latitude, lon=location.longitude)
    else:
        address = (ctx.incoming.text or "").strip()
        if not address or len(address) > FIELD_LIMIT:
            ctx.reply(
                ctx._(
                    "Type the address (at most {limit} characters) or press Skip.",
                    limit=FIELD_LIMIT,
                ),
                _skip(ctx, Skippable.PLACE),
            )
            return
        draft = replace(draft, address=address)
    await _ask_name(ctx, draft)


def _required(draft: Draft) -> bool:
    return draft.kind is not None and KINDS[draft.kind].identity_required


async def _ask_name(ctx: Context, draft: Draft) -> None:
    await _move(ctx, "name", draft)
    if _required(draft):
        why = (
            ctx._("The law requires a denouncer's name and address; they are kept secret.")
            if draft.kind == CaseKind.DENUNCIATION
            else ctx._("The law requires a complainant's name and address.")
        )
        ctx.reply(why + "\n" + ctx._("Please send your full name."))
    else:
        ctx.reply(
            ctx._("Your name, if you want an answer in person (optional):"),
            _skip(ctx, Skippable.CONTACT),
        )


async def receive_name(ctx: Context) -> None:
    """Take the sender's name; ask for the home address (complaints) or a contact."""
    draft = await _draft(ctx)
    if draft is None:
        return
    name = " ".join((ctx.incoming.text or "").split())
    if not name or len(name) > 120 or name.startswith("/"):
        ctx.reply(ctx._("Please send your full name as text (at most 120 characters)."))
        return
    # Sealed even in the dialog: an unfinished denunciation must not leave a readable name.
    draft = replace(draft, name=ctx.deployment.sealer.seal(name))
    if _required(draft):
        await _move(ctx, "home", draft)
        ctx.reply(ctx._("Your home address (the law requires it; a phone number is not enough):"))
        return
    await _move(ctx, "phone", draft)
    ctx.reply(ctx._("Your phone number or address for the answer:"), _skip(ctx, Skippable.CONTACT))


async def receive_home(ctx: Context) -> None:
    """Take the complainant's or denouncer's home address, then ask for a phone number."""
    draft = await _draft(ctx)
    if draft is None:
        return
    home = " ".join((ctx.incoming.text or "").split())
    if not home or len(home) > FIELD_LIMIT or home.startswith("/") or _is_phone(home):
        ctx.reply(
            ctx._(
                "Please send your home address as text (at most {limit} characters): "
                "house number, street or hamlet, commune.",
                limit=FIELD_LIMIT,
            )
        )
        return
    await _move(ctx, "phone", replace(draft, home=ctx.deployment.sealer.seal(home)))
    ctx.reply(
        ctx._("Your phone number, if you want a call (optional):"), _skip(ctx, Skippable.CONTACT)
    )


def _is_phone(text: str) -> bool:
    """Whether the text is only a phone number (digits, spaces, +, dots, dashes)."""
    digits = [c for c in text if c.isdigit()]
    return bool(digits) and all(c.isdigit() or c in " +.-()" for c in text)


async def receive_phone(ctx: Context) -> None:
    """Take the phone number or address."""
    draft = await _draft(ctx)
    if draft is None:
        return
    contact = " ".join((ctx.incoming.text or "").split())
    if not contact or len(contact) > FIELD_LIMIT or contact.startswith("/"):
        ctx.reply(ctx._("Please send a phone number or an address as text."))
        return
    draft = replace(draft, phone=ctx.deployment.sealer.seal(contact))
    await _move(ctx, "phone", draft)
    await _ask_publish(ctx, draft)


async def _ask_publish(ctx: Context, draft: Draft) -> None:
    if _required(draft) and not (draft.name and draft.home):
        ctx.reply(
            ctx._("This kind of feedback needs your name and home address; please send them.")
        )
        return
    if draft.kind == CaseKind.DENUNCIATION:
        await _ask_consent(ctx, replace(draft, publish=False))
        return
    await _move(ctx, "publish", draft)
    ctx.reply(
        ctx._("May we publish your question and our answer, without your name?"),
        [
            [
                Button(ctx._("Yes, without my name"), PickPublish(YesNo.YES).data),
                Button(ctx._("No"), PickPublish(YesNo.NO).data),
            ]
        ],
    )


async def pick_publish(ctx: Context) -> None:
    """Take the publishing choice and ask for consent."""
    draft = await _in_step(ctx, "publish")
    if draft is None:
        return
    publish = ctx.payload_as(PickPublish).answer is YesNo.YES
    await _ask_consent(ctx, replace(draft, publish=publish))


async def _ask_consent(ctx: Context, draft: Draft) -> None:
    await _move(ctx, "consent", draft)
    ctx.reply(
        ctx._(
            "To handle your feedback, the commune stores what you sent and how to reach you. "
            "Only the officials handling it and the leaders can see your contact details. "
            "Do you agree?"
        ),
        [
            [
                Button(ctx._("I agree"), PickConsent(YesNo.YES).data),
                Button(ctx._("I do not agree"), PickConsent(YesNo.NO).data),
            ]
        ],
    )


async def pick_consent(ctx: Context) -> None:
    """Show the summary to confirm, or stop without saving."""
    draft = await _in_step(ctx, "consent")
    if draft is None:
        return
    if ctx.payload_as(PickConsent).answer is YesNo.NO:
        await ctx.end_dialog()
        ctx.reply(ctx._("Without your agreement we cannot store your feedback. Nothing was saved."))
        return
    draft = replace(draft, consent=ctx.now)
    await _move(ctx, "confirm", draft)
    kind = kind_label(draft.kind, ctx.t) if draft.kind else ""
    lines = [
        ctx._("Please check:"),
        f"{kind} · {topic_label(draft.topic or '', ctx.t)}",
        draft.text or "",
    ]
    if draft.files:
        lines.append(ctx.t.ngettext("{n} file", "{n} files", len(draft.files)))
    if draft.address:
        lines.append(ctx._("Place: {address}", address=draft.address))
    if draft.name:
        contact = _opened(ctx, draft)
        lines.append(
            ctx._(
                "Sender: {name}, {contact}",
                name=contact["name"],
                contact=contact.get("phone", "—"),
            )
        )
        if contact.get("home"):
            lines.append(ctx._("Sender's address: {address}", address=contact["home"]))
    ctx.reply(
        "\n".join(lines),
        [
            [
                Button(ctx._("Send"), Confirm(Confirmation.SEND).data),
                Button(ctx._("Cancel"), Confirm(Confirmation.CANCEL).data),
            ]
        ],
    )


async def confirm(ctx: Context) -> None:
    """Save the case (or offer to join it to the same text sent today)."""
    draft = await _in_step(ctx, "confirm", "duplicate")
    if draft is None:
        return
    choice = ctx.payload_as(Confirm).choice
    if choice is Confirmation.CANCEL:
        await ctx.end_dialog()
        ctx.reply(ctx._("Cancelled. Nothing was saved."))
        return
    text = draft.text or ""
    digest = hashlib.sha256(" ".join(text.split()).casefold().encode()).hexdigest()
    earlier = await cases.same_text_since(ctx.session, ctx.person.id, digest, _today_start(ctx))
    if earlier is not None and choice is Confirmation.SEND:
        await _move(ctx, "duplicate", replace(draft, earlier=earlier.id))
        ctx.reply(
            ctx._("You sent the same text today as {code}. Join this to it?", code=earlier.code),
            [
                [
                    Button(
                        ctx._("Join to {code}", code=earlier.code),
                        Confirm(Confirmation.JOIN).data,
                    ),
                    Button(ctx._("Send as new"), Confirm(Confirmation.NEW).data),
                ]
            ],
        )
        return
    if earlier is not None and choice is Confirmation.JOIN:
        await cases.add_event(
            ctx.session,
            earlier.id,
            action="received",
            at=ctx.now,
            actor_id=ctx.person.id,
            note=ctx._("sent again"),
        )
        await ctx.end_dialog()
        ctx.reply(ctx._("Joined to {code}. Follow it with /track {code}.", code=earlier.code))
        return
    await _save(ctx, draft, digest)


def _opened(ctx: Context, draft: Draft) -> dict[str, str]:
    """The name and contact the dialog holds sealed, opened."""
    sealer = ctx.deployment.sealer
    sealed = {"name": draft.name, "home": draft.home, "phone": draft.phone}
    return {k: sealer.open(v) for k, v in sealed.items() if v}


async def _save(ctx: Context, draft: Draft, digest: str) -> None:
    if draft.kind is None or draft.topic is None or draft.text is None or draft.consent is None:
        await ctx.end_dialog()
        ctx.reply(ctx._("Cancelled. Nothing was saved."))
        return
    files = []
    for upload_id in draft.files:
        upload = await uploads.upload_of(ctx.session, ctx.person.id, upload_id)
        if upload is not None:
            files.append((upload.filename, upload.content))
            await uploads.drop_upload(ctx.session, upload.id)
    received = await receive_case(
        ctx.session,
        Submission(
            kind=draft.kind,
            topic=draft.topic,
            text=draft.text,
            text_hash=digest,
            channel=ctx.incoming.channel,
            chat_id=ctx.incoming.chat_id,
            consent_at=draft.consent,
            publish=bool(draft.publish),
            address=draft.address,
            latitude=draft.lat,
            longitude=draft.lon,
            contact=_opened(ctx, draft),
            files=files,
        ),
        citizen_id=ctx.person.id,
        org_id=ctx.deployment.root_org_id,
        audit_org_id=ctx.org_id,
        now=ctx.now,
        tz=ctx.deployment.settings.tz,
        sealer=ctx.deployment.sealer,
    )
    case, due = received.case, received.due
    info = KINDS[case.kind]
    await ctx.end_dialog()
    lines = [ctx._("Thank you. Your feedback is received. Tracking code: {code}", code=case.code)]
    if due.answer:
        lines.append(
            ctx._(
                "Answer due by {date} ({basis}).",
                date=ctx.t.date(due.answer),
                basis=due.answer_basis,
            )
        )
    if due.accept and info.identity_required:
        lines.append(
            ctx._(
                "Whether it is accepted for resolution will be decided by {date} ({basis}).",
                date=ctx.t.date(due.accept),
                basis=due.accept_basis,
            )
        )
    elif due.accept:
        lines.append(
            ctx._(
                "It will be accepted or refused by {date} ({basis}).",
                date=ctx.t.date(due.accept),
                basis=due.accept_basis,
            )
        )
    lines.append(ctx._("Follow it with /track {code}.", code=case.code))
    ctx.reply("\n".join(lines))


async def track_case(ctx: Context) -> None:
    """Show a case's status and history to its sender or to staff with rights."""
    raw = ctx.args[0] if ctx.args else (ctx.incoming.text or "")
    code = normalize_code(raw[:40])
    if code is None:
        ctx.reply(ctx._("Send /track with your code, for example /track PA-2026-00042."))
        return
    case = await cases.case_by_code(ctx.session, code)
    actor = ctx.operation().actor
    if case is None or not policy.may_see(actor, case, ctx.person.id):
        ctx.reply(ctx._("There is no case {code} for you.", code=code))
        return
    staff = case.citizen_id != ctx.person.id
    contact = None
    if staff and case.contact_sealed and policy.may_see_contact(actor, case):
        contact = unseal_contact(ctx.deployment.sealer.open(case.contact_sealed))
    unit = await cases.unit_named(ctx.session, case.unit_id)
    rateable = case.status == CaseStatus.ANSWERED and case.rating is None
    buttons = [rating_buttons(ctx.t, case.id)] if rateable and not staff else []
    ctx.reply(
        case_card(case, ctx.t, unit=unit, contact=contact, staff=staff),
        buttons + file_buttons(case),
    )


async def list_my_cases(ctx: Context) -> None:
    """List the person's own cases."""
    mine = await cases.cases_of_citizen(ctx.session, ctx.person.id)
    if not mine:
        ctx.reply(ctx._("You have not sent any feedback yet. Send /feedback to start."))
        return
    lines = [ctx._("Your cases:")]
    lines += [f"• {c.code} — {status_label(c.status, ctx.t, c.kind)}" for c in mine]
    lines.append(ctx._("Send /track CODE for details."))
    ctx.reply("\n".join(lines))


async def rate_answer(ctx: Context) -> None:
    """Record the citizen's rating; "not satisfied" asks why first."""
    pressed = ctx.payload_as(Rate)
    if pressed.rating == Rating.UNSATISFIED:
        case = await lifecycle.rateable(ctx.operation(), pressed.case)
        await ctx.start_dialog(RATE_FLOW, "reason", OnCase(case.id).to_data())
        ctx.reply(ctx._("We are sorry. What is not resolved? (your reason, or /cancel)"))
        return
    await lifecycle.rate(ctx.operation(), pressed.case, pressed.rating)
    ctx.reply(ctx._("Thank you for your rating. The case is closed."))


async def receive_unsatisfied_reason(ctx: Context) -> None:
    """Reopen the case once with the citizen's reason; the second time it closes unresolved."""
    if ctx.dialog is None:
        return
    reason = (ctx.incoming.text or "").strip()
    if not reason or len(reason) > TEXT_LIMIT:
        ctx.reply(
            ctx._(
                "Please write your reason as text (at most {limit} characters).", limit=TEXT_LIMIT
            )
        )
        return
    step = OnCase.from_data(ctx.dialog.data)
    await ctx.end_dialog()
    if step is None:
        ctx.reply(ctx._("Cancelled. Nothing was saved."))
        return
    try:
        rated = await lifecycle.rate(ctx.operation(), step.case, Rating.UNSATISFIED, reason)
    except (NotAllowed, CaseNotRateable):
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return
    code = rated.case.code
    if rated.reopened:
        ctx.reply(ctx._("The case {code} is reopened; the commune will answer again.", code=code))
    else:
        ctx.reply(
            ctx._("Your rating is recorded. The case {code} is closed as not resolved.", code=code)
        )


async def answer_unclaimed(ctx: Context) -> None:
    """Answer a tracking code with its case; any other unclaimed text with a short hint."""
    if normalize_code((ctx.incoming.text or "")[:40]) is not None:
        await track_case(ctx)
        return
    ctx.reply(ctx._("I did not understand that. Send /help to see what I can do."))
