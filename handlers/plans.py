"""Admins send a plan file; the bot previews the import and applies it on confirmation."""

from __future__ import annotations

import asyncio
import re
import tempfile
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
_YEAR = re.compile(r"\b(20\d\d)\b")
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
    # Parsed before anything is written, so no database lock is held while the file is read.
    try:
        plan = await _parse(ctx, attachment.filename, content, year)
    except YearNotFound:
        plan = None
    except PlanImportError as exc:
        ctx.reply(exc.message(ctx.t))
        return
    upload = await uploads.save_upload(
        ctx.session,
        person_id=ctx.person.id,
        filename=attachment.filename,
        content=content,
        now=ctx.now,
    )
    if plan is None:
        await _ask_year(ctx, upload)
        return
    await _show_preview(ctx, upload, plan)


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
    await _preview(ctx, upload, int(match.group(1)))


async def confirm_import(ctx: Context) -> None:
    """Apply the previewed import."""
    upload = await _pending_upload(ctx)
    if upload is None:
        return
    year = ctx.dialog.data.get("year") if ctx.dialog else None
    plan = await _parse(
        ctx, upload.filename, upload.content, year if isinstance(year, int) else None
    )
    report = await import_plan(
        ctx.session,
        org_id=ctx.org_id,
        plan=plan,
        data_hash=upload.sha256,
        actor_id=ctx.person.id,
        now=ctx.now,
        dry_run=False,
    )
    await uploads.drop_upload(ctx.session, upload.id)
    await ctx.end_dialog()
    await ctx.replan()
    ctx.reply(ctx._("Imported.") + "\n" + render_report(report, ctx.t))


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


async def _parse(ctx: Context, filename: str, content: bytes, year: int | None) -> ParsedPlan:
    directory = await orgs.unit_directory(ctx.session, ctx.org_id)
    # The parser names the plan's source after the file, so keep the sender's file name.
    name = _UNSAFE.sub("_", Path(filename).name).strip("._") or "plan"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        # A child process bounded in memory and time: a crafted file costs only that process.
        return await parse_isolated(path, year=year, directory=directory)


async def _ask_year(ctx: Context, upload: Upload) -> None:
    await ctx.start_dialog(FLOW, "year", {"upload": upload.id})
    ctx.reply(ctx._("Which year is this plan for? Send the year, for example 2024."))


async def _preview(ctx: Context, upload: Upload, year: int | None) -> None:
    try:
        plan = await _parse(ctx, upload.filename, upload.content, year)
    except YearNotFound:
        await _ask_year(ctx, upload)
        return
    except PlanImportError as exc:
        await uploads.drop_upload(ctx.session, upload.id)
        ctx.reply(exc.message(ctx.t))
        return
    await _show_preview(ctx, upload, plan)


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
