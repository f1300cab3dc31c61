"""Pages drawn from Jinja2 templates (autoescaped) in the visitor's language."""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.i18n import SUPPORTED, Translator, negotiate
from bot.settings import Settings

CACHE_SECONDS: Final = 60


@cache
def environment() -> Environment:
    """The template environment (autoescape on for every template)."""
    return Environment(
        loader=PackageLoader("bot.public", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def locale_of(request: Request, settings: Settings) -> str:
    """``?lang=`` when it names a supported language, else the browser's, else the default."""
    asked = request.query_params.get("lang", "")
    if asked in SUPPORTED:
        return asked
    header = request.headers.get("accept-language", "")
    first = header.split(",", 1)[0].split(";", 1)[0].strip()
    return negotiate(first or None, settings.default_locale)


def translator_for(request: Request, settings: Settings) -> Translator:
    """The visitor's translator, in the deployment's time zone."""
    return Translator(locale_of(request, settings), settings.tz)


def page(
    request: Request,
    template: str,
    t: Translator,
    *,
    status_code: int = 200,
    cacheable: bool = True,
    **values: Any,
) -> HTMLResponse:
    """Render ``template`` for the visitor."""
    html = (
        environment()
        .get_template(template)
        .render(
            _=t._,
            ngettext=t.ngettext,
            t=t,
            lang=t.locale,
            url_for=request.url_for,
            request=request,
            **values,
        )
    )
    headers = {
        "Cache-Control": f"public, max-age={CACHE_SECONDS}" if cacheable else "no-store",
        "Content-Language": t.locale,
        "Vary": "Accept-Language",
    }
    return HTMLResponse(html, status_code=status_code, headers=headers)
