"""Quart: Flask's API, async, plus websockets and serving hooks. Checked against Quart 0.20.

``before_serving``/``after_serving`` run once at startup/shutdown; ``while_serving`` is a
generator, startup before its ``yield`` and shutdown after it, like a lifespan.
"""

from __future__ import annotations

from .base import Framework, Kind, Registration, Unit
from .flask import BLUEPRINT_PREFIX, CALLS, DECORATORS, REGISTER_PREFIX, VIEW_METHODS

_WEBSOCKET_HOOKS = {
    "before_websocket": "before_websocket hook",
    "after_websocket": "after_websocket hook",
    "teardown_websocket": "teardown_websocket hook",
    "before_app_websocket": "before_websocket hook",
    "after_app_websocket": "after_websocket hook",
    "teardown_app_websocket": "teardown_websocket hook",
}

_SERVING = {
    "before_serving": Kind.STARTUP,
    "before_app_serving": Kind.STARTUP,
    "after_serving": Kind.SHUTDOWN,
    "after_app_serving": Kind.SHUTDOWN,
    "while_serving": Kind.LIFESPAN,
    "while_app_serving": Kind.LIFESPAN,
}

_APPS = ("quart.Quart", "quart.app.Quart", "quart.Blueprint", "quart.blueprints.Blueprint")

FRAMEWORK = Framework(
    name="Quart",
    packages=("quart",),
    app_classes=_APPS,
    router_prefixes=dict.fromkeys(_APPS[2:], BLUEPRINT_PREFIX),
    include_prefixes={"register_blueprint": REGISTER_PREFIX},
    decorator_methods={
        **DECORATORS,
        "websocket": Registration(Kind.ROUTE, "websocket", with_path=True, unit=Unit.CONNECTION),
        # A websocket hook runs around each websocket connection, not each request.
        **{
            name: Registration(Kind.HOOK, label, unit=Unit.CONNECTION)
            for name, label in _WEBSOCKET_HOOKS.items()
        },
        **{name: Registration(kind, name) for name, kind in _SERVING.items()},
    },
    call_methods={
        **CALLS,
        **{
            name: (Registration(Kind.HOOK, label, 0, "func", unit=Unit.CONNECTION),)
            for name, label in _WEBSOCKET_HOOKS.items()
        },
        **{name: (Registration(kind, name, 0, "func"),) for name, kind in _SERVING.items()},
        "add_websocket": (
            Registration(
                Kind.ROUTE, "websocket", 2, "view_func", with_path=True, unit=Unit.CONNECTION
            ),
        ),
    },
    handler_bases={
        "quart.views.View": VIEW_METHODS,
        "quart.views.MethodView": VIEW_METHODS,
    },
)
