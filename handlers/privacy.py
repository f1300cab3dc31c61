"""A person's rights over their data: see it all (/mydata), withdraw consent (/forget)."""

from __future__ import annotations

from typing import Final

from bot.context import Context
from bot.feedback.catalog import kind_label
from bot.messages import Attachment, Button
from bot.payloads import YesNo
from bot.privacy.buttons import ForgetMe
from bot.privacy.export import export_person
from bot.privacy.forget import ForgetResult, forget_person, pending_legal
from db.queries import privacy

JSON_MIME: Final = "application/json"


async def send_my_data(ctx: Context) -> None:
    """Send the person a JSON file of everything the bot holds about them."""
    content = await export_person(
        ctx.session, person=ctx.person, sealer=ctx.deployment.sealer, now=ctx.now
    )
    ctx.reply(
        ctx._(
            "This file holds everything the bot keeps about you: your accounts, roles, "
            "contact details, cases and what you wrote. Keep it safe."
        ),
        file=Attachment("my-data.json", JSON_MIME, len(content), content),
    )


async def ask_forget(ctx: Context) -> None:
    """Explain what /forget erases and keeps, and ask to confirm."""
    lines = [
        ctx._(
            "If you withdraw your consent, the bot erases your name, your contact details, "
            "what you wrote and your photos, and forgets your account. Your cases are kept "
            "only as anonymous counts. This cannot be undone."
        )
    ]
    pending = [c for c in await privacy.cases_of(ctx.session, ctx.person.id) if pending_legal(c)]
    if pending:
        lines.append(
            ctx._(
                "Cases still being handled keep what the law requires until they are "
                "settled: {codes}.",
                codes=", ".join(c.code for c in pending),
            )
        )
    ctx.reply(
        "\n".join(lines),
        [
            [
                Button(ctx._("Erase my data"), ForgetMe(YesNo.YES).data),
                Button(ctx._("Cancel"), ForgetMe(YesNo.NO).data),
            ]
        ],
    )


async def confirm_forget(ctx: Context) -> None:
    """Erase on "yes"; say what was done and what had to be kept, and why."""
    if ctx.payload_as(ForgetMe).answer is YesNo.NO:
        ctx.reply(ctx._("Nothing was erased."))
        return
    result = await forget_person(
        ctx.session, person_id=ctx.person.id, now=ctx.now, reason="chat:/forget"
    )
    ctx.reply(_summary(ctx, result))


def _summary(ctx: Context, result: ForgetResult) -> str:
    lines = [
        ctx.t.ngettext(
            "Your consent is withdrawn. {n} case was made anonymous.",
            "Your consent is withdrawn. {n} cases were made anonymous.",
            result.cases_anonymized,
        )
    ]
    for kept in result.kept:
        lines.append(
            ctx._(
                "{code} ({kind}) is still being handled: your name and address (sealed) and "
                "what you wrote are kept, as {basis} requires, until it is settled; they are "
                "erased the night after.",
                code=kept.code,
                kind=kind_label(kept.kind, ctx.t),
                basis=kept.basis,
            )
        )
        if kept.due is not None:
            lines.append(ctx._("Its legal deadline: {date}.", date=ctx.t.date(kept.due)))
    if result.staff:
        lines.append(
            ctx._(
                "Your name and account stay, because you hold a staff role: your office keeps "
                "the records of your work."
            )
        )
    elif result.complete:
        lines.append(ctx._("If you write to the bot again, it will treat you as a new person."))
    return "\n".join(lines)
