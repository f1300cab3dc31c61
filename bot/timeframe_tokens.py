"""Folding and the token table of time-frame phrases (private to ``bot.timeframes``).

A clause is folded once (lower case, no diacritics, ``đ`` -> ``d``, single spaces), then
``tokens`` cuts it into tokens: each match's ``lastgroup`` names the alternative that matched
(a quarter, a month, a date, "hàng quý", "kể từ", …). Every alternative is bounded or
possessive, so scanning stays linear even on 100 KB of garbage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Final

# --- folding ---------------------------------------------------------------------------------

_FOLD: Final[dict[int, str | None]] = dict.fromkeys(range(0x300, 0x370))  # combining marks
_FOLD.update(dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xAD)))  # invisible
_FOLD.update(dict.fromkeys((0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212), "-"))
_FOLD.update({ord("đ"): "d", ord("ð"): "d", 0x2044: "/", 0x2215: "/"})


def _slow_fold(text: str) -> str:
    """``fold`` for any text: decompose, lower-case, drop marks, collapse spaces."""
    return " ".join(unicodedata.normalize("NFKD", text).lower().translate(_FOLD).split())


def _folds_alone(char: str) -> bool:
    """Whether ``char`` folds the same wherever it stands, so a table can fold it.

    Decomposition reorders combining marks, which is harmless only when every mark it yields
    is one that folding drops; lower-casing is per character except for the Greek capital
    sigma and characters that lower to several.
    """
    decomposed = unicodedata.normalize("NFKD", char)
    return len(char.lower()) == 1 and all(
        (unicodedata.combining(c) == 0 or ord(c) in _FOLD) and c not in "\u03a3\u03c3\u03c2"
        for c in decomposed
    )


# ASCII, the Latin blocks (every Vietnamese letter, precomposed or not), combining marks and
# general punctuation: the characters of real plans, folded by one ``str.translate``.
_TABLE_BLOCKS: Final = (range(0x0, 0x250), range(0x300, 0x370), range(0x1E00, 0x2070))
_TABLE: Final[dict[int, str | None]] = {
    code: unicodedata.normalize("NFKD", char).lower().translate(_FOLD)
    for block in _TABLE_BLOCKS
    for code in block
    if _folds_alone(char := chr(code))
}


def _char_class(codes: Iterable[int]) -> str:
    """A regular-expression class of ``codes``, written as ranges."""
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges
    )


_OUTSIDE_TABLE: Final = re.compile(f"[^{_char_class(_TABLE)}]")


def fold(text: str) -> str:
    """Lower-case ``text``, drop its diacritics (``đ`` -> ``d``) and collapse its spaces."""
    if _OUTSIDE_TABLE.search(text) is None:
        return " ".join(text.translate(_TABLE).split())
    return _slow_fold(text)


# --- tokens ----------------------------------------------------------------------------------

_DIGITS = "0123456789"
_ROMAN = r"(?:iv|i{1,3}|[1-4])(?![a-z0-9])"
_YEAR = r"(?:19|20)\d{2}"
_POS = r"(?:dau|giua|cuoi)"
_WD = r"(?:[2-7]|hai|ba|tu|nam|sau|bay)"


def _tail(name: str) -> str:
    """An optional year after a month or quarter: "/2024", "-2024", " năm 2024"."""
    return rf"(?:\s*(?:/|-|\.|nam)?\s*(?P<{name}>{_YEAR}))?(?!\d)"


# (name, the characters it can start with, pattern). Order matters where two alternatives can
# start at the same place: the longer reading first.
_ALTERNATIVES: Final = (
    # a document number ("số 710/QĐ-UBND ngày 17/4/2024", "13/2018/NĐ-CP"): not a deadline
    # (possessive, and never started inside a run of "1/2/3…", so it stays linear)
    (
        "doc",
        _DIGITS + "s",
        r"(?<![/-])(?:so\s*)?\d++(?:[/-]\d++)*+[/-][a-z][\w-]*+(?:/[\w-]++)*+"
        r"(?:\s*ngay\s*\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4})?",
    ),
    (
        "date_text",
        "n",
        rf"ngay\s*(?P<dt_d>\d{{1,2}})\s*thang\s*(?P<dt_m>\d{{1,2}})"
        rf"(?:\s*(?:nam\s*)?(?P<dt_y>{_YEAR}))?(?!\d)",
    ),
    (
        "date",
        _DIGITS + "n",
        r"(?:ngay\s*)?(?P<d_d>\d{1,2})\s*[/.-]\s*(?P<d_m>\d{1,2})\s*[/.-]\s*"
        r"(?P<d_y>\d{4}|\d{2})(?!\d)",
    ),
    (
        "month",
        "dgct",
        rf"(?:(?P<m_pos>{_POS})\s+)?thang\s*(?P<m_ns>\d{{1,2}}(?:\s*(?:,|va|-|den|toi)\s*"
        r"(?:thang\s*)?\d{1,2}(?![\d/]))*)" + _tail("m_y"),
    ),
    (
        "monthyear",
        _DIGITS + "t",
        rf"(?:t\s*)?(?P<my_m>\d{{1,2}})\s*[/.-]\s*(?P<my_y>{_YEAR})(?!\d)",
    ),
    ("daymonth", _DIGITS + "n", r"(?:ngay\s*)?(?P<dm_d>\d{1,2})\s*/\s*(?P<dm_m>\d{1,2})(?![\d/])"),
    (
        "firstmonths",
        _DIGITS + "t",
        rf"(?:trong\s+)?(?P<fm_n>\d{{1,2}})\s*thang\s*(?P<fm_pos>dau|cuoi)\s*"
        rf"(?:cua\s+)?nam(?:\s*(?P<fm_y>{_YEAR}))?(?!\d)",
    ),
    (
        "times",
        _DIGITS,
        r"(?P<tm_n>\d{1,2})\s*(?:dot|lan|ky)\s*(?:/|trong|moi|tren)?\s*(?:1\s+|mot\s+)?"
        r"(?P<tm_u>tuan|thang|qu[yi]|nam)(?![a-z])",
    ),
    (
        "nmonths",
        _DIGITS + "tsckdmh",
        r"(?:(?P<nm_dur>trong(?:\s+vong|\s+thoi\s+han)?|sau|cham\s+nhat|toi\s+da|"
        r"khong\s+qua)\s+|(?P<nm_every>(?:dinh\s+ky\s*)?(?:moi|hang)|dinh\s+ky)\s+)?"
        r"(?P<nm_n>\d{1,2})\s*thang(?![a-z])(?P<nm_lan>\s*(?:/|mot|1)\s*lan)?"
        r"(?P<nm_nam>\s*(?:,|va)\s*(?:ca\s+)?nam(?![a-z])(?!\s*\d))?",
    ),
    (
        "qmonth",
        "t",
        r"thang\s+(?P<qm_pos>dau|giua|cuoi|thu\s*(?:nhat|hai|ba|[1-3]))\s+(?:cua\s+)?"
        rf"(?:moi\s+|hang\s+|cac\s+)?qu[yi](?:\s*(?P<qm_q>{_ROMAN})"
        + _tail("qm_y")
        + r")?(?![a-z0-9])",
    ),
    (
        "quarter",
        "dgcq",
        rf"(?:(?P<q_pos>{_POS})\s+)?(?:qu[yi]\s*(?P<q_ns>{_ROMAN}(?:\s*(?:,|va|-|den|toi)"
        rf"\s*(?:qu[yi]\s*)?{_ROMAN})*)|q\.?\s*(?P<q_n>[1-4])(?![a-z0-9]))" + _tail("q_y"),
    ),
    (
        "every",
        "dhm",
        r"(?:(?:dinh\s+ky\s+)?(?:hang|moi)\s*|dinh\s+ky\s+(?:theo\s+)?)"
        r"(?P<ev_u>tuan|thang|qu[yi]|nam)(?![a-z0-9])",
    ),
    (
        "onward",
        "cntv",
        r"(?:(?:cac|nhung)\s+nam\s+(?:tiep\s+theo|ke\s+tiep|sau(?:\s+do)?|ve\s+sau)|"
        r"tro\s+di|ve\s+sau)(?![a-z])",
    ),
    (
        "yrange",
        _DIGITS + "gtn",
        rf"(?:(?:giai\s+doan|tu\s+nam|tu|nam)\s*)?(?P<yr_a>{_YEAR})\s*(?:-|den|toi|~)\s*"
        rf"(?:nam\s*)?(?P<yr_b>{_YEAR})(?!\d)",
    ),
    ("from_year", "bt", rf"(?:bat\s+dau\s+)?tu\s+(?:nam\s*)?(?P<fy>{_YEAR})(?!\d)"),
    ("until_year", "d", rf"den\s+(?:het\s+)?(?:nam\s*)?(?P<uy>{_YEAR})(?!\d)"),
    ("year", _DIGITS + "dgcn", rf"(?:(?P<y_pos>{_POS})\s+)?(?:nam\s*)?(?P<y_y>{_YEAR})(?![\d/])"),
    (
        "civil",
        "dgc",
        rf"(?P<cv_pos>{_POS})\s+(?:(?P<cv_every>moi|hang|cac)\s+)?"
        r"(?P<cv_u>thang|nam|qu[yi]|tuan)(?![a-z0-9])",
    ),
    (
        "wd_range",
        "t",
        rf"thu\s*(?P<wr_a>{_WD})\s*(?:-|den|toi)\s*(?:thu\s*)?"
        rf"(?P<wr_b>{_WD}|cn|chu\s*nhat)(?![a-z0-9])",
    ),
    ("weekday", "tc", rf"(?:thu\s*(?P<wd>{_WD})|(?P<wd_cn>chu\s*nhat))(?![a-z0-9])"),
    ("ndays", _DIGITS, r"(?P<nd_n>\d{1,3})\s*ngay(?P<nd_w>\s*\(?\s*lam\s*viec\s*\)?)?(?![a-z])"),
    ("nweeks", _DIGITS, r"(?P<nw_n>\d{1,2})\s*tuan(?![a-z])"),
    ("immediate", "n", r"ngay\s+(?:sau\s+)?khi(?![a-z])|ngay\s+lap\s+tuc|ngay\s+sau\s+do"),
    ("dom", "n", r"ngay\s*(?P<dom_d>\d{1,2})(?!\d)(?!\s*[/.-]\s*\d)"),
    (
        "event",
        "ktsdpc",
        r"(?:(?P<ev_since>ke\s+tu|tinh\s+tu)|sau\s+khi|truoc\s+khi|khi|dot\s+xuat|"
        r"phat\s+sinh|(?:theo|co)\s+yeu\s+cau)(?![a-z])",
    ),
    ("before", "t", r"truoc(?![a-z])(?!\s*(?:het|tien|mat|day|do)(?![a-z]))"),
    (
        "ongoing",
        "tlhmsc",
        r"(?:thuong\s*xuyen|lien\s*tuc|lau\s*dai|(?:hang|moi)\s*ngay|"
        r"suot\s+(?:ca\s+)?nam|ca\s+nam)(?![a-z])",
    ),
)


def _pattern(alternatives: Iterable[tuple[str, str, str]]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<{name}>{rx})" for name, _, rx in alternatives))


# One pattern per first character, with only the alternatives that can start with it (in the
# same order): trying 26 alternatives at every word is what made one big pattern slow.
_BY_FIRST_CHAR: Final = {
    char: _pattern(alt for alt in _ALTERNATIVES if char in alt[1])
    for char in {char for _, chars, _ in _ALTERNATIVES for char in chars}
}
_WORD_START: Final = re.compile(r"(?<![a-z0-9])[a-z0-9]")


def tokens(folded: str) -> Iterator[re.Match[str]]:
    """The tokens of a folded clause, left to right; ``lastgroup`` names each one's kind.

    Tokens start at the beginning of a word (or number) only, never inside one.
    """
    end = 0
    for word in _WORD_START.finditer(folded):
        start = word.start()
        if start < end:
            continue
        pattern = _BY_FIRST_CHAR.get(folded[start])
        match = pattern.match(folded, start) if pattern is not None else None
        if match is not None:
            end = match.end()
            yield match


# one number of a list such as "II, III" or "5, 6" (not the "i" of "quí")
LIST_ITEM: Final = re.compile(r"(?<![a-z])(?:iv|i{1,3})(?![a-z])|\d{1,2}")
