"""Open311 GeoReport v2: services (topics), requests (cases) read and filed, JSON and XML.

Each organization is one jurisdiction (``jurisdiction_id`` is its id; without one, the
deployment's own). Reading shows the cases published on the public page, and to a client
presenting its key also the cases it filed; filing takes a key issued by ``apikey add`` and
goes through the same intake as the chat.

A request is a reflection (phản ánh) unless ``attribute[kind]`` names another kind (the
service definition lists them). A complaint (khiếu nại) or denunciation (tố cáo) needs the
sender's name and home address (``attribute[home_address]``), as the law on complaints and
denunciations requires and as the chat asks: a phone number alone is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import Response

from bot.apikeys import key_holder
from bot.feedback.catalog import KINDS, TOPICS, kind_label, topic_label
from bot.feedback.intake import Submission, receive_case
from bot.feedback.views import status_label
from bot.i18n import Translator, negotiate
from bot.papi import vietnamese_name
from bot.public.deps import PublicDeps
from bot.public.limits import TooLarge, TooMany, read_body
from db.models import ApiKey, Case, CaseKind, CaseStatus
from db.queries import public, reports
from db.queries.cases import OPEN_STATUSES

FORMATS: Final = ("json", "xml")
BODY_LIMIT: Final = 64 * 1024
TEXT_LIMIT: Final = 4000
FIELD_LIMIT: Final = 300
NAME_LIMIT: Final = 120
PAGE_SIZE: Final = 50
PAGE_SIZE_LIMIT: Final = 200
DEFAULT_DAYS: Final = 90
CODE_LIST_LIMIT: Final = 50
CLOSED: Final = frozenset(set(CaseStatus) - set(OPEN_STATUSES))
KIND_FIELD: Final = "attribute[kind]"
HOME_FIELD: Final = "attribute[home_address]"


class Problem(Exception):
    """An Open311 error: the HTTP status and the description the client gets."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _format(request: Request) -> str:
    fmt = str(request.path_params["format"])
    if fmt not in FORMATS:
        raise Problem(404, "unknown format; use .json or .xml")
    return fmt


