"""Translations and locale-aware formatting.

Catalogs are read straight from ``locales/<lang>/LC_MESSAGES/messages.po`` and compiled in
memory, so no compiled ``.mo`` file is ever tracked or stale.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.msgid import N_ as N_

LOCALES_DIR: Final = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED: Final = ("vi", "en")
DEFAULT_LOCALE: Final = "vi"
DOMAIN: Final = "messages"


def negotiate(requested: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick a supported locale for a client's language code (``en-US`` -> ``en``)."""
    if requested:
        base = requested.replace("_", "-").split("-", 1)[0].lower()
        if base in SUPPORTED:
            return base
    return default


def reader_locale(chosen: str | None, reported: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The language a person reads on one account, the same for replies and queued messages.

    The one they chose with /language wins; else the language the account's chat client
    reports (Zalo reports none); else ``default``. A message is worded for the account it
    is delivered on, so a linked person never gets one channel's client language on another.
    """
    if chosen in SUPPORTED:
        return chosen
    return negotiate(reported, default)


@cache
def _babel_locale(lang: str) -> Locale:
    # Parsed once: every update builds a translator, and parsing costs more than the update.
    return Locale.parse(lang)


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """Translate and format for one reader's locale."""

    def __init__(self, locale: str, tz: tzinfo | None = None) -> None:
        self.locale = locale if locale in SUPPORTED else DEFAULT_LOCALE
        self.tz = tz
        self._babel = _babel_locale(self.locale)
        self._trans = _catalog(self.locale)

    def _(self, message: str, /, **params: object) -> str:
        """Translate ``message`` and fill its named ``{placeholders}``."""
        text = self._trans.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """Translate a message whose form depends on ``n`` (``{n}`` is filled too)."""
        text = self._trans.ngettext(singular, plural, n)
        return text.format(n=self.number(n), **params)

    def date(self, value: date, fmt: str = "medium") -> str:
        """Format a calendar date for the reader (``dd/MM/y`` style in Vietnamese)."""
        if self.locale == "vi" and fmt == "medium":
            return value.strftime("%d/%m/%Y")
        return format_date(value, format=fmt, locale=self._babel)

    def datetime(self, value: datetime, fmt: str = "short") -> str:
        """Format a moment in the reader's time zone."""
        if self.locale == "vi" and fmt == "short":
            local = value.astimezone(self.tz) if self.tz else value
            return local.strftime("%H:%M %d/%m/%Y")
        return format_datetime(value, format=fmt, tzinfo=self.tz, locale=self._babel)

    def number(self, value: int | float | Decimal) -> str:
        """Format a number with the locale's separators."""
        return format_decimal(value, locale=self._babel)


@cache
def translator(locale: str) -> Translator:
    """Return the shared translator for ``locale`` (without a time zone)."""
    return Translator(locale)
