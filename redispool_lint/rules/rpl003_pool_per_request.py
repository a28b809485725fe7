from __future__ import annotations

from ..project.objects import RedisCall
from ..redis_api import Ownership
from .per_request import PerRequestConstructorRule


class PoolPerRequest(PerRequestConstructorRule):
    code = "RPL003"
    name = "pool-per-request"
    summary = "a connection pool created per request"
    ownership = Ownership.POOL
    fixable = "never"

    what_it_does = """
        Finds `ConnectionPool(...)`, `ConnectionPool.from_url(...)`,
        `BlockingConnectionPool(...)` and `SentinelConnectionPool(...)` in code that runs once
        per request.
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
        Not fixed automatically: a pool made per request usually carries per-request
        decisions (its URL, its size) that a person should move to the lifespan. Create the
        pool and one client over it in the lifespan; `--fix` then has nothing left to do.
    """

    def what(self, found: RedisCall) -> str:
        return f"`{found.text}` creates a connection pool per request"
