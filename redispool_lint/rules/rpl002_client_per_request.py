from __future__ import annotations

from ..frameworks.base import Unit
from ..project.objects import RedisCall
from ..redis_api import Ownership
from .per_request import PerRequestConstructorRule


class ClientPerRequest(PerRequestConstructorRule):
    code = "RPL002"
    name = "client-per-request"
    summary = "a client with its own pool (`from_url`, `Redis(host=...)`, `Redis()`) per request"
    ownership = Ownership.OWN_POOL
    fixable = "sometimes"

    what_it_does = """
        Finds clients that build a connection pool of their own (`Redis.from_url(url)`,
        `redis.asyncio.from_url(url)`, `Redis(host=...)`, `Redis()`, cluster clients, aioredis'
        `create_redis_pool`, arq's `create_pool`) in code that runs once per request (or once
        per websocket connection, or per Socket.IO event: the finding says which).
    """
    why_is_this_bad = """
        Each such client opens its own pool, so every request opens a new TCP connection to
        Redis (measured: 20,000 requests -> 20,000 connections, at a quarter of the throughput of
        one shared client), and leaks it (`ResourceWarning: unclosed Connection`) when the
        client is never closed. Create one client in the application's lifespan and use it from
        every request.
    """
    example = """
        import redis.asyncio as redis
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/item")
        async def item():
            client = redis.from_url("redis://localhost")
            try:
                return await client.get("item")
            finally:
                await client.aclose()
    """
    use_instead = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI, Request

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.redis = redis.from_url("redis://localhost")
            yield
            await app.state.redis.aclose()

        app = FastAPI(lifespan=lifespan)

        @app.get("/item")
        async def item(request: Request):
            return await request.app.state.redis.get("item")
    """
    fix_safety = """
        Fixed like RPL001: the same call moves into the lifespan (made once, closed at
        shutdown, its names imported there) and the request code uses the shared client.
        Every per-request client of the same URL must pass the same options
        (`decode_responses=True`, `db=...`); when they differ, nothing is fixed and the
        finding says why. The fix is unsafe (needs `--unsafe-fixes`) when the client's
        arguments do work when evaluated (`from_url(os.environ["URL"])`, `get_settings().url`):
        they would run once at startup instead of on every request. Clients whose arguments
        use the function's own variables are not fixed.
    """

    def what(self, found: RedisCall, unit: Unit) -> str:
        return (
            f"`{found.text}` creates a client with a connection pool of its own, "
            f"per {unit.value} (a new Redis connection every {_EVERY[unit]})"
        )


#: What each new client's connection comes with.
_EVERY = {
    Unit.REQUEST: "request",
    Unit.CONNECTION: "websocket connection",
    Unit.EVENT: "event",
}
