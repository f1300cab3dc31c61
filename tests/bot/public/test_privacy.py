"""Nothing personal, nothing of a denunciation and no unpublished answer on any public answer."""

from __future__ import annotations

import httpx

from tests.bot.public.conftest import (
    CITIZEN,
    CITIZEN_ADDRESS,
    CITIZEN_PHONE,
    DENOUNCER,
    DENOUNCER_ADDRESS,
    DENOUNCER_PHONE,
    PRIVATE_A,
    PRIVATE_Q,
    PUBLISHED_A,
    SECRET_A,
    SECRET_Q,
    UNAPPROVED_A,
    UNAPPROVED_Q,
    Site,
)

NEVER = (
    DENOUNCER,
    DENOUNCER_PHONE,
    DENOUNCER_ADDRESS,
    CITIZEN,
    CITIZEN_PHONE,
    CITIZEN_ADDRESS,
    SECRET_Q,
    SECRET_A,
    PRIVATE_Q,
    PRIVATE_A,
    UNAPPROVED_Q,
    UNAPPROVED_A,
    "0912",
    "0987",
)


def _paths(site: Site) -> list[str]:
    org = site.town.org_id
    codes = list(site.codes.values())
    pages = [f"/xa/{org}", f"/xa/{org}/ke-hoach", f"/xa/{org}/so-lieu", f"/xa/{org}/tra-cuu"]
    pages += [f"/xa/{org}/hoi-dap?{q}" for q in ("", "q=cán+bộ", "q=hối+lộ", "topic=conduct")]
    pages += [f"/xa/{org}/hoi-dap?topic={t}" for t in ("land", "health", "infrastructure")]
    pages += [f"/xa/{org}/tra-cuu?code={c}" for c in codes]
    pages += [f"/xa/{org}/so-lieu?period=2026", f"/xa/{org}/ke-hoach?year=2025"]
    api = ["/open311/v2/services", "/open311/v2/requests", "/open311/v2/requests?status=open"]
    api += [f"/open311/v2/requests/{c}" for c in codes]
    api += [f"/open311/v2/requests?service_request_id={','.join(codes)}"]
    with_formats = [
        p.replace("?", f".{fmt}?", 1) if "?" in p else f"{p}.{fmt}"
        for p in api
        for fmt in ("json", "xml")
    ]
    return [
        *(f"{p}{'&' if '?' in p else '?'}lang={lang}" for p in pages for lang in ("vi", "en")),
        *with_formats,
        "/healthz",
        "/metrics",
    ]


async def test_no_public_answer_shows_what_must_stay_private(
    site: Site, client: httpx.AsyncClient
) -> None:
    seen = 0
    for path in _paths(site):
        response = await client.get(path)
        assert response.status_code in {200, 404}, (path, response.status_code)
        text = response.text
        for secret in NEVER:
            assert secret not in text, (path, secret)
        seen += PUBLISHED_A in text
    # The published answer is there, so the search did look where answers are shown.
    assert seen >= 6
