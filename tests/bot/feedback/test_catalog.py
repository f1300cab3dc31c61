"""The kinds and topics a citizen picks from, and the tracking codes they write down."""

from __future__ import annotations

import pytest

from bot.feedback.catalog import (
    KINDS,
    TOPICS,
    format_code,
    kind_label,
    normalize_code,
    topic_label,
)
from bot.feedback.deadlines import rules
from bot.i18n import Translator
from bot.legal_deadlines import KINDS as LEGAL_KINDS
from db.models import CaseKind
from db.names import unit_key

EN = Translator("en")
VI = Translator("vi")


def test_every_kind_the_law_names_is_offered_once() -> None:
    assert set(KINDS) == set(CaseKind)
    assert {k.value for k in KINDS} == set(LEGAL_KINDS)
    assert all(info.kind == kind for kind, info in KINDS.items())
    prefixes = [info.prefix for info in KINDS.values()]
    assert len(set(prefixes)) == len(prefixes)
    assert all(len(p) == 2 and p.isascii() and p.isupper() for p in prefixes)


def test_identity_rules_follow_the_legal_rules_file() -> None:
    table = rules()
    for kind, info in KINDS.items():
        legal = table.kind(kind.value)
        assert info.identity_required == legal.identity_required, kind
        assert info.confidential == legal.identity_confidential, kind
    required = {k for k, info in KINDS.items() if info.identity_required}
    assert required == {CaseKind.COMPLAINT, CaseKind.DENUNCIATION}
    assert {k for k, info in KINDS.items() if info.confidential} == {CaseKind.DENUNCIATION}


def test_kind_labels_name_the_vietnamese_term_in_both_languages() -> None:
    assert kind_label(CaseKind.COMPLAINT, EN) == "Complaint (khiếu nại)"
    assert kind_label(CaseKind.DENUNCIATION, EN) == "Denunciation (tố cáo)"
    for kind in CaseKind:
        assert kind_label(kind, VI), kind
        assert kind_label(kind, EN) != "", kind


def test_topics_feed_papi_dimensions_and_find_units_by_folded_words() -> None:
    assert "other" in TOPICS
    for key, topic in TOPICS.items():
        assert topic.key == key
        assert topic.dimension in {f"D{n}" for n in range(1, 9)}
        assert topic.unit_words, key
        for word in topic.unit_words:
            # The words are compared with unit keys, so they must be keys themselves.
            assert unit_key(word) == word, word
    assert any(w in unit_key("Địa chính - Xây dựng") for w in TOPICS["land"].unit_words)
    assert any(w in unit_key("Văn phòng - Thống kê") for w in TOPICS["other"].unit_words)


def test_topic_labels() -> None:
    assert topic_label("land", EN) == "Land"
    assert topic_label("infrastructure", EN) == "Roads, water, power"
    assert topic_label("no-such-topic", EN) == "no-such-topic"


@pytest.mark.parametrize(
    ("prefix", "year", "number", "code"),
    [
        ("PA", 2026, 42, "PA-2026-00042"),
        ("TC", 2025, 1, "TC-2025-00001"),
        ("KH", 2030, 99999, "KH-2030-99999"),
    ],
)
def test_codes_are_formatted_with_fixed_widths(
    prefix: str, year: int, number: int, code: str
) -> None:
    assert format_code(prefix, year, number) == code
    assert normalize_code(code) == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("pa-2026-00042", "PA-2026-00042"),
        ("  Pa-2026-00042\n", "PA-2026-00042"),
        ("tc-2025-00001 ", "TC-2025-00001"),
        ("\u00a0PA-2026-00042\u00a0", "PA-2026-00042"),  # copied with no-break spaces
    ],
)
def test_typed_codes_are_normalized(typed: str, code: str) -> None:
    assert normalize_code(typed) == code


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "PA-2026-42",
        "PA2026-00042",
        "PA-26-00042",
        "PAX-2026-00042",
        "PA-2026-00004211",
        "PA 2026 00042",
        "PA-2026-00042 extra",
        "ĐA-2026-00042",
        "PA-２０２６-０００４２",  # full-width digits are not a code
        "PA-٢٠٢٦-00042",  # nor are Arabic-Indic ones
        "/track PA-2026-00042",
    ],
)
def test_what_is_not_a_code(typed: str) -> None:
    assert normalize_code(typed) is None


def test_codes_grow_past_five_digits() -> None:
    assert format_code("PA", 2026, 123456) == "PA-2026-123456"
    assert normalize_code("pa-2026-123456") == "PA-2026-123456"
