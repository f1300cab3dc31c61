"""A short account of an import for the person who sent the plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bot.i18n import Translator
from bot.plans.importer import ImportReport
from bot.plans.preview import PlanWarning

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.plans.mapping import Question

LISTED: Final = 10


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown + (f", … (+{len(items) - LISTED})" if len(items) > LISTED else "")


def render_report(report: ImportReport, t: Translator) -> str:
    """Tasks per dimension, units created or unclear, undated tasks, and what changed."""
    plan = report.plan
    lines = [
        t._("Plan: {title}", title=plan.title),
        t.ngettext(
            "Year {year}, {n} task, from {source}",
            "Year {year}, {n} tasks, from {source}",
            len(plan.tasks),
            year=plan.year,
            source=plan.source,
        ),
        t._("Tasks per PAPI dimension:"),
    ]
    for dimension, count in sorted(report.per_dimension.items()):
        label = dimension if dimension != "-" else t._("not a dimension")
        lines.append(f"  {label}: {t.number(count)}")
    if report.new_units:
        lines.append(t._("New units: {names}", names=_listed(report.new_units)))
    if report.ambiguous_units:
        lines.append(
            t._("Unclear units (first match used): {names}", names=_listed(report.ambiguous_units))
        )
    if report.undated:
        lines.append(t._("Tasks without a date: {codes}", codes=_listed(report.undated)))
    if report.created_plan:
        lines.append(
            t._(
                "New plan: {n} tasks, {m} due dates.",
                n=len(report.added),
                m=report.occurrences_added,
            )
        )
    elif report.nothing_changed:
        lines.append(t._("This plan is already stored exactly so; nothing changes."))
    else:
        lines.append(
            t._(
                "Changes: {added} added, {changed} revised, {removed} removed, {same} unchanged.",
                added=len(report.added),
                changed=len(report.changed),
                removed=len(report.removed),
                same=report.unchanged,
            )
        )
        for label, codes in (
            (t._("Added:"), report.added),
            (t._("Revised:"), report.changed),
            (t._("Removed:"), report.removed),
        ):
            if codes:
                lines.append(f"  {label} {_listed(codes)}")
    for warning in plan.warnings:
        lines.append("⚠ " + (warning.localize(t) if isinstance(warning, PlanWarning) else warning))
    return "\n".join(lines)


def describe_question(question: Question, unit_names: Mapping[int, str], t: Translator) -> str:
    """One unit name waiting for a place: how many tasks it carries and what it may be."""
    text = t.ngettext(
        "“{name}” ({n} task)", "“{name}” ({n} tasks)", question.tasks, name=question.name
    )
    others = [s for s in question.spellings if s != question.name]
    if others:
        text += " — " + t._("also written: {names}", names=_listed(others))
    candidates = [unit_names[i] for i in question.candidates if i in unit_names]
    if question.status == "suggested" and candidates:
        text += " — " + t._("only partly matches “{unit}”", unit=candidates[0])
    elif candidates:
        text += " — " + t._("could be: {units}", units=_listed(candidates))
    return text


def render_questions(
    questions: list[Question], unit_names: Mapping[int, str], t: Translator
) -> str:
    """The names the import needs a place for before it stores anything."""
    lines = [
        t.ngettext(
            "{n} unit name needs a place before the import:",
            "{n} unit names need a place before the import:",
            len(questions),
        )
    ]
    lines += [f"  • {describe_question(q, unit_names, t)}" for q in questions]
    return "\n".join(lines)
