"""The bot's one HTTP app serves the channels' routes and the public ones side by side."""

from __future__ import annotations

import httpx

from bot.http.app import build_app
from bot.runtime import Runtime


async def test_one_app_serves_health_the_public_page_and_the_webhooks(runtime: Runtime) -> None:
    app = build_app(runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        health = await http.get("/healthz")
        assert health.status_code == 200
        assert (await http.get("/metrics")).text.startswith("# HELP")
        home = await http.get("/", follow_redirects=True)
        assert home.status_code == 200
        assert "<html" in home.text
        services = await http.get("/open311/v2/services.json")
        assert services.status_code == 200
        assert isinstance(services.json(), list)
        # A webhook without its signature is refused, whatever else the app serves.
        assert (await http.post("/zalo/webhook", content=b"{}")).status_code in {401, 404}
