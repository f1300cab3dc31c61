"""Sealing what must stay confidential at rest (contacts, a denouncer's identity)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Sealer, SealError, load_sealer

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


def test_a_configured_key_is_used_and_no_file_is_written(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    key_file = tmp_path / "data" / "secret.key"
    sealer = load_sealer(key, key_file)
    assert Sealer(key).open(sealer.seal(SECRET)) == SECRET
    assert not key_file.exists()


def test_without_a_key_one_is_created_private_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "secret.key"
    first = load_sealer(None, key_file)
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    sealed = first.seal(SECRET)
    again = load_sealer(None, key_file)
    assert again.open(sealed) == SECRET
    assert Sealer(key_file.read_text().strip()).open(sealed) == SECRET


def test_a_bad_key_is_refused() -> None:
    with pytest.raises(ValueError, match="Fernet key"):
        Sealer("too-short")
