"""Keep the gettext catalogs in step with the code: extract, update, compile, check."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES_DIR, SUPPORTED

ROOT = LOCALES_DIR.parent
SOURCE_DIRS = ("bot", "handlers", "jobs", "db")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Python sources, and the public pages' Jinja2 templates (which call ``_`` and ``ngettext``).
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
PROJECT = "commune-bot"


def po_path(lang: str) -> Path:
    """Where the catalog of ``lang`` lives."""
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Collect every translatable message from the source tree."""
    template = Catalog(project=PROJECT, charset="utf-8")
    for directory in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / directory,
            method_map=METHODS,
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        ):
            location = (f"{directory}/{filename}", lineno)
            template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def _read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project=PROJECT, charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False)
    path.write_bytes(buffer.getvalue())


def update() -> dict[str, list[str]]:
    """Merge the source's messages into each catalog; return what each still lacks."""
    template = extract()
    _write(template, LOCALES_DIR / f"{DOMAIN}.pot")
    for lang in SUPPORTED:
        catalog = _read(lang)
        catalog.update(template, update_header_comment=False, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if lang == "en":
            _fill_from_ids(catalog)
        _write(catalog, po_path(lang))
    return check()


def _fill_from_ids(catalog: Catalog) -> None:
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not (isinstance(message.string, tuple) and any(message.string)):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id


def _ids(messages: Iterable[object]) -> set[str]:
    ids: set[str] = set()
    for message in messages:
        mid = getattr(message, "id", None)
        if mid:
            ids.add(mid[0] if isinstance(mid, tuple) else mid)
    return ids


def check() -> dict[str, list[str]]:
    """Per language, the source messages missing or untranslated in its catalog."""
    wanted = _ids(extract())
    problems: dict[str, list[str]] = {}
    for lang in SUPPORTED:
        catalog = _read(lang)
        present = {
            (m.id[0] if isinstance(m.id, tuple) else m.id)
            for m in catalog
            if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
        missing = sorted(wanted - present)
        if missing:
            problems[lang] = missing
    return problems


def compile_all() -> list[Path]:
    """Write ``.mo`` files next to the catalogs (the bot itself reads the ``.po`` files)."""
    written = []
    for lang in SUPPORTED:
        target = po_path(lang).with_suffix(".mo")
        with target.open("wb") as fh:
            write_mo(fh, _read(lang))
        written.append(target)
    return written
