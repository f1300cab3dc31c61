"""The report's chart: tasks by PAPI dimension and state, feedback received and answered.

Drawn with matplotlib's Agg canvas on a bare ``Figure`` (no pyplot, so no global figure
registry and nothing to leak), in DejaVu Sans, which matplotlib bundles and which has every
Vietnamese letter.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Final

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.i18n import Translator
from bot.reports.labels import (
    STATE_GROUPS,
    Figures,
    dimension_groups,
    dimension_heading,
    period_label,
)
from bot.reports.model import FeedbackFigures, TaskFigures
from bot.safetext import displayable

FONT: Final = "DejaVu Sans"
DPI: Final = 100
WIDTH_IN: Final = 10.0
COLORS: Final = ("#2e7d32", "#f9a825", "#c62828", "#90caf9", "#bdbdbd")
RECEIVED_COLOR: Final = "#1565c0"
ANSWERED_COLOR: Final = "#66bb6a"
LABEL_WIDTH: Final = 34


@contextmanager
def chart_style() -> Iterator[None]:
    """Draw in DejaVu Sans at readable sizes, without touching the global settings."""
    with mpl.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT],
            "font.size": 10,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            # Names and texts are words, never TeX: a "$" in them must not start math.
            "text.parse_math": False,
        }
    ):
        yield


def _no_data(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#616161")
    ax.set_xticks([])
    ax.set_yticks([])


def _tasks_panel(ax: Axes, tasks: TaskFigures, t: Translator) -> None:
    ax.set_title(t._("Tasks by PAPI dimension and state"), loc="left")
    groups = [g for g in dimension_groups(tasks) if g.total]
    if not groups:
        _no_data(ax, t._("No tasks in this period."))
        return
    names = [
        textwrap.fill(displayable(dimension_heading(g.code, g.name, t)), LABEL_WIDTH, max_lines=3)
        for g in groups
    ]
    positions = list(range(len(groups)))
    left = [0] * len(groups)
    for (label, states), color in zip(STATE_GROUPS, COLORS, strict=True):
        widths = [sum(g.counts.of(s) for s in states) for g in groups]
        ax.barh(positions, widths, left=left, color=color, label=t._(label), height=0.6)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, total in zip(positions, left, strict=True):
        ax.text(total, y, f" {t.number(total)}", va="center", fontsize=9)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left) * 1.12 + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t._("Number of tasks"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2, frameon=False)


def _month(value: str, t: Translator) -> str:
    try:
        return t.date(date.fromisoformat(f"{value}-01"), "MM/y")
    except ValueError:
        return value


def _feedback_panel(ax: Axes, feedback: FeedbackFigures, t: Translator) -> None:
    ax.set_title(t._("Citizens' feedback received and answered, by month"), loc="left")
    months = feedback.by_month
    if not months:
        _no_data(ax, t._("No feedback received in this period."))
        return
    x = list(range(len(months)))
    width = 0.38
    received = [m.received for m in months]
    answered = [m.answered for m in months]
    ax.bar([i - width / 2 for i in x], received, width, color=RECEIVED_COLOR, label=t._("Received"))
    ax.bar([i + width / 2 for i in x], answered, width, color=ANSWERED_COLOR, label=t._("Answered"))
    ax.set_xticks(x, [_month(m.month, t) for m in months])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([*received, *answered, 1]) * 1.15)
    ax.set_ylabel(t._("Number of cases"))
    ax.legend(loc="upper right", frameon=False)


def render_chart(figures: Figures, t: Translator) -> bytes:
    """One PNG with two panels: tasks by dimension and state; feedback by month."""
    tasks = figures.tasks
    feedback = figures.feedback
    bars = sum(1 for g in dimension_groups(tasks) if g.total)
    tasks_height = max(2.2, 0.55 * bars + 1.6)
    with chart_style():
        fig = Figure(figsize=(WIDTH_IN, tasks_height + 3.4), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        try:
            top, bottom = fig.subplots(2, 1, height_ratios=[tasks_height, 3.0])
            _tasks_panel(top, tasks, t)
            _feedback_panel(bottom, feedback, t)
            organization = figures.organization.name
            fig.suptitle(
                displayable(
                    t._(
                        "{organization} — {period}",
                        organization=organization,
                        period=period_label(figures, t),
                    )
                ),
                fontweight="bold",
                fontsize=13,
            )
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=DPI)
        finally:
            fig.clear()
    return buffer.getvalue()
