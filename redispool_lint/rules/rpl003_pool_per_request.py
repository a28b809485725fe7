from __future__ import annotations

from ..frameworks.base import Unit
from ..project.objects import RedisCall
from ..redis_api import Ownership
from .per_request import PerRequestConstructorRule


class PoolPerRequest(PerRequestConstructorRule):
    code = "RPL003"
    name = "pool-per-request"
    summary = "a connection pool created per request"
    ownership = Ownership.POOL
    fixable = "sometimes"

    what_it_does = """
        Finds `ConnectionPool(...)`, `ConnectionPool.from_url(...)`,
        `BlockingConnectionPool(...)` and `SentinelConnectionPool(...)` in code that runs once
        per request (or once per websocket connection, or per Socket.IO event: the finding says
        which).
    """
    why_is_this_bad = """
        A pool exists to reuse connections across requests. A pool per request opens a new
        connection for every request and, unless something closes it, leaves it open. Create
        the pool (and one client over it) in the application's lifespan.
    """
    example = """
        import redis.asyncio as redis
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/item")
        async def item():
            pool = redis.ConnectionPool.from_url("redis://localhost")
            async with redis.Redis.from_pool(pool) as client:
                return await client.get("item")
    """
    use_instead = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI, Request

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            pool = redis.ConnectionPool.from_url("redis://localhost")
            app.state.redis = redis.Redis.from_pool(pool)
            yield
            await app.state.redis.aclose()

        app = FastAPI(lifespan=lifespan)

        @app.get("/item")
        async def item(request: Request):
            return await request.app.state.redis.get("item")
    """
    fix_safety = """
        Fixed when the pool exists only to build one client (`pool = ConnectionPool(...)` then
        `Redis.from_pool(pool)` or `Redis(connection_pool=pool)`, or the pool passed inline):
        the lifespan gets `Redis.from_pool(<the pool call>)`, which owns the pool and is closed
        at shutdown; the request code uses the shared client, and the pool's assignment and
        closes go. Pools of one URL that differ in options are not fixed. The fix is unsafe
        (needs `--unsafe-fixes`) when the pool's arguments do work when evaluated: they would
        run once at startup. A pool used for anything else is reported only.
    """

    def what(self, found: RedisCall, unit: Unit) -> str:
        return f"`{found.text}` creates a connection pool per {unit.value}"
