"""Django Ninja: operations of a ``NinjaAPI`` or a ``Router``, authentication and throttles.

Checked against django-ninja 1.7. An operation is registered with ``@api.get("/path")`` (also
``post``, ``put``, ``patch``, ``delete``), ``@api.api_operation(["GET", "POST"], "/path")`` or
``router.add_api_operation(path, methods, view_func)``, on the API or on a ``Router`` mounted
with ``api.add_router(prefix, router)``; it runs per request, like any Django view. So do the
``auth=`` callables of the API, a router, a mount or an operation (a function, or an instance of
a ``HttpBearer``/``APIKeyHeader``... subclass, whose ``__call__`` calls ``authenticate``), the
``throttle=`` instances (``allow_request``), and exception handlers. What runs once is module
level, as everywhere in Django.
"""

from __future__ import annotations

from .base import Framework, Kind, Method, Registration, RoutePrefix, methods

_AUTH = Registration(
    Kind.HOOK,
    "authentication",
    None,
    "auth",
    methods={
        "__call__": Method(Kind.HOOK, "authentication"),
        "authenticate": Method(Kind.HOOK, "authentication"),
    },
)
_THROTTLE = Registration(
    Kind.HOOK,
    "throttle",
    None,
    "throttle",
    methods={
        "allow_request": Method(Kind.HOOK, "throttle"),
        # Called by ``SimpleRateThrottle.allow_request``.
        "get_cache_key": Method(Kind.HOOK, "throttle"),
    },
)
#: Keywords of the API, routers, mounts and operations that name code run per request.
_PER_REQUEST_KEYWORDS = (_AUTH, _THROTTLE)

_OPERATIONS = ("get", "post", "put", "patch", "delete")

_APIS = ("ninja.NinjaAPI", "ninja.main.NinjaAPI")
_ROUTERS = ("ninja.Router", "ninja.router.Router")

FRAMEWORK = Framework(
    name="Django Ninja",
    packages=("ninja",),
    app_classes=_APIS + _ROUTERS,
    # ``add_router(prefix, router)``, on the API and on a router (nested).
    include_prefixes={
        "add_router": RoutePrefix(
            "prefix", positional=True, child_position=1, child_keyword="router"
        )
    },
    decorator_methods={
        **methods(_OPERATIONS),
        # (The path is its second argument, after the list of methods: the extractor reads it
        # there when the first is a literal list of strings.)
        "api_operation": Registration(Kind.ROUTE, "API operation", with_path=True),
        "exception_handler": Registration(Kind.HOOK, "exception handler"),
    },
    call_methods={
        **dict.fromkeys((*_OPERATIONS, "api_operation", "add_router"), _PER_REQUEST_KEYWORDS),
        "add_api_operation": (
            Registration(Kind.ROUTE, "API operation", 2, "view_func", with_path=True),
            *_PER_REQUEST_KEYWORDS,
        ),
        "add_exception_handler": (Registration(Kind.HOOK, "exception handler", 1, "handler"),),
    },
    call_functions=dict.fromkeys(_APIS + _ROUTERS, _PER_REQUEST_KEYWORDS),
)
