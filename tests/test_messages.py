"""Messages name the entry point that makes code run per request, with the path as served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import lint_folder, write_files
from .output_helpers import run_cli

NESTED_ROUTERS = """
# file: app/main.py
from fastapi import FastAPI
from app.api import api_router

app = FastAPI()
app.include_router(api_router, prefix="/api")

# file: app/api.py
from fastapi import APIRouter
from app import items

api_router = APIRouter(prefix="/v1")
api_router.include_router(items.router, prefix="/items")

# file: app/items.py
import redis.asyncio as redis
from fastapi import APIRouter, Depends

router = APIRouter(prefix="/catalog")


def get_client():
    return redis.from_url("redis://localhost")


def lookup(client):
    return client.get("k")


@router.get("/{item_id}")
async def read_item(item_id: int, client=Depends(get_client)):
    return await lookup(client)


@router.get("")
async def list_items():
    return await helper()


async def helper():
    return await redis.Redis.from_pool(shared_pool).get("k")


shared_pool = redis.ConnectionPool()
"""


def test_route_paths_include_every_router_prefix(project: Path) -> None:
    write_files(project, NESTED_ROUTERS)
    messages = {f.code: f.message for f in lint_folder(project).findings}
    assert set(messages) == {"RPL001", "RPL002"}
    assert messages["RPL002"].endswith(
        "`get_client` runs per request: dependency of `read_item` "
        "(GET /api/v1/items/catalog/{item_id}, app/items.py:16)"
    )
    assert messages["RPL001"].endswith(
        "`helper` runs per request: called by `list_items` "
        "(GET /api/v1/items/catalog, app/items.py:21)"
    )


def test_a_handler_is_named_as_such(project: Path) -> None:
    write_files(
        project,
        """
        import redis.asyncio as redis
        from fastapi import FastAPI

        app = FastAPI()

        @app.post("/orders")
        async def create_order():
            return await redis.from_url("redis://").incr("orders")
        """,
    )
    [finding] = lint_folder(project).findings
    assert finding.message.endswith(
        "`create_order` runs per request: it is a request handler (POST /orders, app.py:8)"
    )


def test_unclosed_startup_client_is_named_where_the_app_keeps_it(project: Path) -> None:
    """A pool kept in a local and in app state is named by its app-state attribute; one kept
    only in a local, by the local's name (not the model's ``module.function:local:x`` key)."""
    write_files(
        project,
        """
        # file: main.py
        from contextlib import asynccontextmanager
        import redis.asyncio as redis
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app):
            pool = redis.ConnectionPool.from_url("redis://localhost")
            app.state.pool = pool
            scratch = redis.Redis(host="localhost")
            await scratch.ping()
            yield

        app = FastAPI(lifespan=lifespan)
        """,
    )
    messages = sorted(f.message for f in lint_folder(project).findings if f.code == "RPL007")
    assert messages == [
        "`redis.ConnectionPool.from_url('redis://localhost')` is created at startup (pool) and "
        "never closed at shutdown",
        "`redis.Redis(host='localhost')` is created at startup (scratch) and never closed at "
        "shutdown",
    ]


LAZY_APP_STATE = """
# file: app.py
import redis.asyncio as redis
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/")
async def read(request: Request):
    client = request.app.state.cache
    if client is None:
        client = redis.from_url("redis://localhost")
        request.app.state.cache = client
    await client.aclose()
