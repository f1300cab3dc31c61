"""Encryption at rest for what must stay confidential (a denouncer's identity, contacts)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from bot.errors import BotError


class SealError(BotError):
    """Sealed data cannot be opened with this key."""


class Sealer:
    """Seals and opens short texts with one symmetric key."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, text: str) -> str:
        """Encrypt ``text``."""
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        """Decrypt what ``seal`` produced."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SealError("sealed data does not match the key") from None
