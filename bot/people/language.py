"""The language a person chose to read the bot in."""

from __future__ import annotations

from bot.i18n import SUPPORTED
from bot.operations import Operation
from db.models import Person


async def choose_language(op: Operation, *, person: Person, language: str) -> None:
    """Word everything for ``person`` in ``language`` from now on, on every channel."""
    if language not in SUPPORTED:  # buttons carry only supported codes: a caller's bug
        raise ValueError(f"unsupported language {language!r}")
    before = person.locale
    if before == language:
        return
    person.locale = language
    await op.audit(
        "person.language_chosen",
        "person",
        person.id,
        before={"language": before},
        after={"language": language},
    )
