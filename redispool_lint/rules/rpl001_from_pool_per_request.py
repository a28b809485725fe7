from __future__ import annotations

from ..frameworks.base import Unit
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
        handlers, dependencies, middleware, and anything they call, in any module. Websocket
        handlers run once per connection and Socket.IO handlers once per event; their findings
        say so.
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
        The fix makes one client in the application's lifespan, closes it at shutdown, and
        makes the per-request code use it without `async with`: `async with
        Redis.from_pool(X) as r: BODY` becomes `r = request.app.state.redis` and BODY; `r =
        Redis.from_pool(X)` loses its `aclose()` (and a `try/finally` left empty is unwrapped);
        a dependency that yielded a client returns the shared one. The lifespan side is
        planned once per application, in whichever module the lifespan lives:
        `Redis.from_pool(pool)` when nothing else uses the pool (its shutdown close becomes the
        client's), `Redis(connection_pool=pool)` when other code still does; a client already
        on app state is reused; a lifespan that yields a state dict gets a new key
        (`request.state.redis`); an app without a lifespan gets one (`on_event` startup and
        shutdown code moves into it).
        A handler with no `Request` gains a `request: Request` parameter (`websocket.app...` in
        websocket handlers). The fix is safe. It is not offered for code with no request in
        reach (a helper called by the handler: thread the client through by hand), for
        functions also called directly by project code, for Sentinel's `master_for`, or when
        the application or its lifespan has a shape the planner does not rewrite; the finding
        then says why.
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

    def what(self, found: RedisCall, unit: Unit) -> str:
        if found.constructor.qualname.endswith(".from_pool"):
            # Whoever else uses the pool loses its connections: in a websocket or event
            # handler that is HTTP requests as much as other connections, so "handlers".
            others = "other requests'" if unit is Unit.REQUEST else "other handlers'"
            return (
                f"`{found.text}` makes a client that owns the shared pool: closing it "
                f"disconnects every connection of the pool, {others} included"
            )
        return (
            f"`{found.text}` builds a new Sentinel pool and a client that owns it, per {unit.value}"
        )
