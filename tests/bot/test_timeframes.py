"""Reading plan time-frame phrases: the labelled data, the reference table, generalization."""

from __future__ import annotations

import gc
import random
import re
import string
import time
import unicodedata
from collections.abc import Callable
from datetime import date

import pytest

from bot import timeframe_tokens
from bot.errors import BotError
from bot.i18n import Translator
from bot.timeframe_rules import read_clause
from bot.timeframes import (
    MAX_PHRASE_CHARS,
    Milestone,
    Recurrence,
    Timeframe,
    TimeframeError,
    fold,
    parse_timeframe,
)
from tests.bot.timeframe_cases import GENERAL, REFERENCE, Case, find_tsv, labelled_rows

KINDS = {"once", "recurring", "ongoing", "event", "unspecified"}
EN, VI = Translator("en"), Translator("vi")


def _check(case: Case, text: str | None = None) -> Timeframe:
    phrase = case.text if text is None else text
    tf = parse_timeframe(phrase, case.plan_year)
    label = f"{phrase!r} read as {tf}"
    assert tf.text == phrase
    assert tf.kind in case.kinds, label
    if case.due_dates is not None:
        assert tf.due_dates(case.start, case.end) == case.due_dates, label
    assert tf.offset_days == case.offset, label
    assert tf.offset_working_days == case.working, label
    if case.milestones is not None:
        assert len(tf.milestones) == case.milestones, label
    return tf


# --- the labelled data file -----------------------------------------------------------------------
ROWS = labelled_rows()


@pytest.mark.parametrize(
    "row",
    ROWS
    or [
        pytest.param(
            Case("", "unspecified"),
            marks=pytest.mark.skip(reason="shared/data/timeframes.tsv not found"),
        )
    ],
    ids=lambda row: f"L{row.line}:{row.text[:40]}",
)
def test_labelled_phrase(row: Case) -> None:
    _check(row)


def test_the_data_file_is_read_whole() -> None:
    if find_tsv() is None:
        pytest.skip("shared/data/timeframes.tsv not found")
    assert len(ROWS) >= 45
    assert {kind for row in ROWS for kind in row.kinds} == KINDS


# --- the reference table and beyond ---------------------------------------------------------------
@pytest.mark.parametrize("case", REFERENCE, ids=lambda c: c.text[:50])
def test_reference_table(case: Case) -> None:
    _check(case)


@pytest.mark.parametrize("case", GENERAL, ids=lambda c: c.text[:50].replace("\n", "⏎"))
def test_generalization(case: Case) -> None:
    _check(case)


def _without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _messy(text: str) -> str:
    return "  " + text.replace(" ", " \n ", 1).replace(" ", "  ").replace(",", " ,") + "\t "


