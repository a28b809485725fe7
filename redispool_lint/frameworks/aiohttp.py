"""aiohttp.web: route tables, router calls, route definitions, views, middlewares and signals.

Checked against aiohttp 3.14. What aiohttp runs once is registered on signals of the app:
``app.on_startup.append(f)``, ``app.on_shutdown``/``app.on_cleanup`` (shutdown) and
``app.cleanup_ctx.append(gen)`` (a generator: startup before its ``yield``, cleanup after).
``app.on_response_prepare`` runs per response. A ``web.View`` subclass is instantiated per
request, so its ``__init__`` is per request too.
"""

from __future__ import annotations

from .base import HTTP_METHODS, Framework, Kind, Registration, add_methods, methods

_ROUTE_NAMES = ("get", "post", "put", "patch", "delete", "head", "options")

#: Decorators of a ``web.RouteTableDef()``: ``@routes.get("/path")``; ``route(method, path)``.
_TABLE_DECORATORS: dict[str, Registration] = {
    **methods(_ROUTE_NAMES),
    "route": Registration(Kind.ROUTE, "route", with_path=True),
    "view": Registration(Kind.ROUTE, "view", with_path=True),
}

#: Methods of the app's router (``app.router.add_get(path, handler)``).
_ROUTER_CALLS: dict[str, tuple[Registration, ...]] = {
    **add_methods(_ROUTE_NAMES),
    "add_route": (Registration(Kind.ROUTE, "route", 2, "handler", with_path=True),),
    "add_view": (Registration(Kind.ROUTE, "view", 1, "handler", with_path=True),),
}


def _signal(name: str, kind: Kind, label: str) -> dict[str, tuple[Registration, ...]]:
    """``app.<name>.append(f)`` and ``app.<name>.extend([f, g])``."""
    return {
        f"{name}.{method}": (Registration(kind, label, 0, None),) for method in ("append", "extend")
    }


_APP_CALLS: dict[str, tuple[Registration, ...]] = {
    **{f"router.{name}": registrations for name, registrations in _ROUTER_CALLS.items()},
    **_signal("on_startup", Kind.STARTUP, "startup"),
    **_signal("on_shutdown", Kind.SHUTDOWN, "shutdown"),
    **_signal("on_cleanup", Kind.SHUTDOWN, "cleanup"),
    **_signal("cleanup_ctx", Kind.LIFESPAN, "cleanup context"),
    **_signal("on_response_prepare", Kind.HOOK, "on_response_prepare signal"),
    **_signal("middlewares", Kind.HOOK, "middleware"),
}

_WEB_MODULES = ("aiohttp.web", "aiohttp.web_routedef")
_MIDDLEWARE_MODULES = ("aiohttp.web", "aiohttp.web_middlewares")

_APPS = ("aiohttp.web.Application", "aiohttp.web_app.Application")
_TABLES = ("aiohttp.web.RouteTableDef", "aiohttp.web_routedef.RouteTableDef")
_ROUTERS = ("aiohttp.web.UrlDispatcher", "aiohttp.web_urldispatcher.UrlDispatcher")

_VIEW_METHODS = frozenset({*HTTP_METHODS, "__init__"})

FRAMEWORK = Framework(
    name="aiohttp",
    # Shared objects are the app's items: ``app["redis"]`` at startup, ``request.app["redis"]``
    # or ``request.config_dict["redis"]`` (the app's and its parents') in handlers.
    state_items=("app", "config_dict"),
    packages=("aiohttp",),
    app_classes=_APPS + _TABLES + _ROUTERS,
    # The method tables apply to every app class; the names do not overlap (a route table has
    # no ``router``, an app has no ``get``), so one table serves all three.
    decorator_methods=_TABLE_DECORATORS,
    call_methods={**_APP_CALLS, **_ROUTER_CALLS},
    decorator_functions={
        f"{module}.middleware": Registration(Kind.HOOK, "middleware")
        for module in _MIDDLEWARE_MODULES
    },
    call_functions={
        # Route definitions for ``app.add_routes([web.get("/", handler), ...])``.
        **{
            f"{module}.{name}": (
                Registration(Kind.ROUTE, name.upper(), 1, "handler", with_path=True),
            )
            for module in _WEB_MODULES
            for name in _ROUTE_NAMES
        },
        **{
            f"{module}.route": (Registration(Kind.ROUTE, "route", 2, "handler", with_path=True),)
            for module in _WEB_MODULES
        },
        **{
            f"{module}.view": (Registration(Kind.ROUTE, "view", 1, "handler", with_path=True),)
            for module in _WEB_MODULES
        },
        **{app: (Registration(Kind.HOOK, "middleware", None, "middlewares"),) for app in _APPS},
    },
    handler_bases={
        "aiohttp.web.View": _VIEW_METHODS,
        "aiohttp.web_urldispatcher.View": _VIEW_METHODS,
    },
)
