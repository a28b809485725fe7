"""python-socketio: event handlers of a Socket.IO server.

Checked against python-socketio 5.18. A handler runs for every event a client sends
(``@sio.event`` names it after the function, ``@sio.on("message")`` or
``sio.on("message", handler)`` after a string), so per event, the Socket.IO counterpart of a
request; so does every method of a class-based namespace (``AsyncNamespace``: ``on_connect``,
``on_message``...). The server is made once, at module level, usually beside the ASGI app.
"""

from __future__ import annotations

from .base import Framework, Kind, Registration, Unit

_SERVERS = tuple(
    f"socketio.{path}"
    for path in ("AsyncServer", "Server", "async_server.AsyncServer", "server.Server")
)
_NAMESPACES = tuple(
    f"socketio.{path}"
    for path in (
        "AsyncNamespace",
        "Namespace",
        "async_namespace.AsyncNamespace",
        "namespace.Namespace",
    )
)

FRAMEWORK = Framework(
    name="python-socketio",
    packages=("socketio",),
    app_classes=_SERVERS,
    decorator_methods={
        "on": Registration(Kind.HOOK, "Socket.IO event", with_path=True, unit=Unit.EVENT),
        "event": Registration(Kind.HOOK, "Socket.IO event", unit=Unit.EVENT),
    },
    call_methods={
        "on": (
            Registration(
                Kind.HOOK, "Socket.IO event", 1, "handler", with_path=True, unit=Unit.EVENT
            ),
        )
    },
    # (Empty: every public method, ``on_<event>`` ones included.)
    handler_bases=dict.fromkeys(_NAMESPACES, frozenset()),
    handler_units=dict.fromkeys(_NAMESPACES, Unit.EVENT),
)
