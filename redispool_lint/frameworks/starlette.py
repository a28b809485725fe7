"""Starlette: routes, endpoint classes, middleware and lifespans.

FastAPI builds on these classes, so ``fastapi.py`` reuses the pieces defined here.
"""

from __future__ import annotations

from .base import (
    HTTP_METHODS,
    Framework,
    Kind,
    Registration,
    RoutePrefix,
    Unit,
    lifespan_keywords,
)

#: Decorators on an application or router object.
APP_DECORATORS: dict[str, Registration] = {
    "route": Registration(Kind.ROUTE, "route", with_path=True),
    "websocket_route": Registration(Kind.ROUTE, "websocket", with_path=True, unit=Unit.CONNECTION),
    "middleware": Registration(Kind.HOOK, "HTTP middleware"),
    "exception_handler": Registration(Kind.HOOK, "exception handler"),
    "on_event": Registration(
        Kind.STARTUP, "event", events={"startup": Kind.STARTUP, "shutdown": Kind.SHUTDOWN}
    ),
}

#: Registering calls on an application or router object.
APP_CALLS: dict[str, tuple[Registration, ...]] = {
    # Starlette names the endpoint ``route``; FastAPI's routers name it ``endpoint``.
    "add_route": (
        Registration(Kind.ROUTE, "route", 1, "route", with_path=True),
        Registration(Kind.ROUTE, "route", None, "endpoint", with_path=True),
    ),
    # ``endpoint``; ``route`` in Starlette apps before 1.0.
    "add_websocket_route": (
        Registration(Kind.ROUTE, "websocket", 1, "endpoint", with_path=True, unit=Unit.CONNECTION),
        Registration(Kind.ROUTE, "websocket", None, "route", with_path=True, unit=Unit.CONNECTION),
    ),
    "add_middleware": (Registration(Kind.MIDDLEWARE_CLASS, "middleware", 0, "middleware_class"),),
    "add_exception_handler": (Registration(Kind.HOOK, "exception handler", 1, "handler"),),
    "add_event_handler": (
        Registration(
            Kind.STARTUP,
            "event",
            1,
            "func",
            events={"startup": Kind.STARTUP, "shutdown": Kind.SHUTDOWN},
        ),
    ),
}

STARLETTE_APPS = ("starlette.applications.Starlette", "starlette.routing.Router")

#: Constructor keywords of an app: its lifecycle callables, and ``exception_handlers={404: f}``.
#: (``on_startup``/``on_shutdown`` were removed in Starlette 1.0; older versions and FastAPI
#: still take them.)
APP_KEYWORDS = lifespan_keywords(
    extra=(Registration(Kind.HOOK, "exception handler", None, "exception_handlers"),)
)
#: A router takes no exception handlers.
ROUTER_KEYWORDS = lifespan_keywords()

FRAMEWORK = Framework(
    name="Starlette",
    packages=("starlette",),
    app_classes=STARLETTE_APPS,
    decorator_methods=APP_DECORATORS,
    call_methods=APP_CALLS,
    call_functions={
        "starlette.applications.Starlette": APP_KEYWORDS,
        "starlette.routing.Router": ROUTER_KEYWORDS,
        "starlette.routing.Route": (
            Registration(Kind.ROUTE, "route", 1, "endpoint", with_path=True),
        ),
        "starlette.routing.WebSocketRoute": (
            Registration(
                Kind.ROUTE, "websocket", 1, "endpoint", with_path=True, unit=Unit.CONNECTION
            ),
        ),
        "starlette.middleware.Middleware": (
            Registration(Kind.MIDDLEWARE_CLASS, "middleware", 0, "cls"),
        ),
    },
    handler_bases={
        "starlette.endpoints.HTTPEndpoint": frozenset(HTTP_METHODS),
        "starlette.endpoints.WebSocketEndpoint": frozenset(
            {"on_connect", "on_receive", "on_disconnect"}
        ),
        "starlette.middleware.base.BaseHTTPMiddleware": frozenset({"dispatch"}),
    },
    handler_units={"starlette.endpoints.WebSocketEndpoint": Unit.CONNECTION},
    router_prefixes={
        # ``Mount("/api", routes=[Route("/items", ...)])``: the routes written inside it.
        "starlette.routing.Mount": RoutePrefix("path", positional=True),
    },
)
