"""Sealing what must stay confidential at rest (contacts, a denouncer's identity)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Sealer, SealError

SECRET = '{"name": "Nguyễn Văn Tố", "phone": "0912 345 678"}'


def test_sealed_text_opens_again_and_reads_as_nothing() -> None:
    sealer = Sealer(Fernet.generate_key().decode())
    sealed = sealer.seal(SECRET)
    assert sealer.open(sealed) == SECRET
    assert "0912" not in sealed
    assert "Nguy" not in sealed
    assert sealed.isascii()
    # A fresh nonce each time: equal contacts do not give equal rows.
    assert sealer.seal(SECRET) != sealed


def test_another_key_or_a_changed_token_cannot_open_it() -> None:
    sealer = Sealer(Fernet.generate_key().decode())
    sealed = sealer.seal(SECRET)
    with pytest.raises(SealError, match="does not match the key"):
        Sealer(Fernet.generate_key().decode()).open(sealed)
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    with pytest.raises(SealError):
        sealer.open(flipped)
    with pytest.raises(SealError):
        sealer.open("not a token")


def test_a_bad_key_is_refused() -> None:
    with pytest.raises(ValueError, match="Fernet key"):
        Sealer("too-short")
