"""Headless Debian Chromium through chromedriver; every call runs off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Each element with its own text, its colour, and the first opaque background behind it.
_COLORS = """
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
  if (!own.length || el.offsetParent === null) continue;
  let bg = 'rgba(0, 0, 0, 0)', up = el;
  while (up && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
    bg = getComputedStyle(up).backgroundColor; up = up.parentElement;
  }
  if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
  out.push([own[0].textContent.trim().slice(0, 40), getComputedStyle(el).color, bg]);
}
return out;
"""


def _arrived(driver: webdriver.Chrome) -> bool:
    return bool(
        driver.execute_script(
            "return window.__leaving === undefined && document.readyState === 'complete';"
        )
    )


class Browser:
    """One browser window of a given width."""

    def __init__(self, driver: webdriver.Chrome, shots: Path) -> None:
        self.driver = driver
        self.shots = shots

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def resize(self, width: int, height: int = 800) -> None:
        """Make the window ``width`` CSS pixels wide."""
        await self._run(self.driver.set_window_size, width, height)

    async def open(self, url: str) -> None:
        """Load ``url`` and wait for it."""
        await self._run(self.driver.get, url)

    async def _then_wait(self, element: Any) -> None:
        """Click ``element`` and wait until the next page has replaced this one.

        The old page is marked in its window object rather than watched through one of its
        nodes: under load chromedriver may answer for a node of a page being replaced with
        an error that is not a stale-element one.
        """
        await self.value("window.__leaving = true; return null;")
        await self._run(element.click)
        await self._run(WebDriverWait(self.driver, 20, poll_frequency=0.1).until, _arrived)

    async def click_link(self, text: str) -> None:
        """Follow the first link with exactly this text."""
        await self._then_wait(await self._run(self.driver.find_element, By.LINK_TEXT, text))

    async def fill(self, field_id: str, value: str) -> None:
        """Type into a field."""
        field = await self._run(self.driver.find_element, By.ID, field_id)
        await self._run(field.clear)
        await self._run(field.send_keys, value)

    async def choose(self, field_id: str, value: str) -> None:
        """Pick an option of a select by value."""
        field = await self._run(self.driver.find_element, By.ID, field_id)
        await self._run(Select(field).select_by_value, value)

    async def submit(self) -> None:
        """Press the page's submit button."""
        button = await self._run(self.driver.find_element, By.CSS_SELECTOR, "button[type=submit]")
        await self._then_wait(button)

    async def text(self) -> str:
        """The visible text of the page."""
        body = await self._run(self.driver.find_element, By.TAG_NAME, "body")
        return str(await self._run(lambda: body.text))

    async def value(self, script: str) -> Any:
        """Evaluate ``script`` (which returns something) in the page."""
        return await self._run(self.driver.execute_script, script)

    async def url(self) -> str:
        """The current address."""
        return str(await self._run(lambda: self.driver.current_url))

    async def overflows(self) -> bool:
        """Whether the page is wider than the window (a sideways scroll bar)."""
        return bool(
            await self.value(
                "return document.documentElement.scrollWidth"
                " > document.documentElement.clientWidth;"
            )
        )

    async def colors(self) -> list[tuple[str, str, str]]:
        """``(text, color, background)`` of every element holding text directly."""
        found = await self.value(_COLORS)
        return [(str(t), str(c), str(b)) for t, c, b in found]

    async def shot(self, name: str) -> Path:
        """Save a full-height screenshot as a test artifact."""
        height = int(await self.value("return document.documentElement.scrollHeight;"))
        width = int(await self.value("return window.innerWidth;"))
        await self.resize(width, min(max(height, 600), 6000))
        path = self.shots / f"{name}.png"
        await self._run(self.driver.save_screenshot, str(path))
        return path


@asynccontextmanager
async def browser(shots: Path) -> AsyncIterator[Browser]:
    """A headless Chromium with Vietnamese as the preferred language."""
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--lang=vi"):
        options.add_argument(argument)
    options.add_argument("--disable-dev-shm-usage")
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi"})
    driver = await asyncio.to_thread(webdriver.Chrome, options, Service(CHROMEDRIVER))
    try:
        yield Browser(driver, shots)
    finally:
        await asyncio.to_thread(driver.quit)
