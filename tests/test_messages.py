"""Messages name the entry point that makes code run per request, with the path as served."""

from __future__ import annotations

from pathlib import Path

from .helpers import lint_folder, write_files

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
