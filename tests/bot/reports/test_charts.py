"""The report chart: a real PNG, readable in Vietnamese, for busy and empty periods."""

from __future__ import annotations

import io
import struct
import warnings

import matplotlib as mpl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont

from bot.i18n import Translator
from bot.reports.charts import FONT, chart_style, render_chart
from tests.bot.reports.sample import empty, sample, typed

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VIETNAMESE = "Tham gia của người dân ở cấp cơ sở — Quản trị điện tử; Ủy ban nhân dân phường Đồng Hỷ"


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def draw(title: str) -> bytes:
    with chart_style():
        fig = Figure(figsize=(4, 1), dpi=50)
        FigureCanvasAgg(fig)
        fig.suptitle(title)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_render_chart_is_a_png_of_sensible_size() -> None:
    png = render_chart(typed(sample()), Translator("vi"))
    width, height = size(png)
    assert 800 <= width <= 1600
    assert 400 <= height <= 1600
    assert 10_000 < len(png) < 500_000


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_empty_period_renders(locale: str) -> None:
    width, height = size(render_chart(typed(empty()), Translator(locale)))
    assert width >= 800
    assert height >= 400


def test_english_rendering_works() -> None:
    png = render_chart(typed(sample()), Translator("en"))
    assert size(png)[0] >= 800


def test_more_dimensions_make_a_taller_chart() -> None:
    _, busy = size(render_chart(typed(sample()), Translator("vi")))
    _, idle = size(render_chart(typed(empty()), Translator("vi")))
    assert busy > idle


def test_the_chart_font_is_dejavu_sans() -> None:
    with chart_style():
        path = findfont(FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert "DejaVuSans" in path
    assert FONT == "DejaVu Sans"


def test_vietnamese_title_has_every_glyph() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = draw(VIETNAMESE)
    assert png[:8] == PNG_SIGNATURE


def test_a_missing_glyph_would_be_caught() -> None:
    # The control for the test above: DejaVu Sans has no Chinese characters.
    with pytest.warns(UserWarning, match="missing from font"):
        draw("漢字")


def test_rendering_leaves_global_settings_alone() -> None:
    before = dict(mpl.rcParams)
    render_chart(typed(sample()), Translator("vi"))
    assert dict(mpl.rcParams) == before
