"""Keys derived from the data key, one per purpose, so no secret is used twice."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.settings import Settings


def derived_key(settings: Settings, purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` derived from the data key (the runtime created it)."""
    master = settings.data_key or Path(settings.data_key_file).read_text().strip()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master.encode()
    )
