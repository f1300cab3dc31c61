"""The matching keys stored with names: accents, case, dashes and abbreviations don't matter.

Units are looked up by these keys in SQL, so storage computes them; plan import matches
the names it reads with the same keys.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

_WORDS: Final = re.compile(r"[a-z0-9]+")


class _Unmarked(dict[int, int | None]):
    """``str.translate`` table dropping combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_UNMARKED: Final = _Unmarked()


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case ``text`` and drop Vietnamese diacritics (``Đ`` becomes ``d``)."""
    # Cached: a plan names the same units, time frames and headers on row after row.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return decomposed.translate(_UNMARKED).casefold()


# Abbreviations as sequences of folded words, longest first where they overlap.
_ABBREVIATIONS: Final[dict[tuple[str, ...], str]] = {
    ("dc", "nn", "xd", "va", "mt"): "dia chinh nong nghiep xay dung va moi truong",
    ("ld", "tb", "va", "xh"): "lao dong thuong binh va xa hoi",
    ("ld", "tb", "xh"): "lao dong thuong binh va xa hoi",
    ("tb", "va", "xh"): "thuong binh va xa hoi",
    ("tb", "xh"): "thuong binh va xa hoi",
    ("tn", "va", "tkq"): "tiep nhan va tra ket qua",
    ("tn", "va", "mt"): "tai nguyen va moi truong",
    ("gd", "va", "dt"): "giao duc va dao tao",
    ("vp", "tk"): "van phong thong ke",
    ("tp", "ht"): "tu phap ho tich",
    ("vh", "xh"): "van hoa xa hoi",
    ("vh", "tt"): "van hoa thong tin",
    ("dc", "xd"): "dia chinh xay dung",
    ("tc", "kt"): "tai chinh ke toan",
    ("ub", "mttq"): "uy ban mat tran to quoc",
    ("ub", "mttqvn"): "uy ban mat tran to quoc",
    ("doan", "tn"): "doan thanh nien",
    ("cc",): "cong chuc",
    ("cb",): "can bo",
    ("cbcc",): "can bo cong chuc",
    ("ccvc",): "cong chuc vien chuc",
    ("ubnd",): "uy ban nhan dan",
    ("hdnd",): "hoi dong nhan dan",
    ("ub",): "uy ban",
    ("ubmttq",): "uy ban mat tran to quoc",
    ("ubmttqvn",): "uy ban mat tran to quoc",
    ("mttq",): "mat tran to quoc",
    ("mttqvn",): "mat tran to quoc",
    ("tdp",): "to dan pho",
    ("ttnd",): "thanh tra nhan dan",
    ("bcd",): "ban chi dao",
    ("bch",): "ban chi huy",
    ("chqs",): "chi huy quan su",
    ("tp",): "thanh pho",
    ("tx",): "thi xa",
    ("xh",): "xa hoi",
    ("vh",): "van hoa",
    ("bhxh",): "bao hiem xa hoi",
    ("tncs",): "thanh nien cong san",
    ("lhpn",): "lien hiep phu nu",
    ("hlhpn",): "hoi lien hiep phu nu",
    ("ccb",): "cuu chien binh",
    ("hnd",): "hoi nong dan",
    ("tthc",): "thu tuc hanh chinh",
    ("cchc",): "cai cach hanh chinh",
    ("cntt",): "cong nghe thong tin",
    ("ca",): "cong an",
    ("htx",): "hop tac xa",
}
_LONGEST: Final = max(len(k) for k in _ABBREVIATIONS)


@lru_cache(maxsize=8192)
def unit_key(name: str) -> str:
    """A matching key for a unit name: accents, case, dashes and abbreviations don't matter.

    ``unit_key("CC VP- TK") == unit_key("Công chức Văn phòng - Thống kê")``.
    """
    tokens = _WORDS.findall(fold(name).replace("&", " va "))
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_LONGEST, len(tokens) - i), 0, -1):
            expansion = _ABBREVIATIONS.get(tuple(tokens[i : i + size]))
            if expansion is not None:
                out.extend(expansion.split())
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    text = " ".join(out)
    # "Mặt trận Tổ quốc Việt Nam" and "Mặt trận Tổ quốc" are the same body.
    return text.replace("to quoc viet nam", "to quoc")
