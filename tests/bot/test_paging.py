"""Long lists of choices, a page at a time."""

from __future__ import annotations

from bot.messages import Button
from bot.paging import page_of, paged_buttons, paged_rows


def _rows(items: list[str], number: int) -> list[list[str]]:
    page = page_of(items, number)
    built = paged_buttons(page, lambda s: Button(s, f"pick:{s}"), lambda n: f"page:{n}")
    return [[b.data for b in row] for row in built]


async def test_a_short_list_has_no_arrows() -> None:
    assert _rows(["a", "b"], 0) == [["pick:a"], ["pick:b"]]
    assert _rows([], 0) == []


async def test_every_item_of_a_long_list_is_on_some_page() -> None:
    items = [f"u{n}" for n in range(17)]
    first, second, third = _rows(items, 0), _rows(items, 1), _rows(items, 2)
    assert first[-1] == ["page:1"]
    assert second[-1] == ["page:0", "page:2"]
    assert third == [["pick:u16"], ["page:1"]]
    shown = [d for rows in (first, second, third) for row in rows[:-1] for d in row]
    assert shown == [f"pick:u{n}" for n in range(17)]


async def test_a_page_out_of_range_is_the_nearest_page() -> None:
    items = [f"u{n}" for n in range(9)]
    assert _rows(items, 99) == _rows(items, 1)
    assert _rows(items, -3) == _rows(items, 0)


async def test_rows_of_several_buttons_page_like_single_buttons() -> None:
    items = [f"u{n}" for n in range(10)]
    built = paged_rows(
        page_of(items, 1, size=4),
        lambda s: [Button(s, f"yes:{s}"), Button(s, f"no:{s}")],
        lambda n: f"page:{n}",
    )
    assert [[b.data for b in row] for row in built] == [
        ["yes:u4", "no:u4"],
        ["yes:u5", "no:u5"],
        ["yes:u6", "no:u6"],
        ["yes:u7", "no:u7"],
        ["page:0", "page:2"],
    ]
