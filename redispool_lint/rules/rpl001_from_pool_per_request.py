from __future__ import annotations

from ..project.objects import RedisCall
from ..redis_api import Ownership
from .base import RuleContext
from .per_request import PerRequestConstructorRule


class FromPoolPerRequest(PerRequestConstructorRule):
    code = "RPL001"
    name = "from-pool-per-request"
    summary = "`from_pool(...)` (or Sentinel `master_for`/`slave_for`) in per-request code"
    ownership = Ownership.OWNS_GIVEN_POOL
    fixable = "sometimes"

    what_it_does = """
        Finds `Redis.from_pool(pool)` (asyncio or sync, redis-py or valkey-py) and Sentinel's
        `master_for(...)` / `slave_for(...)` in code that runs once per request: request
        handlers, dependencies, middleware, and anything they call, in any module.
    """
    why_is_this_bad = """
        `from_pool` makes the new client *own* the pool: it sets `auto_close_connection_pool`,
        so closing the client (`aclose()`, leaving `async with`, sync `close()`, or for the
        sync client its garbage collection) calls `pool.disconnect(inuse_connections=True)`.
        That closes every connection of the pool, idle or checked out by other requests.

        With a shared pool (`app.state.pool`), every request that ends cuts the connections of
        every request still in flight. Under load this shows up as random
        `ConnectionError: Connection closed by server.`, `Buffer is closed.`, or under uvloop
        `RuntimeError: unable to perform operation on <TCPTransport closed=True ...>`. Measured
        with redis-py 8.1 and uvicorn: 15,248 of 20,000 requests failed at 50 concurrent; at
        concurrency 1 none fail, which is why the bug survives tests. redis-py 8.1's own
        docstring of `from_pool` now says one client per request from a shared pool is not
        safe (redis-py issues 3230 and 3669).

        Sentinel's `master_for`/`slave_for` build a new pool on every call and return
        `from_pool(...)` of it: per request, that is a new pool and connection each time.
    """
    example = """
        import redis.asyncio as redis
        from fastapi import FastAPI, Request

        app = FastAPI()

        @app.get("/item")
        async def item(request: Request):
            async with redis.Redis.from_pool(request.app.state.pool) as client:
                return await client.get("item")
    """
    use_instead = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI, Request

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.redis = redis.Redis.from_pool(redis.ConnectionPool.from_url("redis://"))
            yield
            await app.state.redis.aclose()

        app = FastAPI(lifespan=lifespan)

        @app.get("/item")
        async def item(request: Request):
            return await request.app.state.redis.get("item")
    """
    fix_safety = """
        The fix creates one client in the application's lifespan (`Redis.from_pool(pool)` when
        nothing else uses the pool, else `Redis(connection_pool=pool)`), closes it at shutdown,
        and makes the per-request code use it (`request.app.state.redis`) without `async with`.
        It is safe when the request's code reaches a `Request` (or `WebSocket`) and the shared
        client can take the per-request client's options. Code with no request in reach (a
        helper several calls below the handler) is not fixed automatically.
    """

    def applies(self, found: RedisCall, context: RuleContext) -> bool:
        # from_pool(<a pool this function just made>) is a client with a pool of its own per
        # request: RPL003 reports the pool.
        if found.constructor.qualname.endswith(".from_pool"):
            pool = (
                found.call.args[0]
                if found.call.args
                else dict(found.call.keywords).get("connection_pool")
            )
            return not context.objects.is_fresh(pool, found.function)
        return True

    def what(self, found: RedisCall) -> str:
        if found.constructor.qualname.endswith(".from_pool"):
            return (
                f"`{found.text}` makes a client that owns the shared pool: closing it "
                "disconnects every connection of the pool, other requests' included"
            )
        return f"`{found.text}` builds a new Sentinel pool and a client that owns it, per request"
