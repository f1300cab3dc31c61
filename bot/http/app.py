"""The Starlette app: every route the bot serves, declared once, here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from bot.channels import telegram_webhook as telegram
from bot.channels.zalo_bot import webhook as zalo_bot
from bot.channels.zalo_oa import webhook as zalo
from bot.http import links
from bot.public import routes as public
from bot.public.deps import deps_from
from bot.runtime import Runtime

ROUTES: Final[tuple[BaseRoute, ...]] = (
    Route("/telegram", telegram.webhook, methods=["POST"], name="telegram_webhook"),
    Route("/zalo/webhook", zalo.webhook, methods=["POST"], name="zalo_webhook"),
    Route("/zalo/oauth", zalo.oauth_callback, methods=["GET"], name="zalo_oauth"),
    Route("/zalo-bot/webhook", zalo_bot.webhook, methods=["POST"], name="zalo_bot_webhook"),
    Route("/files/{token}", links.serve_file, methods=["GET"], name="signed_file"),
)


def build_app(runtime: Runtime, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The app for one running bot: the channels' routes, the public page, Open311, health
    and metrics; tests add theirs through ``extra_routes``."""
    public_routes = public.routes(deps_from(runtime))
    app = Starlette(routes=[*ROUTES, *public_routes, *extra_routes])
    app.state.runtime = runtime
    return app
