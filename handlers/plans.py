"""Admins send a plan file; the bot previews the import and applies it on confirmation."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.context import Context
from bot.messages import Attachment, Button
from bot.plans import (
    MAX_BYTES,
    FileTooLarge,
    ParsedPlan,
    PlanImportError,
    YearNotFound,
)
from bot.plans.importer import import_plan
from bot.plans.summary import render_report
from bot.plans.workbook import preview_workbook
from bot.plans.worker import parse_isolated
from bot.roles import Audience
from bot.timeframes import parse_timeframe
from db.models import Upload
from db.queries import orgs, uploads

FLOW = "planimport"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_YEAR = re.compile(r"\b(20[0-9][0-9])\b", re.ASCII)
_UNSAFE = re.compile(r"[^\w.\- ]+")


async def receive_file(ctx: Context) -> None:
    """Take a file sent outside a dialog: admins import plans; others get a hint."""
    attachment = ctx.incoming.attachment
    if attachment is None:
        return
    if not ctx.is_(Audience.ADMIN):
        ctx.reply(ctx._("I cannot take files here. Send /help to see what you can do."))
        return
    if attachment.size is not None and attachment.size > MAX_BYTES:
        ctx.reply(FileTooLarge(attachment.filename, attachment.size, MAX_BYTES).message(ctx.t))
        return
    content = await attachment.read()
    if len(content) > MAX_BYTES:
        ctx.reply(FileTooLarge(attachment.filename, len(content), MAX_BYTES).message(ctx.t))
        return
    caption_year = _YEAR.search(ctx.incoming.text or "")
    year = int(caption_year.group(1)) if caption_year else None
    filename = attachment.filename

    async def received(ctx: Context, result: ParsedPlan | PlanImportError) -> None:
        if isinstance(result, PlanImportError) and not isinstance(result, YearNotFound):
            ctx.reply(result.message(ctx.t))
            return
        upload = await uploads.save_upload(
            ctx.session, person_id=ctx.person.id, filename=filename, content=content, now=ctx.now
        )
        if isinstance(result, YearNotFound):
            await _ask_year(ctx, upload.id)
            return
        await _show_preview(ctx, upload, result)

    ctx.defer(await _reading(ctx, filename, content, year), received)


async def receive_year(ctx: Context) -> None:
    """Take the plan year the admin typed when the file did not say it."""
    if ctx.dialog is None:
        return
    match = _YEAR.fullmatch((ctx.incoming.text or "").strip())
    if match is None:
        ctx.reply(ctx._("Please send the plan year as four digits, for example 2024."))
        return
    upload = await uploads.upload_of(ctx.session, ctx.person.id, int(ctx.dialog.data["upload"]))
    if upload is None:
        await ctx.end_dialog()
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return
    upload_id = upload.id

    async def read(ctx: Context, result: ParsedPlan | PlanImportError) -> None:
        upload = await uploads.upload_of(ctx.session, ctx.person.id, upload_id)
        if upload is None:
            ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        elif isinstance(result, YearNotFound):
            await _ask_year(ctx, upload.id)
        elif isinstance(result, PlanImportError):
            await ctx.end_dialog()
            ctx.reply(result.message(ctx.t))
        else:
            await _show_preview(ctx, upload, result)

    ctx.defer(await _reading(ctx, upload.filename, upload.content, int(match.group(1))), read)


async def confirm_import(ctx: Context) -> None:
    """Apply the previewed import."""
    upload = await _pending_upload(ctx)
    if upload is None or ctx.dialog is None:
        return
    year = ctx.dialog.data.get("year")
    upload_id = upload.id

    async def read(ctx: Context, result: ParsedPlan | PlanImportError) -> None:
        if isinstance(result, PlanImportError):
            raise result
        dialog = ctx.dialog
        upload = await uploads.upload_of(ctx.session, ctx.person.id, upload_id)
        if upload is None or dialog is None or dialog.data.get("upload") != upload_id:
            ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
            return
        report = await import_plan(
            ctx.session,
            org_id=ctx.org_id,
            plan=result,
            data_hash=upload.sha256,
            actor_id=ctx.person.id,
            now=ctx.now,
            dry_run=False,
        )
        await uploads.drop_upload(ctx.session, upload.id)
        await ctx.end_dialog()
        await ctx.replan()
        ctx.reply(ctx._("Imported.") + "\n" + render_report(report, ctx.t))

    ctx.defer(
        await _reading(
            ctx, upload.filename, upload.content, year if isinstance(year, int) else None
        ),
        read,
    )


async def cancel_import(ctx: Context) -> None:
    """Drop the previewed import."""
    upload = await _pending_upload(ctx)
    if upload is None:
        return
    await uploads.drop_upload(ctx.session, upload.id)
    await ctx.end_dialog()
    ctx.reply(ctx._("Import cancelled. Nothing was changed."))


async def _pending_upload(ctx: Context) -> Upload | None:
    arg = ctx.args[0] if ctx.args else ""
    dialog = ctx.dialog
    if (
        dialog is None
        or dialog.flow != FLOW
        or dialog.step != "confirm"
        or str(dialog.data.get("upload")) != arg
    ):
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return None
    upload = await uploads.upload_of(ctx.session, ctx.person.id, int(arg))
    if upload is None:
        await ctx.end_dialog()
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
    return upload


async def _reading(
    ctx: Context, filename: str, content: bytes, year: int | None
) -> Callable[[], Awaitable[ParsedPlan | PlanImportError]]:
    """The reading of a plan file, to run outside the update's transaction."""
    directory = await orgs.unit_directory(ctx.session, ctx.org_id)
    # The parser names the plan's source after the file, so keep the sender's file name.
    # At most 60 characters (180 bytes of UTF-8), kept from the end for the suffix: a file
    # system takes 255 bytes of a name.
    name = _UNSAFE.sub("_", Path(filename).name).strip("._")[-60:] or "plan"

    async def read() -> ParsedPlan | PlanImportError:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            await asyncio.to_thread(path.write_bytes, content)
            try:
                # A child process bounded in memory and time: a crafted file costs only it.
                return await parse_isolated(path, year=year, directory=directory)
            except PlanImportError as exc:
                return exc

    return read


async def _ask_year(ctx: Context, upload_id: int) -> None:
    await ctx.start_dialog(FLOW, "year", {"upload": upload_id})
    ctx.reply(ctx._("Which year is this plan for? Send the year, for example 2024."))


async def _show_preview(ctx: Context, upload: Upload, plan: ParsedPlan) -> None:
    report = await import_plan(
        ctx.session,
        org_id=ctx.org_id,
        plan=plan,
        data_hash=upload.sha256,
        actor_id=ctx.person.id,
        now=ctx.now,
        dry_run=True,
    )
    await ctx.start_dialog(FLOW, "confirm", {"upload": upload.id, "year": plan.year})
    workbook = await asyncio.to_thread(preview_workbook, plan, ctx.t, parse_timeframe)
    ctx.reply(
        ctx._("Preview of the import (nothing is stored yet):"),
        file=Attachment(f"preview-{plan.year}.xlsx", XLSX_MIME, len(workbook), workbook),
    )
    ctx.reply(
        render_report(report, ctx.t),
        [
            [
                Button(ctx._("Confirm"), f"plan:confirm:{upload.id}"),
                Button(ctx._("Cancel"), f"plan:cancel:{upload.id}"),
            ]
        ],
    )
