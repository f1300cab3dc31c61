"""What one process does for the channels: receive and store events, handle them, or both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Duties:
    """``receive``: the HTTP endpoints, webhooks set, polling, tokens kept fresh (one process).
    ``handle``: the inbox workers that handle stored events (any number of processes)."""

    receive: bool = True
    handle: bool = True


BOTH: Final = Duties()
RECEIVE: Final = Duties(handle=False)
HANDLE: Final = Duties(receive=False)
