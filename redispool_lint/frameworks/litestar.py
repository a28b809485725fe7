"""Litestar: handler decorators, controllers, ``Provide`` dependencies, hooks and lifespans.

Litestar's route decorators are plain functions or classes (``litestar.get``), not methods of an
app object. They are re-exported at several module paths; the model does not read installed
packages, so every public path is listed. Checked against litestar 2.25.

A handler's hooks and dependencies are keywords of the decorator, of ``Router`` and of
``Litestar``: ``dependencies={"x": Provide(fn)}``, ``before_request=fn``, ``guards=[fn]``,
``exception_handlers={Exc: fn}``, ``middleware=[Cls]``. A decorator call is also a call, so these
keywords register whatever they name; a ``Controller`` takes them as class attributes
(``guards = [fn]``). Methods of a ``Controller`` are handlers when decorated; an undecorated
helper method is not (it is per request only when a handler calls it).
"""

from __future__ import annotations

from .base import (
    Framework,
    Kind,
    Registration,
    RoutePrefix,
    Unit,
    lifespan_keywords,
    qualify,
)

_HTTP_DECORATOR_MODULES = (
    "litestar",
    "litestar.handlers",
    "litestar.handlers.http_handlers",
    "litestar.handlers.http_handlers.decorators",
)
_ROUTE_MODULES = (
    "litestar",
    "litestar.handlers",
    "litestar.handlers.http_handlers",
    "litestar.handlers.http_handlers.base",
)
_WEBSOCKET_MODULES = ("litestar", "litestar.handlers", "litestar.handlers.websocket_handlers")

#: A websocket route: its handler runs once per connection.
_WEBSOCKET_ROUTE = Registration(Kind.ROUTE, "websocket", with_path=True, unit=Unit.CONNECTION)

_DECORATORS: dict[str, Registration] = {
    **qualify(
        _HTTP_DECORATOR_MODULES,
        {
            name: Registration(Kind.ROUTE, name.upper(), with_path=True)
            for name in ("get", "post", "put", "patch", "delete", "head")
        },
    ),
    **qualify(_ROUTE_MODULES, {"route": Registration(Kind.ROUTE, "route", with_path=True)}),
    **qualify(
        _ROUTE_MODULES[1:],
        {"HTTPRouteHandler": Registration(Kind.ROUTE, "route", with_path=True)},
    ),
    **qualify(
        _WEBSOCKET_MODULES,
        {
            "websocket": _WEBSOCKET_ROUTE,
            "websocket_listener": _WEBSOCKET_ROUTE,
            "websocket_stream": _WEBSOCKET_ROUTE,
        },
    ),
    "litestar.handlers.websocket_handlers.route_handler.websocket": _WEBSOCKET_ROUTE,
    "litestar.handlers.websocket_handlers.listener.websocket_listener": _WEBSOCKET_ROUTE,
    "litestar.handlers.websocket_handlers.stream.websocket_stream": _WEBSOCKET_ROUTE,
    **qualify(
        ("litestar", "litestar.handlers", "litestar.handlers.asgi_handlers"),
        {"asgi": Registration(Kind.ROUTE, "ASGI route", with_path=True)},
    ),
}

#: Keywords shared by ``Litestar``, ``Router``, ``Controller`` and every handler decorator that
#: name code run per request.
_LAYER_KEYWORDS: tuple[Registration, ...] = (
    # ``dependencies={"x": Provide(fn)}`` registers through ``Provide``; a bare callable as a
    # value is also accepted by Litestar.
    Registration(Kind.DEPENDENCY, "dependency", None, "dependencies"),
    Registration(Kind.HOOK, "before_request hook", None, "before_request"),
    Registration(Kind.HOOK, "after_request hook", None, "after_request"),
    Registration(Kind.HOOK, "after_response hook", None, "after_response"),
    Registration(Kind.HOOK, "guard", None, "guards"),
    Registration(Kind.HOOK, "exception handler", None, "exception_handlers"),
    Registration(Kind.MIDDLEWARE_CLASS, "middleware", None, "middleware"),
)

_APPS = ("litestar.Litestar", "litestar.app.Litestar")
_ROUTERS = ("litestar.Router", "litestar.router.Router")

_MIDDLEWARE_BASES = {
    # ``__call__`` of an ASGIMiddleware builds the app once; ``handle`` runs per request.
    **{
        f"{module}.ASGIMiddleware": frozenset({"handle"})
        for module in ("litestar.middleware", "litestar.middleware.base")
    },
    **{
        f"{module}.AbstractMiddleware": frozenset({"__call__"})
        for module in ("litestar.middleware", "litestar.middleware.base")
    },
    **{
        f"{module}.AbstractAuthenticationMiddleware": frozenset(
            {"__call__", "authenticate_request"}
        )
        for module in ("litestar.middleware", "litestar.middleware.authentication")
    },
}

FRAMEWORK = Framework(
    name="Litestar",
    # ``State`` is a mapping too: ``app.state["redis"]`` is ``app.state.redis``.
    state_items=("state",),
    packages=("litestar",),
    app_classes=_APPS + _ROUTERS,
    decorator_functions=_DECORATORS,
    call_functions={
        **{name: _LAYER_KEYWORDS for name in _DECORATORS},
        **{app: lifespan_keywords(extra=_LAYER_KEYWORDS) for app in _APPS},
        **{router: _LAYER_KEYWORDS for router in _ROUTERS},
        # ``use_cache=True`` keeps the first value on the Provide object, for the app's life.
        "litestar.di.Provide": (
            Registration(Kind.DEPENDENCY, "dependency", 0, "dependency", cached_by="use_cache"),
        ),
        **{
            f"{module}.DefineMiddleware": (
                Registration(Kind.MIDDLEWARE_CLASS, "middleware", 0, "middleware"),
            )
            for module in ("litestar.middleware", "litestar.middleware.base")
        },
    },
    handler_bases=_MIDDLEWARE_BASES,
    # ``Router(path="/v1", route_handlers=[get_item, ItemController, other_router])``.
    router_prefixes=dict.fromkeys(
        _ROUTERS, RoutePrefix("path", positional=True, children="route_handlers")
    ),
    class_prefixes=dict.fromkeys(("litestar.Controller", "litestar.controller.Controller"), "path"),
    # A Controller takes the same settings as class attributes.
    class_attributes={
        controller: _LAYER_KEYWORDS
        for controller in ("litestar.Controller", "litestar.controller.Controller")
    },
)