def _xml(root: str, item: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    body: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return body


def _answer(
    fmt: str, root: str, item: str, rows: Sequence[Mapping[str, Any]], status: int = 200
) -> Response:
    if fmt == "xml":
        return Response(_xml(root, item, rows), status, media_type="text/xml; charset=utf-8")
    body = json.dumps(list(rows), ensure_ascii=False).encode()
    return Response(body, status, media_type="application/json")


def _error(fmt: str, problem: Problem) -> Response:
    rows = [{"code": problem.status, "description": problem.description}]
    return _answer(fmt, "errors", "error", rows, problem.status)


def _one(params: Mapping[str, list[str]], name: str) -> str:
    values = params.get(name, [])
    if len(values) > 1:
        raise Problem(400, f"{name} is given more than once")
    return values[0].strip() if values else ""


def _query(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query, keep_blank_values=True)


async def _jurisdiction(deps: PublicDeps, raw: str) -> tuple[int, tuple[int, ...]]:
    if not raw:
        org_id = deps.root_org_id
    elif raw.isascii() and raw.isdigit() and len(raw) <= 9:
        org_id = int(raw)
    else:
        raise Problem(404, "unknown jurisdiction_id")
    async with deps.sessions() as session:
        tree = await reports.org_tree(session, org_id)
    if not tree:
        raise Problem(404, "unknown jurisdiction_id")
    return org_id, tuple(o for o, _, _ in tree)


def _translator(request: Request, deps: PublicDeps, params: Mapping[str, list[str]]) -> Translator:
    asked = _one(params, "locale") or request.headers.get("accept-language", "").split(",")[0]
    return Translator(negotiate(asked[:20] or None, deps.settings.default_locale), deps.settings.tz)


async def services(deps: PublicDeps, request: Request) -> Response:
    """The topics a case can be filed under."""
    fmt = "json"
    try:
        fmt = _format(request)
        params = _query(request)
        await _jurisdiction(deps, _one(params, "jurisdiction_id"))
        t = _translator(request, deps, params)
    except Problem as problem:
        return _error(fmt, problem)
    rows = [
        {
            "service_code": topic.key,
            "service_name": t._(topic.label),
            "description": t._(topic.label),
            "metadata": True,
            "type": "realtime",
            "keywords": topic.dimension,
            "group": vietnamese_name(topic.dimension),
        }
        for topic in TOPICS.values()
    ]
    return _answer(fmt, "services", "service", rows)


async def service_definition(deps: PublicDeps, request: Request) -> Response:
    """The attributes a request may carry: its kind, and the sender's home address."""
    fmt = "json"
    try:
        fmt = _format(request)
        params = _query(request)
        await _jurisdiction(deps, _one(params, "jurisdiction_id"))
        t = _translator(request, deps, params)
        code = str(request.path_params["code"])
        if code not in TOPICS:
            raise Problem(404, "unknown service_code")
    except Problem as problem:
        return _error(fmt, problem)
    attributes = [
        {
            "variable": True,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": 1,
            "description": t._("Kind of feedback (a report of a problem if not given)"),
            "values": [{"key": k.value, "name": kind_label(k, t)} for k in KINDS],
        },
        {
            "variable": True,
            "code": "home_address",
            "datatype": "string",
            "required": False,
            "datatype_description": "",
            "order": 2,
            "description": t._(
                "The sender's home address: required, with the name, for a complaint or "
                "a denunciation"
            ),
        },
    ]
    if fmt == "xml":
        return Response(_definition_xml(code, attributes), media_type="text/xml; charset=utf-8")
    body = json.dumps({"service_code": code, "attributes": attributes}, ensure_ascii=False)
    return Response(body.encode(), media_type="application/json")


def _definition_xml(code: str, attributes: Sequence[Mapping[str, Any]]) -> bytes:
    top = ET.Element("service_definition")
    ET.SubElement(top, "service_code").text = code
    listed = ET.SubElement(top, "attributes")
    for attribute in attributes:
        element = ET.SubElement(listed, "attribute")
        for key, value in attribute.items():
            child = ET.SubElement(element, key)
            if key == "values":
                for option in value:
                    entry = ET.SubElement(child, "value")
                    ET.SubElement(entry, "key").text = option["key"]
                    ET.SubElement(entry, "name").text = option["name"]
            else:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    body: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return body


def _stamp(moment: datetime | None, deps: PublicDeps) -> str | None:
    return None if moment is None else moment.astimezone(deps.settings.tz).isoformat()


def _day_end(day: date | None, deps: PublicDeps) -> str | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=deps.settings.tz).isoformat()


def _request_row(case: Case, deps: PublicDeps, t: Translator, own: int | None) -> dict[str, Any]:
    published = case.published_at is not None and case.publishable
    mine = own is not None and case.citizen_id == own
    answer = case.answer if (published or mine) and case.answer else None
    updated = max(
        (m for m in (case.received_at, case.accepted_at, case.answered_at, case.closed_at) if m),
        default=case.received_at,
    )
    return {
        "service_request_id": case.code,
        "status": "open" if case.status in OPEN_STATUSES else "closed",
        "status_notes": answer or status_label(case.status, t),
        "service_name": topic_label(case.topic, t),
        "service_code": case.topic,
        "description": case.text,
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": _stamp(case.received_at, deps),
        "updated_datetime": _stamp(updated, deps),
        "expected_datetime": _day_end(case.answer_due, deps),
        "address": case.address if mine else "",
        "address_id": "",
        "zipcode": "",
        "lat": case.latitude if mine else None,
        "long": case.longitude if mine else None,
        "media_url": "",
    }


