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
from bot.plans.buttons import (
    CancelImport,
    ConfirmImport,
    MapName,
    MapRestAsNew,
    MapTo,
    MapUnitsPage,
)
from bot.plans.dialog import Answer, ImportDialog
from bot.plans.importer import import_plan
from bot.plans.mapping import (
    MAPPING_TARGETS,
    TARGET_LABELS,
    Choice,
    Target,
    UnmappedUnits,
    unit_questions,
)
from bot.plans.summary import describe_question, render_report
from bot.plans.units import UnitResolver
from bot.plans.workbook import preview_workbook
from bot.plans.worker import parse_isolated
from bot.roles import Audience
from bot.timeframes import parse_timeframe
from bot.units import UnitError
from db.models import Upload
from db.queries import orgs, uploads

FLOW = "planimport"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_YEAR = re.compile(r"\b(20[0-9][0-9])\b", re.ASCII)
_UNSAFE = re.compile(r"[^\w.\- ]+")
UNITS_PER_PAGE = 8


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
    dialog = _dialog(ctx)
    if dialog is None:
        return
    match = _YEAR.fullmatch((ctx.incoming.text or "").strip())
    if match is None:
        ctx.reply(ctx._("Please send the plan year as four digits, for example 2024."))
        return
    upload = await uploads.upload_of(ctx.session, ctx.person.id, dialog.upload)
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
    pending = await _pending_upload(ctx, ctx.payload_as(ConfirmImport).upload)
    if pending is None:
        return
    dialog, upload = pending
    plan = await _parse(ctx, upload, dialog.year)
    try:
        # A savepoint: units an interrupted import made are undone with it.
        async with ctx.session.begin_nested():
            report = await import_plan(
                ctx.session,
                org_id=ctx.org_id,
                plan=plan,
                data_hash=upload.sha256,
                actor_id=ctx.person.id,
                now=ctx.now,
                dry_run=False,
                mapping=await _current_answers(ctx, dialog),
            )
    except (UnmappedUnits, UnitError) as exc:
        # The directory changed since the answers were given: start the file over.
        await ctx.end_dialog()
        await uploads.drop_upload(ctx.session, upload.id)
        ctx.reply(exc.message(ctx.t) + "\n" + ctx._("Send the file again, please."))
        return
    await uploads.drop_upload(ctx.session, upload.id)
    await ctx.end_dialog()
    await ctx.replan()
    ctx.reply(ctx._("Imported.") + "\n" + render_report(report, ctx.t))


async def cancel_import(ctx: Context) -> None:
    """Drop the previewed import."""
    pending = await _pending_upload(ctx, ctx.payload_as(CancelImport).upload, ("confirm", "map"))
    if pending is None:
        return
    await uploads.drop_upload(ctx.session, pending[1].id)
    await ctx.end_dialog()
    ctx.reply(ctx._("Import cancelled. Nothing was changed."))


def _dialog(ctx: Context) -> ImportDialog | None:
    """The import dialog the person is in, if they are in a readable one."""
    if ctx.dialog is None or ctx.dialog.flow != FLOW:
        return None
    return ImportDialog.from_data(ctx.dialog.data)


async def _pending_upload(
    ctx: Context, upload_id: int, steps: tuple[str, ...] = ("confirm",)
) -> tuple[ImportDialog, Upload] | None:
    """The dialog and its file, if the dialog waits at one of ``steps`` about ``upload_id``."""
    dialog = _dialog(ctx)
    if (
        dialog is None
        or ctx.dialog is None
        or ctx.dialog.step not in steps
        or dialog.upload != upload_id
    ):
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return None
    upload = await uploads.upload_of(ctx.session, ctx.person.id, upload_id)
    if upload is None:
        await ctx.end_dialog()
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return None
    return dialog, upload


async def _parse(ctx: Context, upload: Upload, year: int | None) -> ParsedPlan:
    """Read the stored upload again (in the bounded child), for the summary and the import."""
    result = await (await _reading(ctx, upload.filename, upload.content, year))()
    if isinstance(result, PlanImportError):
        raise result
    return result


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
    await ctx.start_dialog(FLOW, "year", ImportDialog(upload_id).to_data())
    ctx.reply(ctx._("Which year is this plan for? Send the year, for example 2024."))


async def _show_preview(ctx: Context, upload: Upload, plan: ParsedPlan) -> None:
    directory = await orgs.unit_directory(ctx.session, ctx.org_id)
    questions = unit_questions(plan, directory)
    dialog = ImportDialog(upload.id, plan.year, tuple(questions))
    await ctx.start_dialog(FLOW, "map" if questions else "confirm", dialog.to_data())
    labels = await _unit_labels(ctx, plan, directory)
    workbook = await asyncio.to_thread(preview_workbook, plan, ctx.t, parse_timeframe, labels)
    ctx.reply(
        ctx._("Preview of the import (nothing is stored yet):"),
        file=Attachment(f"preview-{plan.year}.xlsx", XLSX_MIME, len(workbook), workbook),
    )
    if questions:
        await _ask_next(ctx, dialog, upload)
    else:
        await _show_summary(ctx, plan, upload)


async def _current_answers(ctx: Context, dialog: ImportDialog) -> dict[str, Choice]:
    """The answers whose unit is still the one chosen (an id may be reused after a delete)."""
    kept: dict[str, Choice] = {}
    for key, answer in dialog.answers.items():
        choice = answer.choice
        if choice.target is Target.UNIT and choice.unit_id is not None:
            unit = await orgs.unit_in_org(ctx.session, ctx.org_id, choice.unit_id)
            if unit is None or unit.key != answer.unit_key:
                continue
        kept[key] = choice
    return kept


