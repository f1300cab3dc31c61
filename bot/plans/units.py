"""Unit cells: split the several units a cell names, and match names to a unit directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Literal

from bot.plans.normalize import one_line
from db.names import fold, unit_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# Words a unit name starts with ("Phòng Tư pháp", "Hội Phụ nữ", "UBND phường"), folded.
_WORDS: Final = re.compile(r"[a-z0-9]+")
_HEADS: Final = frozenset(
    {
        "phong",
        "ban",
        "so",
        "hoi",
        "hoi dong",
        "doan",
        "cong doan",
        "cong an",
        "to",
        "tram",
        "truong",
        "trung tam",
        "van phong",
        "dang uy",
        "dai",
        "bo phan",
        "thanh tra",
        "chi nhanh",
        "lanh dao",
        "chu tich",
        "pho chu tich",
        "uy ban",
        "ub",
        "ubnd",
        "hdnd",
        "ubmttq",
        "ubmttqvn",
        "mttq",
        "mat tran",
        "tdp",
        "bcd",
        "toa an",
        "vien kiem sat",
        "bao hiem",
        "kho bac",
        "chi cuc",
        "cuc",
        "ngan hang",
        "buu dien",
        "doi",
        "to truong",
        "truong thon",
        "thon",
        "khu pho",
        "hop tac xa",
        "htx",
        "chi bo",
        "dang bo",
        "thuong truc",
        "bi thu",
        "dai bieu",
        "cc",
        "cb",
        "cbcc",
        "cong chuc",
        "can bo",
        "vien chuc",
        "co quan",
        "don vi",
        "doan the",
        "nganh",
        "to chuc",
        "bch",
        "ca",
    }
)
# Heads naming a kind of unit rather than one unit ("cán bộ, công chức", "các cơ quan, đơn vị").
_GENERIC_HEADS: Final = frozenset(
    {
        "co quan",
        "don vi",
        "cong chuc",
        "cc",
        "can bo",
        "cb",
        "cbcc",
        "vien chuc",
        "nganh",
        "doan the",
        "to chuc",
    }
)
# Heads that are generic only in lower case ("Các Sở, ban, ngành" but "Ban Thanh tra").
_LOWER_GENERIC_HEADS: Final = frozenset({"phong", "ban", "so"})
# A list made only of these words is a kind of unit waiting for its qualifier.
_BARE_WORDS: Final = frozenset(
    [
        "cac",
        "co",
        "quan",
        "don",
        "vi",
        "phong",
        "ban",
        "nganh",
        "so",
        "doan",
        "the",
        "can",
        "bo",
        "cong",
        "chuc",
        "vien",
        "cb",
        "cc",
        "cbcc",
        "to",
        "va",
        "lien",
        "thanh",
        "pho",
        "thi",
        "xa",
        "huyen",
        "tinh",
        "phuong",
        "tp",
        "cua",
        "chuyen",
        "mon",
    ]
)
_NOT_UNITS: Final = re.compile(
    r"^(theo (quy dinh|ke hoach|huong dan|chi dao)|thuong xuyen|hang (nam|quy|thang|tuan)"
    r"|dinh ky|quy [ivx]+|nam \d{4}|truoc ngay|cham nhat)"
)
_PARTS: Final = re.compile(r"(,|\s+và\s+)")
_STRONG_SEPARATORS: Final = re.compile(r"\s*(?:;|\n)\s*")
_COORDINATION: Final = re.compile(r"\s+phối hợp(?:\s+với)?\s+", re.IGNORECASE)
_HEAD_COLON: Final = re.compile(r"^(?P<head>[^:,;]{2,20}):\s*(?P<rest>.+)$")
_MAX_HEAD_WORDS: Final = 3


def _head(text: str) -> tuple[str, bool] | None:
    """The unit head word a text starts with and whether it is generic, or ``None``."""
    text = text.strip()
    if fold(text).startswith("cac "):
        text = text[4:].lstrip()
    tokens = _WORDS.findall(fold(text))
    for size in range(min(_MAX_HEAD_WORDS, len(tokens)), 0, -1):
        head = " ".join(tokens[:size])
        if head in _HEADS:
            generic = head in _GENERIC_HEADS or (
                head in _LOWER_GENERIC_HEADS and text[:1].islower()
            )
            return head, generic
    return None


def _is_bare(text: str) -> bool:
    return all(word in _BARE_WORDS for word in _WORDS.findall(fold(text)))


def _split_list(piece: str) -> list[str]:
    """Split one ';'-free piece at the commas and "và" that start a new unit."""
    match = _HEAD_COLON.match(piece)
    if match and _head(match["head"]) is not None:
        # "Phòng: Quản lý đô thị, Kinh tế" names two offices of the same kind.
        head = match["head"].strip()
        return [f"{head} {part.strip()}" for part in match["rest"].split(",") if part.strip()]
    tokens = _PARTS.split(piece)
    units: list[str] = []
    current = tokens[0]
    for separator, part in zip(tokens[1::2], tokens[2::2], strict=True):
        head = _head(part)
        if head is not None and not (head[1] and _is_bare(current)):
            units.append(current)
            current = part
        else:
            current = f"{current}{separator}{part}"
    units.append(current)
    return units


def _tidy(name: str) -> str:
    return one_line(name).strip(" .,-+•*–").strip()


def split_units(text: str) -> list[str]:
    """The units a cell names, in order: ``"Phòng Tư pháp; UBND các xã, phường"`` gives two."""
    return list(_split_units(text))


# A plan's unit cells repeat the same few dozen texts on row after row: each is split once.
@lru_cache(maxsize=4096)
def _split_units(text: str) -> tuple[str, ...]:
    units: list[str] = []
    for piece in _STRONG_SEPARATORS.split(text):
        for unit in _split_list(_tidy(piece)):
            name = _tidy(unit)
            if name and name not in units:
                units.append(name)
    return tuple(units)


@lru_cache(maxsize=4096)
def is_unit_name(name: str) -> bool:
    """False for text that is a time frame or a rule rather than a unit ("Theo quy định")."""
    return _NOT_UNITS.match(" ".join(_WORDS.findall(fold(name)))) is None


def split_lead(text: str) -> tuple[list[str], list[str]]:
    """Lead units and extra partners of a lead cell ("A phối hợp B": A leads, B helps)."""
    leads, partners = _split_lead(text)
    return list(leads), list(partners)


@lru_cache(maxsize=4096)
def _split_lead(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    leads: list[str] = []
    partners: list[str] = []
    for piece in _STRONG_SEPARATORS.split(text):
        first, *rest = _COORDINATION.split(piece, maxsplit=1)
        leads.extend(u for u in _split_units(first) if u not in leads)
        for extra in rest:
            partners.extend(u for u in _split_units(extra) if u not in partners)
    return tuple(leads), tuple(partners)


# Words in front of a unit that name its people, not another unit: "Công chức VP-TK".
_LEADING: Final = ("cac ", "cong chuc ", "can bo ", "vien chuc ", "chuyen vien ")
_TRAILING: Final = (" phuong", " xa", " thi tran", " cap xa")
_HIGHER_LEVEL: Final = re.compile(r"\b(thanh pho|thi xa|tinh|huyen|trung uong)\b")
_MIN_SHARED: Final = 2


def _in_order(short: list[str], long: list[str]) -> bool:
    words = iter(long)
    return all(word in words for word in short)


def _contains(a: str, b: str) -> bool:
    """Whether one name is the other with words added (whole words, kept in their order).

    Order matters: "Hội Phụ nữ" is "Hội Liên hiệp Phụ nữ", but "Công đoàn" is not
    "Đoàn Thanh niên Cộng sản…" although both words occur in it.
    """
    first, second = a.split(), b.split()
    return _in_order(first, second) if len(first) <= len(second) else _in_order(second, first)


def _relaxed(key: str) -> str:
    """A key without the words that only say "of this commune" or "the official(s) of"."""
    changed = True
    while changed:
        changed = False
        for prefix in _LEADING:
            if key.startswith(prefix):
                key, changed = key[len(prefix) :], True
        for suffix in _TRAILING:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, changed = key[: -len(suffix)], True
    return key


# "suggested": the name matches one unit only by some of its words ("UBND" inside
# "Văn phòng HĐND và UBND"); a person must confirm it before tasks are given to that unit.
@lru_cache(maxsize=8192)
def group_key(name: str) -> str:
    """The key under which every spelling of one office meets, job titles in front dropped.

    "Văn phòng – Thống kê", "VP-TK" and "Công chức Văn phòng - Thống kê" share one.
    """
    return _relaxed(unit_key(name))


_DASHES: Final = re.compile(r"\s*[‐-―−-]\s*")


_JOB_TITLE: Final = re.compile(
    r"^(?:(?:công chức|cán bộ|viên chức|chuyên viên|cbcc|cc|cb)\s+)+(?=\w)", re.IGNORECASE
)


def best_spelling(names: Iterable[str]) -> str:
    """The spelling to name a new unit by: no job title in front, written out, plain dashes."""
    spellings = list(
        dict.fromkeys(_JOB_TITLE.sub("", _DASHES.sub(" - ", one_line(n))).strip() for n in names)
    )

    def rank(name: str) -> tuple[bool, int, int]:
        key = unit_key(name)
        titled = _relaxed(key) != key
        # Abbreviations expand in the key: the fewer letters written, the more abbreviated.
        written = sum(len(word) for word in _WORDS.findall(fold(name)))
        return (not titled, written, -spellings.index(name))

    return max(spellings, key=rank)


Status = Literal["matched", "suggested", "new", "ambiguous"]


@dataclass(frozen=True, slots=True)
class UnitMatch:
    """How one unit name of a plan matched the organization's unit directory."""

    name: str
    key: str
    status: Status
    unit_id: int | None = None
    candidates: tuple[int, ...] = ()


