"""Tornado: request handler classes.

Checked against Tornado 6.6. The application makes one ``RequestHandler`` instance per request
(``Application([(r"/", MainHandler)])`` routes to the class), so its ``__init__``,
``initialize`` and ``prepare``, the HTTP method, and ``on_finish`` all run per request; a
``WebSocketHandler``'s methods run per connection. What runs once is ordinary code: module
level, and the ``main()`` that makes the app and calls ``listen``.
"""

from __future__ import annotations

from .base import HTTP_METHODS, Framework, Unit

#: What Tornado calls on a handler instance while it serves a request.
_REQUEST_METHODS = frozenset(
    {
        *(method for method in HTTP_METHODS if method != "trace"),  # (no TRACE in Tornado)
        "__init__",
        "initialize",
        "prepare",
        "on_finish",
        "on_connection_close",
        "get_current_user",
        "get_user_locale",
        "write_error",
        "data_received",
    }
)

#: What Tornado calls on a websocket handler instance while its connection lives.
_WEBSOCKET_METHODS = frozenset(
    {*_REQUEST_METHODS, "open", "on_message", "on_close", "on_ping", "on_pong"}
)

FRAMEWORK = Framework(
    name="Tornado",
    packages=("tornado",),
    handler_bases={
        "tornado.web.RequestHandler": _REQUEST_METHODS,
        "tornado.websocket.WebSocketHandler": _WEBSOCKET_METHODS,
    },
    handler_units={"tornado.websocket.WebSocketHandler": Unit.CONNECTION},
)
