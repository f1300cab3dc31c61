"""The kinds and topics a citizen chooses from, with what each means for the commune."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.i18n import N_, Translator
from db.models import CaseKind


@dataclass(frozen=True, slots=True)
class KindInfo:
    """How a kind of feedback is shown and coded."""

    kind: CaseKind
    prefix: str
    label: str
    explanation: str
    identity_required: bool
    confidential: bool


KINDS: Final = {
    k.kind: k
    for k in (
        KindInfo(
            CaseKind.SUGGESTION,
            "GY",
            N_("Suggestion (góp ý)"),
            N_("An idea or opinion on how the commune works."),
            False,
            False,
        ),
        KindInfo(
            CaseKind.REFLECTION,
            "PA",
            N_("Report a problem (phản ánh)"),
            N_("Tell the commune about a problem: a broken road, pollution, a rude official."),
            False,
            False,
        ),
        KindInfo(
            CaseKind.PETITION,
            "KN",
            N_("Request (kiến nghị)"),
            N_("Ask the commune to do or change something."),
            False,
            False,
        ),
        KindInfo(
            CaseKind.COMPLAINT,
            "KH",
            N_("Complaint (khiếu nại)"),
            N_("Contest a decision or act of the commune that affects you."),
            True,
            False,
        ),
        KindInfo(
            CaseKind.DENUNCIATION,
            "TC",
            N_("Denunciation (tố cáo)"),
            N_("Report a law broken by an official or body; your identity is kept secret."),
            True,
            True,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Topic:
    """A subject area, the PAPI dimension it feeds, and words that find the usual unit."""

    key: str
    label: str
    dimension: str
    unit_words: tuple[str, ...]


TOPICS: Final = {
    t.key: t
    for t in (
        Topic("land", N_("Land"), "D2", ("dia chinh",)),
        Topic("environment", N_("Environment"), "D7", ("moi truong", "dia chinh")),
        Topic("procedures", N_("Administrative procedures"), "D5", ("mot cua", "van phong")),
        Topic("health", N_("Health"), "D6", ("y te", "van hoa")),
        Topic("education", N_("Education"), "D6", ("giao duc", "van hoa")),
        Topic("security", N_("Security and order"), "D6", ("cong an", "quan su")),
        Topic("infrastructure", N_("Roads, water, power"), "D6", ("xay dung", "dia chinh")),
        Topic("conduct", N_("Officials' conduct"), "D4", ("van phong", "noi vu")),
        Topic("other", N_("Other"), "D3", ("van phong",)),
    )
}

# Five digits at least; a province-wide deployment can pass 99,999 cases of a kind a year.
CODE_PATTERN: Final = re.compile(r"^\s*([A-Za-z]{2})-([0-9]{4})-([0-9]{5,7})\s*$")


def format_code(prefix: str, year: int, number: int) -> str:
    """The tracking code a citizen writes down: ``PA-2026-00042``."""
    return f"{prefix}-{year:04d}-{number:05d}"


def normalize_code(text: str) -> str | None:
    """A typed code in canonical form, or ``None`` if it is not one."""
    match = CODE_PATTERN.match(text)
    if match is None:
        return None
    return f"{match.group(1).upper()}-{match.group(2)}-{match.group(3)}"


def kind_label(kind: CaseKind, t: Translator) -> str:
    """The kind's name for people."""
    return t._(KINDS[kind].label)


def topic_label(key: str, t: Translator) -> str:
    """The topic's name for people."""
    topic = TOPICS.get(key)
    return t._(topic.label) if topic else key
