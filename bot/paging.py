"""Long lists of choices shown a page of buttons at a time, with « » to move between pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from bot.messages import Button

PAGE_SIZE: Final = 8
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 0) and the last page's number."""

    items: Sequence[T]
    number: int
    last: int


def page_of(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """The page ``number`` of ``items``; a number out of range gives the nearest page."""
    last = max(len(items) - 1, 0) // size
    number = min(max(number, 0), last)
    return Page(items[number * size : (number + 1) * size], number, last)


def paged_buttons(
    page: Page[T], button: Callable[[T], Button], turn: Callable[[int], str]
) -> list[list[Button]]:
    """One button per item of the page, then « and » rows to the pages around it.

    ``turn`` gives the payload that shows another page.
    """
    return paged_rows(page, lambda item: [button(item)], turn)


def paged_rows(
    page: Page[T], row: Callable[[T], list[Button]], turn: Callable[[int], str]
) -> list[list[Button]]:
    """A row of buttons per item of the page (``row``), then « and » to the pages around it."""
    rows = [row(item) for item in page.items]
    nav = []
    if page.number > 0:
        nav.append(Button("«", turn(page.number - 1)))
    if page.number < page.last:
        nav.append(Button("»", turn(page.number + 1)))
    if nav:
        rows.append(nav)
    return rows
