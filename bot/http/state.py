"""What an endpoint finds on the app: the running bot it was built for."""

from __future__ import annotations

from starlette.requests import Request

from bot.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    """The running bot the request's app was built for."""
    runtime = request.app.state.runtime
    if not isinstance(runtime, Runtime):
        raise TypeError("the app was not built by bot.http.build_app")
    return runtime