"""


def test_a_lazily_stored_client_is_named_as_written(project: Path) -> None:
    # The client made once (the local read from app state and stored back when unset) is
    # no finding; closing it is, and the message names the place as the code writes it.
    write_files(project, LAZY_APP_STATE)
    findings = lint_folder(project).findings
    assert [f.code for f in findings] == ["RPL005"]
    assert "(stored in `request.app.state.cache`)" in findings[0].message


def test_a_path_given_by_keyword_is_shown(project: Path) -> None:
    """``@router.post(path="/orders")``; and a hook whose event is a keyword is still a hook:
    ``@app.on_event(event_type="startup")`` is startup code (its unclosed client, RPL007)."""
    write_files(
        project,
        """
        import redis.asyncio as redis
        from fastapi import FastAPI

        app = FastAPI()

        @app.on_event(event_type="startup")
        async def startup():
            app.state.leak = redis.from_url("redis://")

        @app.post(path="/orders")
        async def create_order():
            return await redis.from_url("redis://").incr("orders")
        """,
    )
    findings = lint_folder(project).findings
    assert [f.code for f in findings] == ["RPL007", "RPL002"]
    assert findings[1].message.endswith(
        "`create_order` runs per request: it is a request handler (POST /orders, app.py:12)"
    )


def test_close_on_an_unawaited_async_getter_says_so(project: Path) -> None:
    """``get_redis().close()`` with ``async def get_redis``: the receiver is a coroutine, and
    its ``close()`` closes the coroutine (a real project's shutdown)."""
    write_files(
        project,
        """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        _client = None

        async def get_redis():
            global _client
            if _client is None:
                _client = redis.from_url("redis://localhost")
            return _client

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            await get_redis()
            yield
            get_redis().close()

        app = FastAPI(lifespan=lifespan)
        """,
    )
    [finding] = lint_folder(project).findings
    assert finding.code == "RPL008"
    assert finding.message.startswith(
        "`get_redis()` is an `async def` called without `await`: `get_redis(...).close()` "
        "closes the coroutine, not the client"
    )


#: One websocket-or-event entry point per framework, each creating a client (RPL002) whose
#: message must say what one run of it serves: a websocket connection or a Socket.IO event.
PER_CONNECTION_CASES = {
    "fastapi_websocket": (
        """
        import redis.asyncio as redis
        from fastapi import FastAPI, WebSocket

        app = FastAPI()

        @app.websocket("/ws")
        async def feed(websocket: WebSocket):
            client = redis.from_url("redis://")
            await websocket.send_text(await client.get("k"))
        """,
        "per connection (a new Redis connection every websocket connection); `feed` runs per "
        "connection: it is a websocket handler (websocket /ws, app.py:8)",
    ),
    "starlette_websocket_route": (
        """
        import redis.asyncio as redis
        from starlette.applications import Starlette
        from starlette.routing import WebSocketRoute

        async def feed(websocket):
            client = redis.from_url("redis://")
            await websocket.send_text(await client.get("k"))

        app = Starlette(routes=[WebSocketRoute("/ws", feed)])
        """,
        "per connection (a new Redis connection every websocket connection); `feed` runs per "
        "connection: it is a websocket handler (websocket /ws, app.py:10)",
    ),
    "starlette_websocket_endpoint": (
        """
        import redis.asyncio as redis
        from starlette.endpoints import WebSocketEndpoint

        class Feed(WebSocketEndpoint):
            async def on_receive(self, websocket, data):
                client = redis.from_url("redis://")
                await websocket.send_text(await client.get(data))
        """,
        "per connection (a new Redis connection every websocket connection); "
        "`Feed.on_receive` runs per connection: it is a websocket handler "
        "(Feed.on_receive, app.py:6)",
    ),
    "litestar_websocket": (
        """
        import redis.asyncio as redis
        from litestar import websocket

        @websocket("/ws")
        async def feed(socket) -> None:
            client = redis.from_url("redis://")
            await socket.send_text(await client.get("k"))
        """,
        "per connection (a new Redis connection every websocket connection); `feed` runs per "
        "connection: it is a websocket handler (websocket /ws, app.py:6)",
    ),
    "sanic_websocket": (
        """
        import redis.asyncio as redis
        from sanic import Sanic

        app = Sanic("feed")

        @app.websocket("/ws")
        async def feed(request, ws):
            client = redis.from_url("redis://")
            await ws.send(await client.get("k"))
        """,
        "per connection (a new Redis connection every websocket connection); `feed` runs per "
        "connection: it is a websocket handler (websocket /ws, app.py:8)",
    ),
    "quart_websocket_hook": (
        """
        import redis.asyncio as redis
        from quart import Quart

        app = Quart(__name__)

        @app.before_websocket
        async def connect():
            client = redis.from_url("redis://")
            await client.ping()
        """,
        "per connection (a new Redis connection every websocket connection); `connect` runs per "
        "connection: it is a per-connection hook (before_websocket hook, app.py:8)",
    ),
    "sanic_websocket_signal": (
        """
        import redis.asyncio as redis
        from sanic import Sanic

        app = Sanic("feed")

        @app.signal("websocket.handler.before")
        async def before(request, websocket):
            await redis.from_url("redis://").ping()
        """,
        "per connection (a new Redis connection every websocket connection); `before` runs per "
        "connection: it is a per-connection hook (signal, app.py:8)",
    ),
    "tornado_websocket_handler": (
        """
        import redis.asyncio as redis
        from tornado.websocket import WebSocketHandler

        class Feed(WebSocketHandler):
            async def on_message(self, message):
                client = redis.from_url("redis://")
                self.write_message(await client.get(message))
        """,
        "per connection (a new Redis connection every websocket connection); "
        "`Feed.on_message` runs per connection: it is a websocket handler "
        "(Feed.on_message, app.py:6)",
    ),
    "channels_consumer": (
        """
        import redis.asyncio as redis
        from channels.generic.websocket import AsyncWebsocketConsumer

        class Feed(AsyncWebsocketConsumer):
            async def receive(self, text_data=None, bytes_data=None):
                client = redis.from_url("redis://")
                await self.send(text_data=await client.get("k"))
        """,
        "per connection (a new Redis connection every websocket connection); "
        "`Feed.receive` runs per connection: it is a websocket handler (Feed.receive, app.py:6)",
    ),
    "socketio_event": (
        """
        import redis.asyncio as redis
        import socketio

        sio = socketio.AsyncServer()

        @sio.on("message")
        async def message(sid, data):
            client = redis.from_url("redis://")
            await client.publish("chat", data)
        """,
        "per event (a new Redis connection every event); `message` runs per event: it is an "
        "event handler (Socket.IO event message, app.py:8)",
    ),
    "socketio_namespace": (
        """
        import redis.asyncio as redis
        import socketio

        class Chat(socketio.AsyncNamespace):
            async def on_message(self, sid, data):
                client = redis.from_url("redis://")
                await client.publish("chat", data)
        """,
        "per event (a new Redis connection every event); `Chat.on_message` runs per event: it "
        "is an event handler (Chat.on_message, app.py:6)",
    ),
}


@pytest.mark.parametrize(
    ("source", "ending"), PER_CONNECTION_CASES.values(), ids=list(PER_CONNECTION_CASES)
)
def test_websocket_and_event_code_runs_per_connection_or_event(
    project: Path, source: str, ending: str
) -> None:
    [finding] = lint_folder(project_with(project, source)).findings
    assert finding.code == "RPL002"
    assert finding.message.endswith(ending), finding.message


def project_with(project: Path, source: str) -> Path:
    write_files(project, source)
    return project


WEBSOCKET_REACH = """
from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import Depends, FastAPI, Request, WebSocket


@asynccontextmanager
async def lifespan(app):
    app.state.redis = redis.from_url("redis://")
    yield
    await app.state.redis.aclose()


app = FastAPI(lifespan=lifespan)


def make_pool():
    return redis.ConnectionPool.from_url("redis://")


async def shared(websocket: WebSocket):
    async with websocket.app.state.redis as client:
        value = await client.get("k")
    await websocket.app.state.redis.aclose()
    return value


@app.websocket("/ws")
async def feed(websocket: WebSocket, pool=Depends(make_pool)):
    client = redis.Redis.from_pool(websocket.app.state.pool)
    await websocket.send_text(await shared(websocket))


@app.get("/items")
async def items(request: Request):
    client = redis.Redis.from_pool(request.app.state.pool)
    return await client.get("k")
"""


def test_what_a_websocket_handler_reaches_runs_per_connection(project: Path) -> None:
    """A dependency and a helper of a websocket handler run per connection; the from_pool
    client cuts other handlers' connections; an HTTP route beside it keeps "per request"."""
    write_files(project, WEBSOCKET_REACH)
    messages = {(f.code, f.start.row): f.message for f in lint_folder(project).findings}
    assert messages[("RPL003", 19)] == (
        "`redis.ConnectionPool.from_url('redis://')` creates a connection pool per connection; "
        "`make_pool` runs per connection: dependency of `feed` (websocket /ws, app.py:30)"
    )
    assert messages[("RPL005", 23)].endswith(
        "when the block ends; `shared` runs per connection: called by `feed` "
        "(websocket /ws, app.py:30)"
    )
    assert messages[("RPL005", 25)] == (
        "`websocket.app.state.redis.aclose()` closes the shared client (app state `redis`) in "
        "per-connection code; `shared` runs per connection: called by `feed` "
        "(websocket /ws, app.py:30)"
    )
    assert messages[("RPL001", 31)] == (
        "`redis.Redis.from_pool(websocket.app.state.pool)` makes a client that owns the shared "
        "pool: closing it disconnects every connection of the pool, other handlers' included; "
        "`feed` runs per connection: it is a websocket handler (websocket /ws, app.py:30)"
    )
    assert messages[("RPL001", 37)] == (
        "`redis.Redis.from_pool(request.app.state.pool)` makes a client that owns the shared "
        "pool: closing it disconnects every connection of the pool, other requests' included; "
        "`items` runs per request: it is a request handler (GET /items, app.py:36)"
    )


def test_a_middleware_websocket_branch_runs_per_connection() -> None:
    """Code under a pure ASGI middleware's ``scope["type"] == "websocket"`` test runs once per
    connection; the rest of the same ``__call__`` stays per request."""
    folder = Path(__file__).parent / "fixtures" / "projects" / "qa_asgi_middleware_branches"
    messages = {(f.code, f.start.row): f.message for f in lint_folder(folder).findings}
    assert messages[("RPL003", 87)] == (
        "`ConnectionPool.from_url(URL)` creates a connection pool per connection; "
        "`HttpThenWebsocketThenRest.__call__` runs per connection in its websocket branch: it "
        "is middleware, run on every request (app.py:30)"
    )
    assert messages[("RPL002", 85)].endswith(
        "`HttpThenWebsocketThenRest.__call__` runs per request: it is middleware, run on every "
        "request (app.py:30)"
    )
    assert messages[("RPL005", 155)] == (
        "`shared.aclose()` closes the shared client (module variable `middleware.shared`) in "
        "per-connection code; `ClosesPerRequest.__call__` runs per connection in its websocket "
        "branch: it is middleware, run on every request (app.py:35)"
    )


def test_json_and_sarif_say_per_connection_too(project: Path) -> None:
    """The machine formats carry the same sentence as the terminal, whatever the format."""
    source, ending = PER_CONNECTION_CASES["socketio_event"]
    write_files(project, source)
    json_run = run_cli(["--format", "json", "."], project)
    sarif_run = run_cli(["--format", "sarif", "."], project)
    [from_json] = json.loads(json_run.stdout)
    [from_sarif] = json.loads(sarif_run.stdout)["runs"][0]["results"]
    assert from_json["message"].endswith(ending)
    assert from_sarif["message"]["text"] == from_json["message"]


#: Routes outside FastAPI under a router's prefix: each case's one RPL002 finding must name the
#: path as served.
PREFIX_CASES = {
    "litestar_router_and_controller": (
        """
        import redis.asyncio as redis
        from litestar import Controller, Litestar, Router, get

        @get("/items")
        async def items() -> None:
            await redis.from_url("redis://").ping()

        class Users(Controller):
            path = "/users"

            @get("/{uid:int}")
            async def read(self, uid: int) -> None:
                await redis.from_url("redis://").ping()

        v1 = Router(path="/v1", route_handlers=[items])
        app = Litestar(route_handlers=[v1, Router("/api", route_handlers=[Users])])
        """,
        ["GET /v1/items", "GET /api/users/{uid:int}"],
    ),
    "litestar_nested_routers": (
        """
        import redis.asyncio as redis
        from litestar import Litestar, Router, get

        @get("/")
        async def index() -> None:
            await redis.from_url("redis://").ping()

        app = Litestar(
            route_handlers=[Router("/api", route_handlers=[Router("/v2", route_handlers=[index])])]
        )
        """,
        ["GET /api/v2/"],
    ),
    "starlette_mount": (
        """
        import redis.asyncio as redis
        from starlette.applications import Starlette
        from starlette.routing import Mount, Route

        async def fresh(request):
            await redis.from_url("redis://").ping()

        async def top(request):
            await redis.from_url("redis://").ping()

        app = Starlette(
            routes=[
                Route("/top", top),
                Mount("/api", routes=[Mount("/v1", routes=[Route("/fresh", fresh)])]),
            ]
        )
        """,
        ["route /api/v1/fresh", "route /top"],
    ),
    "flask_blueprints": (
        """
        # file: shop/__init__.py
        from flask import Flask
        from shop.views import api, cart, orders, users

        app = Flask(__name__)
        app.register_blueprint(cart)
        app.register_blueprint(orders, url_prefix="/v2/orders")
        api.register_blueprint(users)
        app.register_blueprint(api)

        # file: shop/views.py
        import redis
        from flask import Blueprint

        cart = Blueprint("cart", __name__, url_prefix="/cart")
        orders = Blueprint("orders", __name__, url_prefix="/orders")
        api = Blueprint("api", __name__, url_prefix="/api")
        users = Blueprint("users", __name__, url_prefix="/users")

        @cart.get("/items")
        def items():
            return redis.from_url("redis://").get("k")

        @orders.route("/<oid>")
        def order(oid):
            return redis.from_url("redis://").get(oid)

        @users.post("/<uid>")
        def user(uid):
            return redis.from_url("redis://").get(uid)
        """,
        ["GET /cart/items", "route /v2/orders/<oid>", "POST /api/users/<uid>"],
    ),
    "quart_blueprint": (
        """
        import redis.asyncio as redis
        from quart import Blueprint, Quart

        bp = Blueprint("feed", __name__, url_prefix="/feed")

        @bp.websocket("/live")
        async def live():
            await redis.from_url("redis://").ping()

        app = Quart(__name__)
        app.register_blueprint(bp)
        """,
        ["websocket /feed/live"],
    ),
    "sanic_blueprint": (
        """
        import redis.asyncio as redis
        from sanic import Blueprint, Sanic

        kv = Blueprint("kv", url_prefix="/kv")
        other = Blueprint("other", url_prefix="/other")

        @kv.put("/<key>")
        async def put(request, key):
            await redis.from_url("redis://").set(key, "v")

        @other.get("/")
        async def index(request):
            await redis.from_url("redis://").ping()

        app = Sanic("api")
        app.blueprint(kv)
        app.blueprint(other, url_prefix="/v2")
        """,
        ["PUT /kv/<key>", "GET /v2/"],
    ),
}


@pytest.mark.parametrize(("source", "labels"), PREFIX_CASES.values(), ids=list(PREFIX_CASES))
def test_route_labels_carry_router_prefixes(project: Path, source: str, labels: list[str]) -> None:
    write_files(project, source)
    findings = lint_folder(project).findings
    shown = [f.message.rpartition("(")[2].rpartition(",")[0] for f in findings]
    assert shown == labels, [f.message for f in findings]
