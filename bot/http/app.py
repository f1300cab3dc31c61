"""The Starlette app: every route the bot serves, declared once, here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from bot.channels import telegram
from bot.channels.zalo_oa import webhook as zalo
from bot.http import links
from bot.runtime import Runtime

ROUTES: Final[tuple[BaseRoute, ...]] = (
    Route("/telegram", telegram.webhook, methods=["POST"], name="telegram_webhook"),
    Route("/zalo/webhook", zalo.webhook, methods=["POST"], name="zalo_webhook"),
    Route("/zalo/oauth", zalo.oauth_callback, methods=["GET"], name="zalo_oauth"),
    Route("/files/{token}", links.serve_file, methods=["GET"], name="signed_file"),
)


def build_app(runtime: Runtime, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The app for one running bot; other features add their routes through ``extra_routes``."""
    app = Starlette(routes=[*ROUTES, *extra_routes])
    app.state.runtime = runtime
    return app
