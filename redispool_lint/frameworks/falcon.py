"""Falcon: resources, middleware components, hooks, sinks and error handlers.

Checked against Falcon 4.4, WSGI (``falcon.App``) and ASGI (``falcon.asgi.App``). A resource is
an object given to ``app.add_route(path, resource)``; Falcon calls its responders by name per
request: ``on_get``, ``on_post``... (``on_websocket`` on ASGI), or ``on_get_<suffix>`` when the
route is added with ``suffix=``, and ``on_request`` as the default responder when the router
option ``default_to_on_request`` is on. The resource itself is made once, by the code that adds
the route. A middleware component (``App(middleware=[...])``, ``app.add_middleware(...)``) is
also an object called by method name: ``process_request``, ``process_resource`` and
``process_response`` (with ``_async`` variants for components shared by WSGI and ASGI apps),
and on ASGI ``process_request_ws``/``process_resource_ws`` per request, but
``process_startup``/``process_shutdown`` once, for the ASGI lifespan. ``@falcon.before(action)``
and ``@falcon.after(action)`` on a responder or a resource class run ``action`` per request.
"""

from __future__ import annotations

from .base import Framework, Kind, Method, Registration, Unit

#: ``falcon.constants.COMBINED_METHODS`` but ``VERSION-CONTROL`` (no method can be named
#: ``on_version-control``): Falcon looks up ``'on_' + method.lower()`` for each.
_RESPONDER_METHODS = (
    "CONNECT",
    "DELETE",
    "GET",
    "HEAD",
    "OPTIONS",
    "PATCH",
    "POST",
    "PUT",
    "TRACE",
    "CHECKIN",
    "CHECKOUT",
    "COPY",
    "LOCK",
    "MKCOL",
    "MOVE",
    "PROPFIND",
    "PROPPATCH",
    "REPORT",
    "UNCHECKIN",
    "UNLOCK",
    "UPDATE",
    "QUERY",
)

#: Responder name -> kind and label (``on_get`` -> ``GET``; the route's path is added).
_RESPONDERS: dict[str, Method] = {
    **{f"on_{method.lower()}": Method(Kind.ROUTE, method) for method in _RESPONDER_METHODS},
    "on_websocket": Method(Kind.ROUTE, "websocket", Unit.CONNECTION),
    "on_request": Method(Kind.ROUTE, "default responder"),
}

_PER_REQUEST_MIDDLEWARE = (
    "process_request",
    "process_resource",
    "process_response",
    "process_request_async",
    "process_resource_async",
    "process_response_async",
    "process_request_ws",
    "process_resource_ws",
)

#: Middleware method name -> kind and label.
_MIDDLEWARE: dict[str, Method] = {
    **{
        # The ``_ws`` methods run once per websocket connection, before it is accepted.
        name: Method(
            Kind.HOOK,
            f"middleware {name}",
            Unit.CONNECTION if name.endswith("_ws") else Unit.REQUEST,
        )
        for name in _PER_REQUEST_MIDDLEWARE
    },
    # Called by the ASGI app for the lifespan's startup and shutdown events.
    "process_startup": Method(Kind.STARTUP, "middleware process_startup"),
    "process_shutdown": Method(Kind.SHUTDOWN, "middleware process_shutdown"),
}

_MIDDLEWARE_REGISTRATION = Registration(
    Kind.HOOK, "middleware", 0, "middleware", methods=_MIDDLEWARE
)

_APPS = (
    "falcon.App",
    "falcon.app.App",
    "falcon.asgi.App",
    "falcon.asgi.app.App",
    # The pre-3.0 name, still exported (deprecated) by Falcon 4.
    "falcon.API",
    "falcon.app.API",
)

_HOOK_MODULES = ("falcon", "falcon.hooks")

FRAMEWORK = Framework(
    name="Falcon",
    packages=("falcon",),
    app_classes=_APPS,
    call_methods={
        "add_route": (
            Registration(
                Kind.ROUTE,
                "route",
                1,
                "resource",
                with_path=True,
                methods=_RESPONDERS,
                method_suffix="suffix",
            ),
        ),
        "add_middleware": (_MIDDLEWARE_REGISTRATION,),
        "add_sink": (Registration(Kind.HOOK, "sink", 0, "sink"),),
        "add_error_handler": (Registration(Kind.HOOK, "error handler", 1, "handler"),),
    },
    call_functions={
        **{
            app: (Registration(Kind.HOOK, "middleware", None, "middleware", methods=_MIDDLEWARE),)
            for app in _APPS
        },
        **{
            f"{module}.{hook}": (Registration(Kind.HOOK, f"{hook} hook", 0, "action"),)
            for module in _HOOK_MODULES
            for hook in ("before", "after")
        },
    },
)