class UnitResolver:
    """Match unit names against a directory of ``unit_key -> unit id``."""

    def __init__(self, directory: Mapping[str, int]) -> None:
        self._exact: dict[str, int] = {}
        self._relaxed: dict[str, set[int]] = {}
        self._tokens: list[tuple[frozenset[str], str, int]] = []
        for raw_key, unit_id in directory.items():
            key = unit_key(raw_key)
            self._exact[key] = unit_id
            relaxed = _relaxed(key)
            self._relaxed.setdefault(relaxed, set()).add(unit_id)
            self._tokens.append((frozenset(relaxed.split()), relaxed, unit_id))
        self._cache: dict[str, UnitMatch] = {}

    def resolve(self, name: str) -> UnitMatch:
        """Match one name: exactly, then without local qualifiers, then by contained words."""
        key = unit_key(name)
        cached = self._cache.get(key)
        if cached is not None:
            return UnitMatch(name, key, cached.status, cached.unit_id, cached.candidates)
        result = self._match(name, key)
        self._cache[key] = result
        return result

    def _match(self, name: str, key: str) -> UnitMatch:
        if key in self._exact:
            return UnitMatch(name, key, "matched", self._exact[key], (self._exact[key],))
        relaxed = _relaxed(key)
        ids = self._relaxed.get(relaxed, set())
        loose = False
        if not ids and not _HIGHER_LEVEL.search(relaxed):
            words = frozenset(relaxed.split())
            ids = {
                unit_id
                for tokens, phrase, unit_id in self._tokens
                if len(words & tokens) >= _MIN_SHARED and _contains(relaxed, phrase)
            }
            loose = True
        candidates = tuple(sorted(ids))
        if len(candidates) == 1:
            status: Status = "suggested" if loose else "matched"
            return UnitMatch(name, key, status, candidates[0], candidates)
        if candidates:
            return UnitMatch(name, key, "ambiguous", None, candidates)
        return UnitMatch(name, key, "new")


def resolve_units(names: Iterable[str], directory: Mapping[str, int]) -> list[UnitMatch]:
    """Match each unit name against ``directory`` (``unit_key`` -> unit id)."""
    resolver = UnitResolver(directory)
    return [resolver.resolve(name) for name in names]
