"""The public pages in a real browser, at a phone's width and a desktop's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.periods import current_quarter
from bot.reports.figures import figures
from tests.bot.public.browser import Browser, browser
from tests.bot.public.conftest import PUBLISHED_A, PUBLISHED_Q, UNAPPROVED_Q, Site
from tests.handlers.conftest import VP, import_small_plan, small_plan
from tests.handlers.feedback_support import file_case

WIDTHS = (360, 1280)


def _luminance(css: str) -> float:
    """The relative luminance of an ``rgb(...)`` colour (WCAG 2)."""
    parts = [float(p) for p in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        for c in (p / 255 for p in parts)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(color: str, background: str) -> float:
    """The WCAG contrast ratio of two colours."""
    light, dark = sorted((_luminance(color), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_computed_as_wcag_does() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)"), 2) == 4.54
    assert contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)") < 4.5


async def _visit(page: Browser, name: str, width: int) -> str:
    assert not await page.overflows(), f"{name} overflows at {width} px"
    colors = await page.colors()
    assert len(colors) > 10, name
    for text, color, background in colors:
        ratio = contrast(color, background)
        assert ratio >= 4.5, f"{name}: {text!r} has contrast {ratio:.2f} ({color} on {background})"
    await page.shot(f"{name}-{width}")
    await page.resize(width)
    return await page.text()


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_visitor_finds_an_answer_a_task_and_the_figures(
    site: Site, tmp_path: Path, width: int
) -> None:
    org = site.town.org_id
    async with browser(tmp_path) as page:
        await page.resize(width)
        await page.open(site.url("/"))  # what the QR code opens
        assert await page.url() == site.url(f"/xa/{org}")
        home = await _visit(page, "home", width)
        assert "UBND phường Thử Nghiệm" in home
        assert "Viết trên Telegram" in home
        links = await page.value(
            "return [...document.querySelectorAll('a.button')].map(a => a.href);"
        )
        assert "https://t.me/commune_test_bot?start=feedback" in links

        await page.click_link("Hỏi đáp")
        questions = await _visit(page, "questions", width)
        assert PUBLISHED_Q in questions
        assert PUBLISHED_A in questions
        assert UNAPPROVED_Q not in questions
        # Search: a word of the answer finds it, another word finds nothing.
        await page.fill("q", "ổ gà")
        await page.submit()
        assert PUBLISHED_Q in await page.text()
        await page.fill("q", "không-có-từ-này")
        await page.submit()
        assert "Không có câu trả lời nào phù hợp." in await page.text()
        # Filter by topic and by month.
        await page.fill("q", "")
        await page.choose("topic", "land")
        await page.submit()
        assert PUBLISHED_Q not in await page.text()
        await page.choose("topic", "infrastructure")
        await page.choose("month", "2026-03")
        await page.submit()
        assert PUBLISHED_Q in await _visit(page, "questions-filtered", width)

        await page.click_link("Kế hoạch")
        plan = await _visit(page, "plan", width)
        assert "Kế hoạch năm 2026" in plan
        assert "Nhiệm vụ 2.1: tổ chức thực hiện và báo cáo" in plan
        assert "quá hạn" in plan  # 2.1 was due before 20/02/2026
        assert "Chủ trì: Văn phòng - Thống kê" in plan
        assert "Số liệu tính lúc" in plan

        await page.click_link("Số liệu")
        numbers = await _visit(page, "numbers", width)
        assert "Số liệu, Quý I/2026" in numbers
        assert await page.value("return document.getElementById('received').textContent;") == "5"
        loaded = await page.value(
            "const i = document.querySelector('img.chart'); return i.complete && i.naturalWidth;"
        )
        assert int(loaded or 0) > 500

        await page.click_link("Tra cứu")
        await page.fill("code", site.codes["published"].lower())
        await page.submit()
        found = await _visit(page, "lookup", width)
        assert site.codes["published"] in found
        assert PUBLISHED_A in found
        assert "Nguyễn" not in found

        await page.click_link("English")
        assert "Track a case" in await page.text()


async def test_the_figures_are_the_reports_figures(site: Site, client: httpx.AsyncClient) -> None:
    org = site.town.org_id
    runtime = site.town.runtime
    today = runtime.clock.now().astimezone(runtime.settings.tz).date()
    async with runtime.sessions() as session:
        report = await figures(
            session,
            org_id=org,
            period=current_quarter(today),
            as_of=today,
            tz=runtime.settings.tz,
        )
    html = (await client.get(f"/xa/{org}/so-lieu?lang=en")).text
    feedback = report.feedback.to_json()
    assert f'<td class="n" id="received">{feedback["received"]}</td>' in html
    assert f'<td class="n" id="on-time">{feedback["answered_on_time"]}</td>' in html
    assert feedback["received"] == 5


async def test_a_part_with_no_dated_task_has_no_progress(
    site: Site, client: httpx.AsyncClient
) -> None:
    """Nothing dated is no progress to show, not "0% done" (the report says "—" too)."""
    plan = small_plan(
        "Kế hoạch chuyển đổi số năm 2026",
        [("8.1", [VP], [], "Thường xuyên", ""), ("8.2", [VP], [], "Khi có văn bản", "")],
    )
    digital = [replace(task, dimension="D8", section="Quản trị điện tử") for task in plan.tasks]
    await import_small_plan(site.town.runtime, site.town.org_id, replace(plan, tasks=digital))
    html = (await client.get(f"/xa/{site.town.org_id}/ke-hoach")).text
    d8 = html[html.index("<h2>D8") :]
    d8 = d8[: d8.index("</section>")]
    assert "Quản trị điện tử" in d8
    assert "Tiến độ: chưa có nhiệm vụ nào của phần này có thời hạn" in d8
    assert "%" not in d8
    d1 = html[html.index("<h2>D1") :]
    assert "Tiến độ: hoàn thành" in d1[: d1.index("</section>")]


async def test_pages_are_cached_and_state_when_they_were_computed(
    site: Site, client: httpx.AsyncClient
) -> None:
    org = site.town.org_id
    first = (await client.get(f"/xa/{org}/so-lieu?lang=en")).text
    assert "Figures computed at" in first
    await file_case(await site.town.citizen(1006, "Hà"))
    # Within the cache's lifetime the page shows the same computation.
    assert (await client.get(f"/xa/{org}/so-lieu?lang=en")).text == first
    site.town.clock.advance(timedelta(minutes=6))
    later = (await client.get(f"/xa/{org}/so-lieu?lang=en")).text
    assert '<td class="n" id="received">6</td>' in later


@pytest.mark.parametrize(
    "query",
    [
        "topic=%3Cb%3E",
        "topic=land%27--",
        "month=2026-13",
        "month=%3Cscript%3E",
        "page=0",
        "page=-1",
        "page=99999999999",
        "q=" + "x" * 5000,
    ],
)
async def test_hostile_search_parameters_get_400_and_are_escaped(
    site: Site, client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"/xa/{site.town.org_id}/hoi-dap?{query}")
    assert response.status_code == 400
    assert "<script>" not in response.text
    assert "<b>" not in response.text


@pytest.mark.parametrize("words", ["' OR 1=1--", "%", "_", '"; DROP TABLE cases; --'])
async def test_sql_in_the_search_finds_nothing_and_changes_nothing(
    site: Site, client: httpx.AsyncClient, words: str
) -> None:
    response = await client.get(f"/xa/{site.town.org_id}/hoi-dap", params={"q": words})
    assert response.status_code == 200
    assert PUBLISHED_Q not in response.text
    assert (await client.get(f"/xa/{site.town.org_id}/hoi-dap")).status_code == 200


async def test_a_search_with_markup_is_shown_escaped(site: Site, client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"/xa/{site.town.org_id}/hoi-dap", params={"q": "<script>alert(1)</script>"}
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    "path",
    ["/xa/999999", "/xa/abc", "/xa/1/khong-co", "/xa/999999/hoi-dap", "/xa/999999/so-lieu"],
)
async def test_unknown_addresses_are_404(site: Site, client: httpx.AsyncClient, path: str) -> None:
    held = site.deps.cache.size()
    assert (await client.get(path)).status_code == 404
    assert site.deps.cache.size() == held  # unknown addresses cannot fill the cache


async def test_other_periods_and_years_are_refused(site: Site, client: httpx.AsyncClient) -> None:
    org = site.town.org_id
    assert (await client.get(f"/xa/{org}/so-lieu?period=1990")).status_code == 400
    assert (await client.get(f"/xa/{org}/so-lieu?period=%27;DROP")).status_code == 400
    assert (await client.get(f"/xa/{org}/so-lieu/bieu-do.png?period=x")).status_code == 400
    assert (await client.get(f"/xa/{org}/ke-hoach?year=1800")).status_code == 400
    assert (await client.get(f"/xa/{org}/so-lieu?period=Q4/2025")).status_code == 200


async def test_code_lookup_is_rate_limited(site: Site, client: httpx.AsyncClient) -> None:
    org = site.town.org_id
    statuses = [
        (await client.get(f"/xa/{org}/tra-cuu?code=PA-2026-{n:05d}")).status_code
        for n in range(100, 110)
    ]
    assert statuses == [404] * 10
    refused = await client.get(f"/xa/{org}/tra-cuu?code={site.codes['published']}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    site.town.clock.advance(timedelta(minutes=11))
    assert (
        await client.get(f"/xa/{org}/tra-cuu?code={site.codes['published']}")
    ).status_code == 200


async def test_lookup_of_a_denunciation_reads_like_an_unknown_code(
    site: Site, client: httpx.AsyncClient
) -> None:
    org = site.town.org_id
    secret = await client.get(f"/xa/{org}/tra-cuu?code={site.codes['secret']}&lang=en")
    unknown = await client.get(f"/xa/{org}/tra-cuu?code=TC-2026-99999&lang=en")
    assert secret.status_code == unknown.status_code == 404
    assert secret.text.replace(site.codes["secret"], "X") == unknown.text.replace(
        "TC-2026-99999", "X"
    )
    bad = await client.get(f"/xa/{org}/tra-cuu?code=%3Cimg%20src%3Dx%3E")
    assert bad.status_code == 400
    assert "<img src=x>" not in bad.text


async def test_the_qr_code_opens_the_public_page_when_it_is_served(site: Site) -> None:
    runtime = site.town.runtime
    deployment = runtime.dispatcher.deployment
    runtime.dispatcher.deployment = replace(
        deployment, settings=replace(deployment.settings, public_url=site.base)
    )
    [reply] = (await site.town.admin.say("/qr")).replies
    assert reply.text == f"Scan to send feedback to the commune: {site.base}/"
    assert reply.file is not None
    assert (reply.file.content or b"")[:8] == b"\x89PNG\r\n\x1a\n"
    async with httpx.AsyncClient() as http:
        opened = await http.get(f"{site.base}/", follow_redirects=True)
    assert opened.status_code == 200
    assert "Viết trên Telegram" in opened.text
