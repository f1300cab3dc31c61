"""Every public address, declared once: path with typed parameters, name, handler, methods.

Templates and tests build URLs back from the names (``request.url_for``), so a path is
written only here.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.public import health, open311, pages
from bot.public.deps import PublicDeps

Endpoint = Callable[[PublicDeps, Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Address:
    """One public address."""

    path: str
    name: str
    endpoint: Endpoint
    methods: tuple[str, ...] = ("GET",)


ADDRESSES: Final = (
    Address("/", "root", pages.root),
    Address("/xa/{org:int}", "home", pages.home),
    Address("/xa/{org:int}/hoi-dap", "questions", pages.questions),
    Address("/xa/{org:int}/ke-hoach", "plan", pages.plan),
    Address("/xa/{org:int}/so-lieu", "numbers", pages.numbers),
    Address("/xa/{org:int}/so-lieu/bieu-do.png", "chart", pages.chart),
    Address("/xa/{org:int}/tra-cuu", "lookup", pages.lookup),
    Address("/open311/v2/services.{format}", "open311_services", open311.services),
    Address("/open311/v2/services/{code}.{format}", "open311_service", open311.service_definition),
    Address("/open311/v2/requests.{format}", "open311_requests", open311.requests_list),
    Address(
        "/open311/v2/requests.{format}", "open311_file", open311.file_request, methods=("POST",)
    ),
    Address("/open311/v2/requests/{code}.{format}", "open311_request", open311.request_one),
    Address("/healthz", "healthz", health.healthz),
    Address("/metrics", "metrics", health.metrics_page),
)


def routes(deps: PublicDeps) -> list[BaseRoute]:
    """The public pages, the Open311 API, health and metrics, bound to ``deps``."""
    return [
        Route(a.path, functools.partial(a.endpoint, deps), name=a.name, methods=list(a.methods))
        for a in ADDRESSES
    ]
