"""FastAPI: path operations, dependencies (``Depends``/``Security``), routers and lifespans.

A FastAPI app is a Starlette app, so everything Starlette registers applies too.
"""

from __future__ import annotations

from .base import HTTP_METHODS, Framework, Kind, Registration, RoutePrefix, Unit, methods
from .starlette import APP_CALLS, APP_DECORATORS, APP_KEYWORDS, ROUTER_KEYWORDS

APPS = (
    "fastapi.FastAPI",
    "fastapi.applications.FastAPI",
    "fastapi.APIRouter",
    "fastapi.routing.APIRouter",
)

_DEPENDENCY = (Registration(Kind.DEPENDENCY, "dependency", 0, "dependency"),)

FRAMEWORK = Framework(
    name="FastAPI",
    packages=("fastapi",),
    app_classes=APPS,
    router_prefixes=dict.fromkeys(APPS[2:], RoutePrefix("prefix")),
    include_prefixes={"include_router": RoutePrefix("prefix", child_keyword="router")},
    decorator_methods={
        **APP_DECORATORS,
        **methods(HTTP_METHODS),
        "api_route": Registration(Kind.ROUTE, "route", with_path=True),
        "websocket": Registration(Kind.ROUTE, "websocket", with_path=True, unit=Unit.CONNECTION),
    },
    call_methods={
        **APP_CALLS,
        "add_api_route": (Registration(Kind.ROUTE, "route", 1, "endpoint", with_path=True),),
        "add_api_websocket_route": (
            Registration(
                Kind.ROUTE, "websocket", 1, "endpoint", with_path=True, unit=Unit.CONNECTION
            ),
        ),
    },
    call_functions={
        **{app: APP_KEYWORDS for app in APPS[:2]},
        **{router: ROUTER_KEYWORDS for router in APPS[2:]},
        **{
            f"fastapi.{module}{marker}": _DEPENDENCY
            for module in ("", "params.", "param_functions.")
            for marker in ("Depends", "Security")
        },
        "fastapi.routing.APIRoute": (
            Registration(Kind.ROUTE, "route", 1, "endpoint", with_path=True),
        ),
        "fastapi.routing.APIWebSocketRoute": (
            Registration(
                Kind.ROUTE, "websocket", 1, "endpoint", with_path=True, unit=Unit.CONNECTION
            ),
        ),
    },
)
