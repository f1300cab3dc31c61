"""The marker of a message to translate later, without the translation machinery.

Modules that only name messages (the plan parser in its bounded child process, whose start-up
every import pays for) import it from here rather than from ``bot.i18n`` and its Babel.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message
