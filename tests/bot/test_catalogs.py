from __future__ import annotations

from bot import catalogs
from bot.i18n import SUPPORTED, Translator


def test_every_message_is_in_every_catalog() -> None:
    assert catalogs.check() == {}


def test_extraction_finds_method_calls_and_plurals() -> None:
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogs.extract() if m.id}
    assert "You are not allowed to use this command." in ids
    assert "Too many wrong codes. Try again in {n} minute." in ids
    assert "Show what you can do" in ids


def test_vietnamese_is_really_translated() -> None:
    vi, en = Translator("vi"), Translator("en")
    message = "You are not allowed to use this command."
    assert en._(message) == message
    assert vi._(message) != message
    assert vi.ngettext(
        "Too many wrong codes. Try again in {n} minute.",
        "Too many wrong codes. Try again in {n} minutes.",
        3,
    ).endswith("3 phút.")


def test_placeholders_survive_translation() -> None:
    for lang in SUPPORTED:
        text = Translator(lang)._("Unit “{name}” added.", name="Tư pháp")
        assert "Tư pháp" in text
        assert "{" not in text


def test_vietnamese_keeps_every_placeholder() -> None:
    import re

    from babel.messages.pofile import read_po

    with catalogs.po_path("vi").open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    names = re.compile(r"\{(\w*)\}")
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert set(names.findall(target)) <= set(names.findall(source)) | {"roman"}, source
