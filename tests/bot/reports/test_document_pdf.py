"""The Word report rendered to PDF by LibreOffice, read back, and left for a person to look at.

The PDF and a PNG of its first page stay in pytest's base temporary directory (the
``report-pdf`` folder of the latest runs) so the layout can be checked by eye.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.reports.document import render_document
from bot.reports.labels import dimension_groups, dimension_heading, period_label
from tests.bot.reports.sample import sample, typed
from tests.bot.reports.test_document import HEADINGS

TIMEOUT = 120  # seconds; a cold LibreOffice start takes a few, a hung one never ends
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Rendered:
    """The report as LibreOffice printed it, with what poppler reads from it."""

    pdf: Path
    png: Path
    info: str
    pages: list[str]

    @property
    def text(self) -> str:
        """All pages as one line: justified text and wrapped lines vary only in spacing."""
        return " ".join("\n".join(self.pages).split())


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not on PATH; the PDF rendering test needs LibreOffice and "
            "poppler-utils: run `bash scripts/setup.sh test`",
            pytrace=False,
        )
    return path


def _run(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{command[0]}` did not finish within {TIMEOUT} s", pytrace=False)
    if done.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}",
            pytrace=False,
        )
    return done.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    soffice, pdfinfo, pdftotext, pdftoppm = (
        _tool(name) for name in ("soffice", "pdfinfo", "pdftotext", "pdftoppm")
    )
    folder = tmp_path_factory.mktemp("report-pdf")
    source = folder / "report.docx"
    source.write_bytes(render_document(typed(sample()), Translator("vi")))
    # A profile of its own, so a LibreOffice already running or a parallel run cannot
    # take the conversion over or lock it out.
    profile = (folder / "lo-profile").as_uri()
    _run(
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        str(source),
    )
    pdf = folder / "report.pdf"
    if not pdf.is_file():
        pytest.fail(f"LibreOffice wrote no {pdf}", pytrace=False)
    info = _run(pdfinfo, str(pdf))
    # pdftotext ends every page with a form feed.
    pages = _run(pdftotext, "-enc", "UTF-8", str(pdf), "-").split("\f")[:-1]
    png = folder / "page-1"
    _run(pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png))
    return Rendered(
        pdf=pdf,
        png=png.with_suffix(".png"),
        info=info,
        pages=[unicodedata.normalize("NFC", page) for page in pages],
    )


def test_pdf_has_a4_pages(rendered: Rendered) -> None:
    found = re.search(r"^Pages:\s+(\d+)$", rendered.info, re.MULTILINE)
    assert found is not None, rendered.info
    assert int(found.group(1)) >= 1
    assert int(found.group(1)) == len(rendered.pages)
    assert re.search(r"^Page size:.*\(A4\)$", rendered.info, re.MULTILINE), rendered.info


def test_pdf_keeps_the_vietnamese_text(rendered: Rendered) -> None:
    """The names in the figures carry the diacritics: a lost mark or glyph shows here."""
    t = Translator("vi")
    figures = typed(sample())
    name = figures.organization.name
    groups = dimension_groups(figures.tasks)
    assert groups
    expected = [
        name,
        name.upper(),
        period_label(figures, t),
        t._("SOCIALIST REPUBLIC OF VIETNAM"),
        *(t._(heading) for heading in HEADINGS),
        *(
            t._("{number}. {title}", number=index, title=dimension_heading(g.code, g.name, t))
            for index, g in enumerate(groups, start=1)
        ),
    ]
    missing = [line for line in expected if line not in rendered.text]
    assert missing == [], f"not in {rendered.pdf}"
    assert "\ufffd" not in rendered.text


def test_annex_starts_on_a_page_of_its_own(rendered: Rendered) -> None:
    annex = Translator("vi")._(HEADINGS[-1])
    found = [i for i, page in enumerate(rendered.pages) if annex in " ".join(page.split())]
    assert found
    assert found[0] > 0


def test_first_page_as_png(rendered: Rendered) -> None:
    data = rendered.png.read_bytes()
    assert data.startswith(PNG_SIGNATURE), rendered.png
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert 0 < width < height  # A4 portrait
