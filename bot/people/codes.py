"""Link codes: how they look, how they are read back from what a person typed, and hashed."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta
from typing import Final

from bot.invites import ALPHABET

# 8 symbols of 31: about 40 bits. A code lives 10 minutes and each person may guess
# 5 times in 15 minutes, so guessing someone's live code is out of reach.
CODE_LENGTH: Final = 8
TTL: Final = timedelta(minutes=10)
MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=15)
# Anything longer is not a code someone copied; it is not even read.
LONGEST_INPUT: Final = 64


def new_code() -> str:
    """A fresh random code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """The code as people read it: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def read(text: str) -> str | None:
    """The code in what a person typed (case, spaces and dashes ignored), or ``None``.

    Control or invisible characters make it no code at all: they are never stripped into
    something that happens to match.
    """
    if not text or len(text) > LONGEST_INPUT:
        return None
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        return None
    folded = "".join(ch for ch in text.upper() if ch not in " -")
    if len(folded) != CODE_LENGTH or any(ch not in ALPHABET for ch in folded):
        return None
    return folded


def hash_code(code: str) -> str:
    """The stored form of a code read by ``read``."""
    return hashlib.sha256(b"link:" + code.encode()).hexdigest()
