"""Sanic: routes, middleware and exception handlers per request; server listeners run once.

Checked against Sanic 25. Routes and hooks are methods of a ``Sanic("name")`` app or a
``Blueprint``. Middleware (``@app.middleware``, ``@app.on_request``, ``@app.on_response``) runs
per request whether attached to the request or the response. Listeners
(``@app.listener("before_server_start")``, ``@app.before_server_start``, ...) run when a server
or a worker process starts or stops.
"""

from __future__ import annotations

from .base import HTTP_METHODS, Framework, Kind, Registration, RoutePrefix, Unit, methods

_STARTUP_EVENTS = (
    "before_server_start",
    "after_server_start",
    "main_process_start",
    "main_process_ready",
    "reload_process_start",
    "server.init.before",
    "server.init.after",
)
_SHUTDOWN_EVENTS = (
    "before_server_stop",
    "after_server_stop",
    "main_process_stop",
    "reload_process_stop",
    "server.shutdown.before",
    "server.shutdown.after",
)

_LISTENER_EVENTS = {
    **{event: Kind.STARTUP for event in _STARTUP_EVENTS},
    **{event: Kind.SHUTDOWN for event in _SHUTDOWN_EVENTS},
}

#: Built-in signals (``@app.signal("http.lifecycle.request")``): the ``http.`` ones fire per
#: request, the ``websocket.`` ones per connection; the server ones are the listeners' events
#: above.
_SIGNAL_EVENTS = {
    **{
        f"http.{event}": Kind.HOOK
        for event in (
            "lifecycle.begin",
            "lifecycle.read_head",
            "lifecycle.request",
            "lifecycle.handle",
            "lifecycle.read_body",
            "lifecycle.exception",
            "lifecycle.response",
            "lifecycle.send",
            "lifecycle.complete",
            "routing.before",
            "routing.after",
            "handler.before",
            "handler.after",
            "middleware.before",
            "middleware.after",
        )
    },
    **{f"websocket.handler.{event}": Kind.HOOK for event in ("before", "after", "exception")},
    **{event: kind for event, kind in _LISTENER_EVENTS.items() if "." in event},
}

_APPS = ("sanic.Sanic", "sanic.app.Sanic", "sanic.Blueprint", "sanic.blueprints.Blueprint")

FRAMEWORK = Framework(
    name="Sanic",
    packages=("sanic",),
    app_classes=_APPS,
    # ``Blueprint("items", url_prefix="/items")``; ``app.blueprint(bp, url_prefix=...)``
    # replaces it.
    router_prefixes=dict.fromkeys(_APPS[2:], RoutePrefix("url_prefix")),
    include_prefixes={"blueprint": RoutePrefix("url_prefix", replaces=True)},
    decorator_methods={
        **methods(("get", "post", "put", "patch", "delete", "head", "options")),
        "route": Registration(Kind.ROUTE, "route", with_path=True),
        "websocket": Registration(Kind.ROUTE, "websocket", with_path=True, unit=Unit.CONNECTION),
        "middleware": Registration(Kind.HOOK, "middleware"),
        "on_request": Registration(Kind.HOOK, "request middleware"),
        "on_response": Registration(Kind.HOOK, "response middleware"),
        "exception": Registration(Kind.HOOK, "exception handler"),
        "listener": Registration(Kind.STARTUP, "listener", events=_LISTENER_EVENTS),
        "signal": Registration(
            Kind.HOOK,
            "signal",
            events=_SIGNAL_EVENTS,
            event_units={
                event: Unit.CONNECTION for event in _SIGNAL_EVENTS if event.startswith("websocket.")
            },
        ),
        **{
            event: Registration(kind, event)
            for event, kind in _LISTENER_EVENTS.items()
            if "." not in event
        },
    },
    call_methods={
        "add_route": (Registration(Kind.ROUTE, "route", 0, "handler"),),
        "add_websocket_route": (
            Registration(Kind.ROUTE, "websocket", 0, "handler", unit=Unit.CONNECTION),
        ),
        "register_middleware": (Registration(Kind.HOOK, "middleware", 0, "middleware"),),
        # ``app.on_request(fn)`` called directly.
        "on_request": (Registration(Kind.HOOK, "request middleware", 0, "middleware"),),
        "on_response": (Registration(Kind.HOOK, "response middleware", 0, "middleware"),),
        "middleware": (Registration(Kind.HOOK, "middleware", 0, "middleware_or_request"),),
        # ``app.before_server_start(fn)`` called directly.
        **{
            event: (Registration(kind, event, 0, "listener"),)
            for event, kind in _LISTENER_EVENTS.items()
            if "." not in event
        },
    },
    handler_bases={
        # ``as_view()`` makes a new instance per request.
        "sanic.views.HTTPMethodView": frozenset({*HTTP_METHODS, "__init__"}),
    },
)