VARIANTS: dict[str, Callable[[str], str]] = {
    "no-diacritics": _without_marks,
    "upper": str.upper,
    "lower-no-diacritics": lambda text: _without_marks(text).lower(),
    "messy-spaces": _messy,
    "nfd": lambda text: unicodedata.normalize("NFD", text),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("case", [*REFERENCE, *GENERAL], ids=lambda c: c.text[:40])
def test_variants_read_the_same(case: Case, variant: str) -> None:
    _check(case, VARIANTS[variant](case.text))


def test_first_character_dispatch_reads_like_one_big_pattern() -> None:
    """``tokens`` tries only the alternatives declared for a word's first character."""
    every = re.compile(
        r"(?<![a-z0-9])(?:"
        + "|".join(f"(?P<{name}>{rx})" for name, _, rx in timeframe_tokens._ALTERNATIVES)
        + ")"
    )
    rng = random.Random(5)
    texts = [case.text for case in (*ROWS, *REFERENCE, *GENERAL)]
    texts += [_garbage(rng) for _ in range(3000)]
    for text in map(fold, texts):
        expected = [(m.lastgroup, m.span()) for m in every.finditer(text)]
        assert [(m.lastgroup, m.span()) for m in timeframe_tokens.tokens(text)] == expected, text


def test_fold() -> None:
    assert fold("  Quý IV/2024\n  Đồng   Hới ") == "quy iv/2024 dong hoi"
    assert fold("HẰNG THÁNG") == fold("hàng tháng") == "hang thang"
    assert fold("Quý Ⅳ") == "quy iv"  # compatibility forms fold too
    assert fold("1\u00a0–\u200b2") == "1 -2"


def test_the_fold_table_folds_like_the_full_rules() -> None:
    rng = random.Random(5)
    blocks = [(0, 0x250), (0x300, 0x370), (0x370, 0x400), (0x1E00, 0x2070), (0x2070, 0x10000)]
    for _ in range(3000):
        text = "".join(chr(rng.randrange(*rng.choice(blocks))) for _ in range(rng.randrange(0, 12)))
        assert fold(text) == timeframe_tokens._slow_fold(text), ascii(text)
    for text in ("ΣΑΣ quý", "İ Quý Ⅳ", "Ǆ ¨x", "ậ", "ậ᷀"):
        assert fold(text) == timeframe_tokens._slow_fold(text), ascii(text)


def test_spellings_of_one_phrase_share_one_reading_and_keep_their_text() -> None:
    from bot.timeframe_rules import read_folded

    read_folded.cache_clear()
    spellings = ["Quý IV/2024", "QUY  IV/2024", "quý\niv/2024 ", "Quy Iv /2024"]
    read = [parse_timeframe(text, 2024) for text in spellings]
    assert read_folded.cache_info().misses == 2  # "quy iv/2024" and "quy iv /2024"
    assert [tf.text for tf in read] == spellings
    assert [m.text for tf in read for m in tf.milestones] == [s.strip() for s in spellings]
    assert {m.on for tf in read for m in tf.milestones} == {date(2024, 12, 31)}


# --- the model ------------------------------------------------------------------------------------
def test_clauses_keep_their_own_text() -> None:
    tf = parse_timeframe("Ban hành Kế hoạch trong quý III/2024;  kết luận trong quý IV/2024 ", 2024)
    assert [m.text for m in tf.milestones] == [
        "Ban hành Kế hoạch trong quý III/2024",
        "kết luận trong quý IV/2024",
    ]
    assert [m.on for m in tf.milestones] == [date(2024, 9, 30), date(2024, 12, 31)]


def test_clauses_that_say_nothing_are_dropped_when_others_do() -> None:
    tf = parse_timeframe("Ban hành kế hoạch trong quý III/2024; triển khai theo Kế hoạch", 2024)
    assert [m.kind for m in tf.milestones] == ["once"]
    unread = parse_timeframe("Theo quy định; theo kế hoạch", 2024)
    assert unread.kind == "unspecified"
    assert unread.milestones == (Milestone("unspecified", "Theo quy định; theo kế hoạch"),)


def test_a_recurrence_is_a_value() -> None:
    tf = parse_timeframe("Quý I hàng năm (2021-2025)", 2021)
    (milestone,) = tf.milestones
    assert milestone.recurrence == Recurrence("year", ((3, 31),))
    assert (milestone.first_year, milestone.last_year) == (2021, 2025)
    weekly = parse_timeframe("thứ 3, thứ 5 hàng tuần", 2024).milestones[0].recurrence
    assert weekly == Recurrence("week", ((0, 1), (0, 3)))


def test_due_dates_window_edges() -> None:
    tf = parse_timeframe("Hằng quý", 2024)
    assert tf.due_dates(date(2024, 6, 30), date(2024, 6, 30)) == [date(2024, 6, 30)]
    assert tf.due_dates(date(2024, 7, 1), date(2024, 9, 29)) == []
    assert tf.due_dates(date(2024, 12, 31), date(2024, 1, 1)) == []
    weekly = parse_timeframe("Chủ nhật hàng tuần", 2024)
    assert weekly.due_dates(date(2024, 5, 5), date(2024, 5, 5)) == [date(2024, 5, 5)]
    assert weekly.due_dates(date(2024, 5, 6), date(2024, 5, 11)) == []


def test_events_expose_their_offset_only() -> None:
    tf = parse_timeframe("Chậm nhất 07 ngày làm việc kể từ ngày nhận được văn bản", 2024)
    assert (tf.kind, tf.offset_days, tf.offset_working_days) == ("event", 7, True)
    assert tf.due_dates(date(2000, 1, 1), date(2100, 1, 1)) == []
    once = parse_timeframe("Quý IV/2024", 2024)
    assert (once.offset_days, once.offset_working_days) == (None, False)


def test_plan_year_out_of_range_is_refused() -> None:
    with pytest.raises(TimeframeError) as caught:
        parse_timeframe("Quý IV", 0)
    assert isinstance(caught.value, BotError)
    assert isinstance(caught.value, ValueError)


def test_the_cache_is_bounded() -> None:
    from bot.timeframes import _parse

    assert _parse.cache_info().maxsize is not None
    assert parse_timeframe("Quý IV/2024", 2024) is parse_timeframe("Quý IV/2024", 2024)


# --- describe() -----------------------------------------------------------------------------------
DESCRIBED = [
    ("Quý IV/2024", "Once, due Dec 31, 2024"),
    ("Hằng quý", "Every quarter, on the quarter's last day"),
    ("Hằng tháng", "Every month, on the month's last day"),
    ("Ngày 15 hàng tháng", "Every month, on day 15"),
    ("2 lần/tháng", "Every month, on day 15 and on the month's last day"),
    ("Ngày 20 tháng cuối quý", "Every quarter, on 20 March, 20 June, 20 September, 20 December"),
    ("Hàng năm", "Every year, on 31 December"),
    ("Quý I hàng năm (2021-2025)", "Every year, on 31 March, from 2021 to 2025"),
    ("Năm 2024 và các năm tiếp theo", "Every year, on 31 December, from 2024 on"),
    ("Hàng năm, đến năm 2025", "Every year, on 31 December, until 2025"),
    ("Kiểm tra ít nhất 02 đợt trong năm 2021", "Every year, on 30 June, 31 December, in 2021"),
    ("thứ 3, thứ 5 hàng tuần", "Every week, on Tuesday, Thursday"),
    ("Thường xuyên", "Ongoing: no due date"),
    ("Thường xuyên (2021-2025)", "Ongoing from 2021 to 2025: no due date"),
    ("Thường xuyên trong năm 2024", "Ongoing in 2024: no due date"),
    ("Từ năm 2024", "Ongoing from 2024 on: no due date"),
    ("Khi có văn bản chỉ đạo của cấp trên", "When the event happens"),
    ("Ngay sau khi Kế hoạch được ban hành", "Right after the event happens"),
    ("Chậm nhất 1 ngày kể từ khi nhận đơn", "When the event happens, then within 1 day"),
    ("Chậm nhất 07 ngày kể từ ngày nhận", "When the event happens, then within 7 days"),
    (
        "chậm nhất 15 ngày làm việc kể từ ngày nhận",
        "When the event happens, then within 15 working days",
    ),
    ("Theo quy định", "No date yet: the admin must set one"),
    (
        "Ban hành kế hoạch trong quý III/2024; kết luận kiểm tra trong quý IV/2024",
        "Once, due Sep 30, 2024; Once, due Dec 31, 2024",
    ),
]


@pytest.mark.parametrize(("phrase", "english"), DESCRIBED, ids=[p for p, _ in DESCRIBED])
def test_describe_in_english(phrase: str, english: str) -> None:
    assert parse_timeframe(phrase, 2024).describe(EN) == english


@pytest.mark.parametrize(("phrase", "english"), DESCRIBED, ids=[p for p, _ in DESCRIBED])
def test_describe_in_vietnamese(phrase: str, english: str) -> None:
    """Whether or not the catalog has the translation yet, the facts must be there."""
    text = parse_timeframe(phrase, 2024).describe(VI)
    assert text.strip()
    assert "{" not in text
    for number in ("2021", "2025", "15", "20"):
        if number in english:
            assert number in text


def test_describe_formats_dates_for_the_reader() -> None:
    tf = parse_timeframe("Trước ngày 30/9/2024", 2024)
    assert "29/09/2024" in tf.describe(VI)
    assert EN.date(date(2024, 9, 29)) in tf.describe(EN)
    weekly = parse_timeframe("Thứ 2 hàng tuần", 2024).describe(VI)
    assert VI.date(date(2024, 1, 1), "EEEE") in weekly
    yearly = parse_timeframe("Tháng 6 hàng năm", 2024).describe(VI)
    assert VI.date(date(2000, 6, 30), "d MMMM") in yearly


# --- never an exception ---------------------------------------------------------------------------
_VOCABULARY = (
    "quý",
    "Quý",
    "quí",
    "IV",
    "I",
    "II",
    "III",
    "4",
    "/",
    "-",
    "2024",
    "2021-2025",
    "24",
    "tháng",
    "ngày",
    "năm",
    "tuần",
    "trước",
    "chậm nhất",
    "hàng",
    "hằng",
    "mỗi",
    "định kỳ",
    "thứ",
    "2",
    "7",
    "chủ nhật",
    "CN",
    "đến",
    "từ",
    "kể từ",
    "khi",
    "ngay",
    "sau khi",
    "làm việc",
    "(",
    ")",
    ";",
    ",",
    ".",
    "\n- ",
    "đầu",
    "giữa",
    "cuối",
    "lần",
    "đợt",
    "0",
    "00",
    "1",
    "13",
    "31",
    "32",
    "99",
    "999",
    "29/2",
    "31/4/2024",
    "1/1",
    "0/0/0000",
    "30/02/2023",
    "T6",
    "Q4",
    "tháng đầu quý",
    "tháng thứ 3 của quý",
    "các năm tiếp theo",
    "thường xuyên",
    "số",
    "QĐ-UBND",
    "6 tháng đầu năm",
    "06",
    "12",
    "24",
    "lần/năm",
    "đợt/quý",
    "lần/tuần",
    "trong vòng",
    "1900",
    "2999",
    "1899",
    "3000",
    "trở đi",
    "hai",
    "bảy",
    "ba",
    "(làm việc)",
    "đột xuất",
    "vĩnh viễn",
)


def _garbage(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        words = rng.choices(_VOCABULARY, k=rng.randint(1, 12))
        return rng.choice((" ", "", "  ", "\n")).join(words)
    if roll < 0.8:
        return "".join(rng.choices(string.printable, k=rng.randint(0, 80)))
    return "".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(0, 40)))


