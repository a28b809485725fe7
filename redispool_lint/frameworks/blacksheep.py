"""BlackSheep: routes, controllers, middlewares, exception handlers, events and rodi services.

Checked against BlackSheep 2.6 (and rodi 2.0, its dependency-injection container). Routes are
decorators of a router: the app's (``@app.router.get("/")``), a ``Router(prefix=...)`` given
to ``Application(router=...)``, or the default router behind the module-level ``@get("/")`` of
``blacksheep`` and ``blacksheep.server.routing``; or calls such as
``app.router.add_get("/", handler)``. A ``Controller`` is a transient service: an instance per
request (its ``__init__``, ``on_request`` and ``on_response``), with methods routed by the
decorators of ``blacksheep.server.controllers``. Middlewares (``app.middlewares.append``) and
exception handlers run per request. Application events run once: ``on_start``,
``after_start`` and ``on_stop``, subscribed with ``+=``, as a decorator or called with the
handler; ``@app.lifespan`` takes an async generator (startup before its ``yield``). Services
registered as scoped (one per request) or transient (one per resolution) in ``app.services``
run their factory or their class's ``__init__`` per request; singletons, once, lazily, are
ordinary code.
"""

from __future__ import annotations

from .base import Framework, Kind, Registration, add_methods, methods, qualify

#: The routing decorators: methods of a router, and the module-level ones of the default
#: router (``blacksheep.server.routing``) and of the controllers' registry.
_ROUTE_NAMES = ("get", "post", "put", "patch", "delete", "head", "options", "trace", "connect")
_ROUTE_DECORATORS: dict[str, Registration] = {
    **methods(_ROUTE_NAMES),
    "ws": Registration(Kind.ROUTE, "websocket", with_path=True),
    "route": Registration(Kind.ROUTE, "route", with_path=True),
}

#: ``router.add_get(pattern, handler)``.
_ROUTER_CALLS: dict[str, tuple[Registration, ...]] = {
    **add_methods(_ROUTE_NAMES),
    "add_ws": (Registration(Kind.ROUTE, "websocket", 1, "handler", with_path=True),),
    # (Not ``router.add(method, pattern, handler)``: the extractor keeps every call whose
    # method has a name of these tables, and ``add`` would keep each ``set.add`` of a project.)
}

#: Application events: ``ApplicationEvent`` is a decorator, a call and a ``+=`` target.
_EVENTS = {"on_start": Kind.STARTUP, "after_start": Kind.STARTUP, "on_stop": Kind.SHUTDOWN}

#: rodi's registrations that make a new object per request (scoped) or per resolution
#: (transient): a factory, or a class whose ``__init__`` runs. ``add_scoped(Base, Concrete)``
#: makes a ``Concrete``; both are read, the base's ``__init__`` being rarely the project's.
_PER_REQUEST_SERVICES: dict[str, tuple[Registration, ...]] = {
    **{
        f"add_{style}_by_factory": (
            Registration(Kind.DEPENDENCY, f"{style} service", 0, "factory"),
        )
        for style in ("scoped", "transient")
    },
    **{
        f"add_{style}": (
            Registration(Kind.DEPENDENCY, f"{style} service", 0, "base_type"),
            Registration(Kind.DEPENDENCY, f"{style} service", 1, "concrete_type"),
        )
        for style in ("scoped", "transient")
    },
}

_APPS = (
    "blacksheep.Application",
    "blacksheep.server.Application",
    "blacksheep.server.application.Application",
)
_ROUTERS = ("blacksheep.Router", "blacksheep.server.Router", "blacksheep.server.routing.Router")
_CONTAINERS = ("rodi.Container",)

_CONTROLLERS = frozenset({"__init__", "on_request", "on_response"})

FRAMEWORK = Framework(
    name="BlackSheep",
    packages=("blacksheep", "rodi"),
    app_classes=_APPS + _ROUTERS + _CONTAINERS,
    # One table for apps, routers and containers: their method names do not overlap (an
    # app's routes are under ``router.``, its services under ``services.``).
    decorator_methods={
        **_ROUTE_DECORATORS,
        **{f"router.{name}": registration for name, registration in _ROUTE_DECORATORS.items()},
        **{event: Registration(kind, event) for event, kind in _EVENTS.items()},
        "lifespan": Registration(Kind.LIFESPAN, "lifespan"),
        "exception_handler": Registration(Kind.HOOK, "exception handler"),
    },
    call_methods={
        **_ROUTER_CALLS,
        **{f"router.{name}": registrations for name, registrations in _ROUTER_CALLS.items()},
        **{
            f"{event}{call}": (Registration(kind, event, 0, None),)
            for event, kind in _EVENTS.items()
            for call in ("", ".__iadd__")
        },
        "lifespan": (Registration(Kind.LIFESPAN, "lifespan", 0, "callback"),),
        "middlewares.append": (Registration(Kind.HOOK, "middleware", 0, "middleware"),),
        **_PER_REQUEST_SERVICES,
        **{f"services.{name}": regs for name, regs in _PER_REQUEST_SERVICES.items()},
    },
    decorator_functions=qualify(
        ("blacksheep", "blacksheep.server.routing", "blacksheep.server.controllers"),
        _ROUTE_DECORATORS,
    ),
    handler_bases=dict.fromkeys(
        (
            "blacksheep.server.controllers.Controller",
            "blacksheep.server.controllers.APIController",
        ),
        _CONTROLLERS,
    ),
)