async def _unit_labels(ctx: Context, plan: ParsedPlan, directory: dict[str, int]) -> dict[str, str]:
    """For each unit name as written: the unit it goes to, or that it is still to be chosen."""
    resolver = UnitResolver(directory)
    names = await _unit_names(ctx)
    labels: dict[str, str] = {}
    for task in plan.tasks:
        for name in (*task.lead, *task.partners):
            match = resolver.resolve(name)
            if match.status == "matched" and match.unit_id in names:
                labels[name] = names[match.unit_id]
            elif match.status == "suggested" and match.unit_id in names:
                labels[name] = ctx._("“{unit}”? (to confirm)", unit=names[match.unit_id])
            else:
                labels[name] = ctx._("(to choose)")
    return labels


async def _show_summary(
    ctx: Context, plan: ParsedPlan, upload: Upload, dialog: ImportDialog | None = None
) -> None:
    report = await import_plan(
        ctx.session,
        org_id=ctx.org_id,
        plan=plan,
        data_hash=upload.sha256,
        actor_id=ctx.person.id,
        now=ctx.now,
        dry_run=True,
        mapping=dialog.choices if dialog else {},
    )
    ctx.reply(
        render_report(report, ctx.t),
        [
            [
                Button(ctx._("Confirm"), ConfirmImport(upload.id).data),
                Button(ctx._("Cancel"), CancelImport(upload.id).data),
            ]
        ],
    )


async def _unit_names(ctx: Context) -> dict[int, str]:
    return {u.id: u.name for u in await orgs.list_units(ctx.session, ctx.org_id)}


async def _ask_next(ctx: Context, dialog: ImportDialog, upload: Upload) -> None:
    """Ask about the first name without an answer, or show the summary when none is left."""
    questions = dialog.questions
    open_ = [i for i, q in enumerate(questions) if q.key not in dialog.answers]
    if not open_:
        await ctx.move_dialog("confirm")
        await _show_summary(ctx, await _parse(ctx, upload, dialog.year), upload, dialog)
        return
    index = open_[0]
    question = questions[index]
    names = await _unit_names(ctx)
    rows = [
        [Button(names[i][:60], MapName(upload.id, index, MapTo(Target.UNIT, i)).data)]
        for i in question.candidates[:3]
        if i in names
    ]
    rows += [
        [Button(ctx._(TARGET_LABELS[t]), MapName(upload.id, index, MapTo(t)).data)]
        for t in MAPPING_TARGETS
    ]
    rows.append([Button(ctx._("Another unit…"), MapUnitsPage(upload.id, index, 0).data)])
    if len(open_) > 1:
        rows.append([Button(ctx._("All the rest: new units"), MapRestAsNew(upload.id).data)])
    rows.append([Button(ctx._("Cancel"), CancelImport(upload.id).data)])
    heading = ctx.t.ngettext(
        "{n} unit name still needs a place. Where do the tasks of this one go?",
        "{n} unit names still need a place. Where do the tasks of this one go?",
        len(open_),
    )
    ctx.reply(heading + "\n" + describe_question(question, names, ctx.t), rows)


async def map_unit_name(ctx: Context) -> None:
    """Take the answer for one name."""
    pressed = ctx.payload_as(MapName)
    pending = await _pending_upload(ctx, pressed.upload, ("map",))
    if pending is None:
        return
    dialog, upload = pending
    answer = await _chosen(ctx, pressed.to)
    if pressed.question >= len(dialog.questions) or answer is None:
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return
    dialog = dialog.answered({dialog.questions[pressed.question].key: answer})
    await ctx.move_dialog("map", **dialog.to_data())
    await _ask_next(ctx, dialog, upload)


async def map_rest_as_new(ctx: Context) -> None:
    """Make every name still without an answer a new unit."""
    pending = await _pending_upload(ctx, ctx.payload_as(MapRestAsNew).upload, ("map",))
    if pending is None:
        return
    dialog, upload = pending
    new = Answer(Choice(Target.NEW))
    rest = {q.key: new for q in dialog.questions if q.key not in dialog.answers}
    dialog = dialog.answered(rest)
    await ctx.move_dialog("map", **dialog.to_data())
    await _ask_next(ctx, dialog, upload)


async def page_map_units(ctx: Context) -> None:
    """Show a page of the existing units for one name."""
    pressed = ctx.payload_as(MapUnitsPage)
    pending = await _pending_upload(ctx, pressed.upload, ("map",))
    if pending is None:
        return
    dialog, upload = pending
    index = pressed.question
    units = list(await orgs.list_units(ctx.session, ctx.org_id))
    if index >= len(dialog.questions) or not units:
        ctx.reply(ctx._("This button is no longer valid. Nothing was changed."))
        return
    last = (len(units) - 1) // UNITS_PER_PAGE
    page = min(pressed.page, last)
    chunk = units[page * UNITS_PER_PAGE : (page + 1) * UNITS_PER_PAGE]
    rows = [
        [Button(u.name[:60], MapName(upload.id, index, MapTo(Target.UNIT, u.id)).data)]
        for u in chunk
    ]
    nav = []
    if page > 0:
        nav.append(Button("«", MapUnitsPage(upload.id, index, page - 1).data))
    if page < last:
        nav.append(Button("»", MapUnitsPage(upload.id, index, page + 1).data))
    if nav:
        rows.append(nav)
    question = dialog.questions[index]
    ctx.reply(ctx._("Which unit does “{name}” mean?", name=question.name), rows)


async def _chosen(ctx: Context, to: MapTo) -> Answer | None:
    """The button's answer, with the key of a chosen unit (to tell it from a later one)."""
    if to.unit_id is None:
        return Answer(to.choice)
    unit = await orgs.unit_in_org(ctx.session, ctx.org_id, to.unit_id)
    return None if unit is None else Answer(to.choice, unit.key)