SPECIAL = (
    "",
    " ",
    "\n\t\r",
    ";;;",
    "; ; ;",
    "!!!???...,,,---///",
    "……",
    "\x00",
    "\ud800",
    "\u0301" * 50,
    "🙂 quý 🙂",
    "‮Quý IV/2024",
    "Quý IV/2024" * 2000,
    "x" * 100_000,
    "1/" * 50_000,
    "".join(random.Random(7).choices(string.printable, k=100_000)),
)


def _assert_sane(text: str, plan_year: int) -> None:
    tf = parse_timeframe(text, plan_year)
    assert tf.text == text
    assert tf.kind in KINDS
    assert tf.milestones
    assert tf.kind in {m.kind for m in tf.milestones}
    due = tf.due_dates(date(plan_year - 1, 1, 1), date(plan_year + 1, 12, 31))
    assert due == sorted(set(due))
    # An offset comes only from an event clause, even when another clause sets the kind.
    if all(m.kind != "event" for m in tf.milestones):
        assert tf.offset_days is None
    elif tf.offset_days is not None:
        assert tf.offset_days >= 0
    assert tf.describe(EN).strip()
    assert tf.describe(VI).strip()


@pytest.mark.parametrize("text", SPECIAL, ids=lambda t: repr(t[:20]) + f"/{len(t)}")
def test_odd_input_is_unspecified_or_read_never_raises(text: str) -> None:
    for year in (1900, 2024, 2999):
        _assert_sane(text, year)