def _moment(raw: str, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, f"{name} must be a W3C date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive(raw: str, name: str, default: int, most: int) -> int:
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= most:
        raise Problem(400, f"{name} must be a whole number from 1 to {most}")
    return int(raw)


async def _client(deps: PublicDeps, secret: str) -> ApiKey | None:
    if not secret:
        return None
    async with deps.sessions() as session:
        key = await key_holder(session, secret)
    if key is None:
        raise Problem(403, "api_key is not valid")
    return key


async def requests_list(deps: PublicDeps, request: Request) -> Response:
    """Cases with the spec's filters (ids, service, dates, status) and pages."""
    fmt = "json"
    try:
        fmt = _format(request)
        params = _query(request)
        _, org_ids = await _jurisdiction(deps, _one(params, "jurisdiction_id"))
        t = _translator(request, deps, params)
        key = await _client(deps, _one(params, "api_key"))
        own = key.person_id if key is not None and key.org_id in org_ids else None
        codes = [c.strip().upper() for c in _one(params, "service_request_id").split(",")]
        codes = [c for c in codes if c]
        if len(codes) > CODE_LIST_LIMIT:
            raise Problem(400, f"at most {CODE_LIST_LIMIT} service_request_id values")
        service = _one(params, "service_code") or None
        if service is not None and service not in TOPICS:
            raise Problem(400, "unknown service_code")
        start = _moment(_one(params, "start_date"), "start_date")
        end = _moment(_one(params, "end_date"), "end_date")
        if start is None and end is None and not codes:
            start = deps.clock.now() - timedelta(days=DEFAULT_DAYS)
        statuses: set[CaseStatus] = set()
        for word in filter(None, _one(params, "status").split(",")):
            if word == "open":
                statuses |= set(OPEN_STATUSES)
            elif word == "closed":
                statuses |= CLOSED
            else:
                raise Problem(400, "status must be open or closed")
        size = _positive(_one(params, "page_size"), "page_size", PAGE_SIZE, PAGE_SIZE_LIMIT)
        number = _positive(_one(params, "page"), "page", 1, 100_000)
    except Problem as problem:
        return _error(fmt, problem)
    async with deps.sessions() as session:
        found = await public.jurisdiction_cases(
            session,
            org_ids,
            own_person=own,
            codes=codes,
            topic=service,
            start=start,
            end=end,
            statuses=statuses,
            offset=(number - 1) * size,
            limit=size,
        )
        rows = [_request_row(c, deps, t, own) for c in found]
    return _answer(fmt, "service_requests", "request", rows)


async def request_one(deps: PublicDeps, request: Request) -> Response:
    """One case by its tracking code."""
    fmt = "json"
    try:
        fmt = _format(request)
        params = _query(request)
        _, org_ids = await _jurisdiction(deps, _one(params, "jurisdiction_id"))
        t = _translator(request, deps, params)
        key = await _client(deps, _one(params, "api_key"))
        own = key.person_id if key is not None and key.org_id in org_ids else None
        code = str(request.path_params["code"]).upper()
        async with deps.sessions() as session:
            found = await public.jurisdiction_cases(
                session, org_ids, own_person=own, codes=[code], limit=1
            )
            rows = [_request_row(c, deps, t, own) for c in found]
        if not rows:
            raise Problem(404, "no such service_request_id")
    except Problem as problem:
        return _error(fmt, problem)
    return _answer(fmt, "service_requests", "request", rows)


def _text(form: Mapping[str, list[str]], name: str, limit: int) -> str:
    value = " ".join(_one(form, name).split()) if name != "description" else _one(form, name)
    if len(value) > limit:
        raise Problem(400, f"{name} is longer than {limit} characters")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise Problem(400, f"{name} holds control characters")
    return value


def _coordinate(form: Mapping[str, list[str]], name: str, bound: float) -> float | None:
    raw = _one(form, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Problem(400, f"{name} must be a number") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise Problem(400, f"{name} is out of range")
    return value


async def _form(request: Request) -> dict[str, list[str]]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Problem(400, "send the request as application/x-www-form-urlencoded")
    try:
        body = await read_body(request, BODY_LIMIT)
    except TooLarge:
        raise Problem(413, f"the request is larger than {BODY_LIMIT // 1024} KB") from None
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "the body is not a valid form") from None


async def file_request(deps: PublicDeps, request: Request) -> Response:
    """File a case (a reflection, phản ánh, unless ``attribute[kind]`` says otherwise)
    through the same intake as the chat."""
    fmt = "json"
    try:
        fmt = _format(request)
        form = await _form(request)
        key = await _client(deps, _one(form, "api_key"))
        if key is None:
            raise Problem(403, "api_key is required")
        try:
            deps.filings.hit(key.id)
        except TooMany:
            raise Problem(429, "too many requests with this api_key; wait a minute") from None
        jurisdiction = _one(form, "jurisdiction_id")
        if jurisdiction and jurisdiction != str(key.org_id):
            raise Problem(403, "this api_key is for another jurisdiction_id")
        service = _one(form, "service_code")
        if service not in TOPICS:
            raise Problem(400, "unknown or missing service_code")
        description = _text(form, "description", TEXT_LIMIT)
        if not description.strip():
            raise Problem(400, "description is required")
        lat = _coordinate(form, "lat", 90)
        lon = _coordinate(form, "long", 180)
        if (lat is None) != (lon is None):
            raise Problem(400, "lat and long go together")
        address = _text(form, "address_string", FIELD_LIMIT) or None
        name = " ".join(
            p for p in (_text(form, n, NAME_LIMIT) for n in ("first_name", "last_name")) if p
        )
        reach = [_text(form, n, FIELD_LIMIT) for n in ("phone", "email")]
        case_kind = _kind(form)
        home = _text(form, HOME_FIELD, FIELD_LIMIT)
        if KINDS[case_kind].identity_required and not (name and _is_address(home)):
            raise Problem(
                400,
                f"a {case_kind.value} needs the sender's first_name or last_name and "
                f"{HOME_FIELD} (a home address, not a phone number), as the law requires",
            )
        contact = {"name": name} if name else {}
        if home:
            contact["home"] = home
        if any(reach):
            contact["phone"] = ", ".join(r for r in reach if r)
    except Problem as problem:
        return _error(fmt, problem)
    now = deps.clock.now()
    digest = hashlib.sha256(" ".join(description.split()).casefold().encode()).hexdigest()
    async with deps.sessions.begin() as session:
        received = await receive_case(
            session,
            Submission(
                kind=case_kind,
                topic=service,
                text=description,
                text_hash=digest,
                channel="open311",
                chat_id="0",
                consent_at=now,
                address=address,
                latitude=lat,
                longitude=lon,
                contact=contact,
            ),
            citizen_id=key.person_id,
            org_id=key.org_id,
            audit_org_id=key.org_id,
            now=now,
            tz=deps.settings.tz,
            sealer=deps.sealer,
        )
        code = received.case.code
        due = received.due.answer
    notice = f"answer due by {due.isoformat()}" if due else ""
    rows = [{"service_request_id": code, "service_notice": notice, "account_id": None}]
    return _answer(fmt, "service_requests", "request", rows, 201)


def _kind(form: Mapping[str, list[str]]) -> CaseKind:
    raw = _one(form, KIND_FIELD)
    if not raw:
        return CaseKind.REFLECTION
    try:
        return CaseKind(raw)
    except ValueError:
        allowed = ", ".join(k.value for k in CaseKind)
        raise Problem(400, f"{KIND_FIELD} must be one of: {allowed}") from None


def _is_address(text: str) -> bool:
    """Whether ``text`` could be a home address: some letters, not only a phone number."""
    return any(c.isalpha() for c in text)
