"""Open311 GeoReport v2: every endpoint in JSON and XML, keys, filters, paging, bad input."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
from sqlalchemy import func, select

from bot.apikeys import issue_key
from db.models import AuditEntry, Case, CaseKind, CaseStatus, OutboxMessage
from tests.bot.public.conftest import PUBLISHED_A, PUBLISHED_Q, Site
from tests.conftest import REPO_ROOT
from tests.handlers.feedback_support import dump, only_text

SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
FILED_FIELDS = {"service_request_id", "service_notice", "account_id"}
FORM = "application/x-www-form-urlencoded"


async def new_key(site: Site, name: str = "Cổng tỉnh", org_id: int | None = None) -> str:
    """Issue a key the way ``apikey add`` does."""
    runtime = site.town.runtime
    async with runtime.sessions.begin() as session:
        issued = await issue_key(
            session, name=name, org_id=org_id or site.town.org_id, now=runtime.clock.now()
        )
    return issued.secret


def xml_rows(text: str, root: str, item: str) -> list[dict[str, str | None]]:
    """The items of an Open311 XML answer as dictionaries."""
    top = ET.fromstring(text)
    assert top.tag == root
    return [{child.tag: child.text for child in element} for element in top]


async def file(client: httpx.AsyncClient, fmt: str = "json", **fields: str) -> httpx.Response:
    """POST a service request form."""
    return await client.post(
        f"/open311/v2/requests.{fmt}",
        content=httpx.QueryParams(fields).__str__().encode(),
        headers={"content-type": FORM},
    )


async def counts(site: Site) -> tuple[int, int, int]:
    """Cases, audit rows and outbox rows: what a refused request must not change."""
    async with site.town.runtime.sessions() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(Case)) or 0),
            int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0),
        )


async def test_services_in_json_and_xml(site: Site, client: httpx.AsyncClient) -> None:
    listed = (await client.get("/open311/v2/services.json?locale=en")).json()
    assert {s["service_code"] for s in listed} >= {"land", "infrastructure", "environment"}
    for service in listed:
        assert set(service) == SERVICE_FIELDS
        assert service["metadata"] is True
        assert service["type"] == "realtime"
    assert {s["service_name"] for s in listed} >= {"Land", "Roads, water, power"}
    response = await client.get(f"/open311/v2/services.xml?jurisdiction_id={site.town.org_id}")
    assert response.headers["content-type"].startswith("text/xml")
    rows = xml_rows(response.text, "services", "service")
    assert len(rows) == len(listed)
    assert all(set(r) == SERVICE_FIELDS for r in rows)
    assert {r["service_name"] for r in rows} >= {"Đất đai"}


async def test_a_filed_case_reaches_the_admins_inbox(site: Site, client: httpx.AsyncClient) -> None:
    key = await new_key(site)
    before = await counts(site)
    response = await file(
        client,
        api_key=key,
        jurisdiction_id=str(site.town.org_id),
        service_code="environment",
        description="Bãi rác tự phát cạnh trường học.",
        lat="21.0285",
        long="105.8542",
        address_string="Cạnh trường tiểu học",
        first_name="Phạm",
        last_name="Hồng",
        phone="0901 222 333",
        email="hong@example.vn",
    )
    assert response.status_code == 201, response.text
    [filed] = response.json()
    assert set(filed) == FILED_FIELDS
    code = filed["service_request_id"]
    assert code.startswith("PA-2026-")
    assert filed["service_notice"].startswith("answer due by 2026-")
    assert await counts(site) != before

    inbox = only_text(await site.town.admin.say("/inbox"))
    assert code in inbox
    assert "Bãi rác tự phát" in inbox
    async with site.town.runtime.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        assert case is not None
        assert case.channel == "open311"
        assert case.kind == CaseKind.REFLECTION
        assert case.status == CaseStatus.NEW
        assert case.answer_due is not None
        assert case.accept_due is not None
        notices = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.params["code"].as_string() == code)
        )
        assert [n.params["notice"] for n in notices] == ["new_case"]
    stored = await dump(site.town.runtime)
    for personal in ("Phạm Hồng", "0901 222 333", "hong@example.vn"):
        assert personal not in stored  # sealed like a chat sender's contact
    # The administrator handling it sees the contact, as for a chat case.
    card = only_text(await site.town.admin.press(f"case:open:{case.id}"))
    assert "Sender: Phạm Hồng, 0901 222 333, hong@example.vn" in card.splitlines()

    # Filed as XML too.
    response = await file(
        client, "xml", api_key=key, service_code="land", description="Lấn chiếm đất công."
    )
    assert response.status_code == 201
    [row] = xml_rows(response.text, "service_requests", "request")
    assert set(row) == FILED_FIELDS
    xml_code = row["service_request_id"]
    assert xml_code is not None
    assert xml_code in only_text(await site.town.admin.say("/inbox"))


async def test_reading_requests_in_json_and_xml(site: Site, client: httpx.AsyncClient) -> None:
    published = site.codes["published"]
    listed = (await client.get("/open311/v2/requests.json?locale=vi")).json()
    assert [r["service_request_id"] for r in listed] == [published]
    [row] = listed
    assert set(row) == REQUEST_FIELDS
    assert row["status"] == "closed"  # answered: nothing left for the commune to do
    assert row["description"] == PUBLISHED_Q
    assert row["status_notes"] == PUBLISHED_A
    assert row["service_code"] == "infrastructure"
    assert row["requested_datetime"].endswith("+07:00")
    assert row["address"] == ""  # the sender's place is not published

    rows = xml_rows(
        (await client.get("/open311/v2/requests.xml")).text, "service_requests", "request"
    )
    assert [r["service_request_id"] for r in rows] == [published]
    assert set(rows[0]) == REQUEST_FIELDS

    one = (await client.get(f"/open311/v2/requests/{published}.json")).json()
    assert [r["service_request_id"] for r in one] == [published]
    one_xml = await client.get(f"/open311/v2/requests/{published.lower()}.xml")
    assert xml_rows(one_xml.text, "service_requests", "request")[0]["description"] == PUBLISHED_Q

    for hidden in ("private", "unapproved", "secret", "waiting"):
        code = site.codes[hidden]
        response = await client.get(f"/open311/v2/requests/{code}.json")
        assert response.status_code == 404
        assert response.json() == [{"code": 404, "description": "no such service_request_id"}]
        response = await client.get(f"/open311/v2/requests/{code}.xml")
        assert xml_rows(response.text, "errors", "error") == [
            {"code": "404", "description": "no such service_request_id"}
        ]


async def test_a_client_reads_back_what_it_filed_with_filters_and_pages(
    site: Site, client: httpx.AsyncClient
) -> None:
    key = await new_key(site)
    other = await new_key(site, "Hệ thống khác")
    filed = []
    for n in range(5):
        site.town.clock.advance(timedelta(minutes=1))
        response = await file(
            client, api_key=key, service_code="health", description=f"Phản ánh số {n}."
        )
        filed.append(response.json()[0]["service_request_id"])
    newest_first = [*reversed(filed), site.codes["published"]]
    pages = []
    for number in (1, 2, 3, 4):
        response = await client.get(
            "/open311/v2/requests.json",
            params={"api_key": key, "page_size": "2", "page": str(number)},
        )
        pages.append([r["service_request_id"] for r in response.json()])
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:6], []]
    # Another client sees only what is published.
    theirs = await client.get("/open311/v2/requests.json", params={"api_key": other})
    assert [r["service_request_id"] for r in theirs.json()] == [site.codes["published"]]

    async def ids(**params: str) -> list[str]:
        response = await client.get("/open311/v2/requests.json", params={"api_key": key, **params})
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    assert await ids(status="open") == list(reversed(filed))
    assert await ids(status="closed") == [site.codes["published"]]
    assert await ids(status="open,closed") == newest_first
    assert await ids(service_code="infrastructure") == [site.codes["published"]]
    assert await ids(service_request_id=f"{filed[0]},{filed[2]}") == [filed[2], filed[0]]
    start = (site.town.clock.now() - timedelta(seconds=90)).isoformat()
    assert await ids(start_date=start) == [filed[4], filed[3]]
    assert await ids(end_date="2020-01-01T00:00:00Z") == []
    own = (
        await client.get(f"/open311/v2/requests/{filed[0]}.json", params={"api_key": key})
    ).json()
    assert own[0]["description"] == "Phản ánh số 0."
    assert own[0]["status"] == "open"
    assert (await client.get(f"/open311/v2/requests/{filed[0]}.json")).status_code == 404


async def test_the_cli_issues_and_revokes_keys(
    site: Site, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    out = await _cli(site, tmp_path, "apikey", "add", "Cổng dịch vụ công")
    secret = out.strip().splitlines()[-1]
    assert len(secret) >= 40
    ok = await file(client, api_key=secret, service_code="other", description="Góp ý chung.")
    assert ok.status_code == 201
    await _cli(site, tmp_path, "apikey", "revoke", "Cổng dịch vụ công")
    refused = await file(client, api_key=secret, service_code="other", description="Lần nữa.")
    assert refused.status_code == 403
    assert secret not in await dump(site.town.runtime)  # only its hash is stored


async def _cli(site: Site, cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": site.town.runtime.settings.database_url,
        # The command line opens the same sealed data as the running bot.
        "BOT_DATA_KEY": site.town.runtime.settings.data_key or "",
        "BOT_AUDIT_KEY": site.town.runtime.settings.audit_key or "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


BAD_FILINGS: list[tuple[dict[str, str], int, str]] = [
    ({"service_code": "land", "description": "x"}, 403, "api_key is required"),
    ({"api_key": "wrong", "service_code": "land", "description": "x"}, 403, "api_key is not valid"),
    ({"api_key": "' OR 1=1--", "service_code": "land", "description": "x"}, 403, "not valid"),
    ({"api_key": "KEY", "service_code": "nope", "description": "x"}, 400, "service_code"),
    ({"api_key": "KEY", "service_code": "<b>land</b>", "description": "x"}, 400, "service_code"),
    ({"api_key": "KEY", "service_code": "land'--", "description": "x"}, 400, "service_code"),
    ({"api_key": "KEY", "service_code": "land"}, 400, "description is required"),
    ({"api_key": "KEY", "service_code": "land", "description": "  "}, 400, "description"),
    ({"api_key": "KEY", "service_code": "land", "description": "x" * 4001}, 400, "longer"),
    ({"api_key": "KEY", "service_code": "land", "description": "a\x00b"}, 400, "control"),
    ({"api_key": "KEY", "service_code": "land", "description": "x", "lat": "91"}, 400, "lat"),
    (
        {"api_key": "KEY", "service_code": "land", "description": "x", "lat": "1", "long": "nan"},
        400,
        "long",
    ),
    ({"api_key": "KEY", "service_code": "land", "description": "x", "lat": "1"}, 400, "together"),
    (
        {"api_key": "KEY", "service_code": "land", "description": "x", "jurisdiction_id": "999"},
        403,
        "another jurisdiction_id",
    ),
    (
        {"api_key": "KEY", "service_code": "land", "description": "x", "phone": "1" * 301},
        400,
        "phone",
    ),
    (
        {"api_key": "KEY", "service_code": "land", "description": "x", "first_name": "<" * 121},
        400,
        "first_name",
    ),
    (
        {
            "api_key": "KEY",
            "service_code": "land",
            "description": "x",
            "attribute[kind]": "x" * 5000,
        },
        400,
        "attribute[kind] must be one of",
    ),
    (
        {
            "api_key": "KEY",
            "service_code": "land",
            "description": "x",
            "attribute[kind]": "complaint",
            "first_name": "An",
            "attribute[home_address]": "Thôn " + "9" * 300,
        },
        400,
        "attribute[home_address] is longer",
    ),
    (
        {
            "api_key": "KEY",
            "service_code": "land",
            "description": "x",
            "attribute[kind]": "denunciation",
            "first_name": "An",
            "attribute[home_address]": "Thôn\x07 3",
        },
        400,
        "attribute[home_address] holds control characters",
    ),
]


@pytest.mark.parametrize(("fields", "status", "says"), BAD_FILINGS)
async def test_bad_filings_are_refused_and_change_nothing(
    site: Site, client: httpx.AsyncClient, fields: dict[str, str], status: int, says: str
) -> None:
    key = await new_key(site)
    fields = {k: (key if v == "KEY" else v) for k, v in fields.items()}
    before = await counts(site)
    for fmt in ("json", "xml"):
        response = await file(client, fmt, **fields)
        assert response.status_code == status, response.text
        if fmt == "json":
            [error] = response.json()
        else:
            [error] = xml_rows(response.text, "errors", "error")
        assert str(error["code"]) == str(status)
        assert says in str(error["description"])
    assert await counts(site) == before


async def test_malformed_and_huge_bodies_are_refused(site: Site, client: httpx.AsyncClient) -> None:
    key = await new_key(site)
    before = await counts(site)
    url = "/open311/v2/requests.json"
    body = json.dumps({"api_key": key, "service_code": "land", "description": "x"})
    as_json = await client.post(url, content=body, headers={"content-type": "application/json"})
    assert as_json.status_code == 400
    broken = await client.post(url, content=b"\xff\xfe=\xff", headers={"content-type": FORM})
    assert broken.status_code == 400
    twice = await file(client, api_key=key, service_code="land", description="x")
    assert twice.status_code == 201
    before = await counts(site)
    doubled = await client.post(
        url,
        content=f"api_key={key}&service_code=land&service_code=health&description=x".encode(),
        headers={"content-type": FORM},
    )
    assert doubled.status_code == 400
    huge = b"description=" + b"x" * (10 * 1024 * 1024)
    big = await client.post(url, content=huge, headers={"content-type": FORM})
    assert big.status_code == 413

    async def chunks() -> Any:  # no Content-Length: the limit holds while reading
        for _ in range(200):
            yield b"x" * 65536

    streamed = await client.post(url, content=chunks(), headers={"content-type": FORM})
    assert streamed.status_code == 413
    assert await counts(site) == before


@pytest.mark.parametrize(
    "query",
    [
        "jurisdiction_id=%27%20OR%201%3D1",
        "jurisdiction_id=999999",
        "service_code=%3Cscript%3E",
        "status=pending",
        "status=%27--",
        "start_date=yesterday",
        "end_date=%3Cb%3E",
        "page=0",
        "page_size=1000",
        "page_size=-5",
        "service_request_id=" + ",".join(["PA-2026-00001"] * 51),
        "api_key=%3Cscript%3E",
        "locale=en&locale=vi",
    ],
)
async def test_bad_queries_get_errors(client: httpx.AsyncClient, query: str) -> None:
    for fmt in ("json", "xml"):
        response = await client.get(f"/open311/v2/requests.{fmt}?{query}")
        assert response.status_code in {400, 403, 404}, response.text
        assert "<script>" not in response.text
        assert "<b>" not in response.text


async def test_unknown_formats_ids_and_jurisdictions(client: httpx.AsyncClient) -> None:
    assert (await client.get("/open311/v2/services.html")).status_code == 404
    assert (await client.get("/open311/v2/requests.csv")).status_code == 404
    response = await client.get("/open311/v2/requests/%3Cscript%3E.json")
    assert response.status_code == 404
    assert "<script>" not in response.text
    assert (await client.get("/open311/v2/services.json?jurisdiction_id=abc")).status_code == 404


async def test_one_client_cannot_flood(site: Site, client: httpx.AsyncClient) -> None:
    key = await new_key(site)
    statuses = [
        (
            await file(client, api_key=key, service_code="other", description=f"Góp ý {n}")
        ).status_code
        for n in range(31)
    ]
    assert statuses == [201] * 30 + [429]
    site.town.clock.advance(timedelta(minutes=2))
    again = await file(client, api_key=key, service_code="other", description="Góp ý lại")
    assert again.status_code == 201


async def test_service_definition_lists_the_kind_and_home_address(
    client: httpx.AsyncClient,
) -> None:
    defined = (await client.get("/open311/v2/services/land.json?locale=en")).json()
    assert defined["service_code"] == "land"
    kind, home = defined["attributes"]
    assert (kind["code"], kind["datatype"]) == ("kind", "singlevaluelist")
    assert {v["key"] for v in kind["values"]} == {k.value for k in CaseKind}
    assert "Complaint (khiếu nại)" in {v["name"] for v in kind["values"]}
    assert (home["code"], home["datatype"]) == ("home_address", "string")
    response = await client.get("/open311/v2/services/land.xml?locale=vi")
    top = ET.fromstring(response.text)
    assert top.findtext("service_code") == "land"
    assert [a.findtext("code") for a in top.iter("attribute")] == ["kind", "home_address"]
    assert len(list(top.iter("value"))) == len(CaseKind)
    missing = await client.get("/open311/v2/services/nope.json")
    assert missing.status_code == 404
    [error] = missing.json()
    assert error["description"] == "unknown service_code"


NAMELESS_COMPLAINTS = [
    {"first_name": "", "last_name": "", "attribute[home_address]": "Thôn 3, xã Tân Lập"},
    {"first_name": "Phạm", "attribute[home_address]": ""},
    {"first_name": "Phạm", "attribute[home_address]": "0901 222 333"},
    {"phone": "0901 222 333"},
]


@pytest.mark.parametrize("kind", ["complaint", "denunciation"])
@pytest.mark.parametrize("identity", NAMELESS_COMPLAINTS)
async def test_a_complaint_or_denunciation_without_name_and_address_is_refused(
    site: Site, client: httpx.AsyncClient, kind: str, identity: dict[str, str]
) -> None:
    key = await new_key(site)
    before = await counts(site)
    for fmt in ("json", "xml"):
        response = await file(
            client,
            fmt,
            api_key=key,
            service_code="land",
            description="Quyết định thu hồi đất không đúng.",
            **{"attribute[kind]": kind},
            **identity,
        )
        assert response.status_code == 400, response.text
        if fmt == "json":
            [error] = response.json()
        else:
            [error] = xml_rows(response.text, "errors", "error")
        assert str(error["code"]) == "400"
        assert f"a {kind} needs the sender's first_name or last_name" in str(error["description"])
        assert "attribute[home_address]" in str(error["description"])
    assert await counts(site) == before


async def test_an_unknown_kind_is_refused(site: Site, client: httpx.AsyncClient) -> None:
    key = await new_key(site)
    before = await counts(site)
    response = await file(
        client, api_key=key, service_code="land", description="x", **{"attribute[kind]": "KN'"}
    )
    assert response.status_code == 400
    assert "attribute[kind] must be one of" in response.json()[0]["description"]
    assert await counts(site) == before


async def test_a_complaint_with_name_and_address_is_filed_and_sealed(
    site: Site, client: httpx.AsyncClient
) -> None:
    key = await new_key(site)
    response = await file(
        client,
        api_key=key,
        service_code="land",
        description="Quyết định thu hồi đất không đúng.",
        first_name="Phạm",
        last_name="Hồng",
        phone="0901 222 333",
        **{"attribute[kind]": "complaint", "attribute[home_address]": "Số 5, thôn Đông"},
    )
    assert response.status_code == 201, response.text
    code = response.json()[0]["service_request_id"]
    assert code.startswith("KH-")
    async with site.town.runtime.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
        assert case is not None
        assert case.kind == CaseKind.COMPLAINT
    stored = await dump(site.town.runtime)
    for personal in ("Phạm Hồng", "Số 5, thôn Đông", "0901 222 333"):
        assert personal not in stored
    card = only_text(await site.town.admin.press(f"case:open:{case.id}"))
    assert "Sender's address: Số 5, thôn Đông" in card.splitlines()