def test_fuzz_never_raises() -> None:
    rng = random.Random(20240601)
    for _ in range(3000):
        _assert_sane(_garbage(rng), rng.choice((1900, 2024, 2999)))


def test_huge_text_is_kept_and_not_read() -> None:
    text = "Quý IV/2024; " * 10_000
    assert len(text) > MAX_PHRASE_CHARS
    tf = parse_timeframe(text, 2024)
    assert (tf.kind, tf.text) == ("unspecified", text)


@pytest.mark.parametrize(
    "text",
    ["1/" * 50_000, "2024-" * 20_000, "quý I, " * 15_000, "ngày " * 20_000, "thứ 2 - " * 12_000],
    ids=["slashes", "dashes", "quarters", "days", "weekdays"],
)
def test_reading_stays_linear_on_100_kb(text: str) -> None:
    # This thread's CPU time with the collector paused: neither a shared machine's load nor a
    # full collection of the whole test session's heap (seconds, late in a run) may fail it,
    # while backtracking on 100 KB would take minutes of CPU, not seconds.
    gc.disable()
    try:
        started = time.thread_time()
        read_clause(text, 2024)
        spent = time.thread_time() - started
    finally:
        gc.enable()
    assert spent < 2.0


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Trong năm học", date(2024, 5, 31)),
        ("trong nam hoc", date(2024, 5, 31)),
        ("Cuối năm học", date(2024, 5, 31)),
        ("Đầu năm học", date(2024, 9, 30)),
        ("Năm học 2023 - 2024", date(2024, 5, 31)),
        ("Trong năm học 2024–2025", date(2025, 5, 31)),
    ],
)
def test_the_school_year_runs_from_september_to_may(text: str, due: date) -> None:
    tf = parse_timeframe(text, 2024)
    assert tf.kind == "once"
    assert tf.due_dates(date(2024, 1, 1), date(2025, 12, 31)) == [due]


@pytest.mark.parametrize(
    ("text", "kind", "offset", "working"),
    [
        (
            "Xây dựng trong tháng 3; công bố chậm nhất 15 ngày kể từ ngày được phê duyệt",
            "once",
            15,
            False,
        ),
        ("Khi có văn bản; chậm nhất 15 ngày kể từ ngày được phê duyệt", "event", 15, False),
        ("Khi có chỉ đạo; trong 05 ngày làm việc sau khi nhận hồ sơ", "event", 5, True),
        ("Quý II/2024", "once", None, False),
    ],
)
def test_a_phrase_keeps_the_offset_of_the_clause_that_has_one(
    text: str, kind: str, offset: int | None, working: bool
) -> None:
    tf = parse_timeframe(text, 2024)
    assert (tf.kind, tf.offset_days, tf.offset_working_days) == (kind, offset, working)
