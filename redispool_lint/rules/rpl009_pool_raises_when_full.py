from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Finding
from ..redis_api import Flavor, Ownership
from .base import Rule, RuleContext


class PoolRaisesWhenFull(Rule):
    code = "RPL009"
    name = "pool-raises-when-full"
    summary = (
        "a long-lived asyncio `ConnectionPool` in a web app raises when full: "
        "prefer `BlockingConnectionPool`"
    )
    opt_in = True
    fixable = "never"

    what_it_does = """
        Finds a long-lived asyncio `ConnectionPool(...)` / `ConnectionPool.from_url(...)` (made
        at module level, in a lifespan or a startup hook) in a project that serves a web app.
        Opt-in: select it with `--extend-select RPL009`.
    """
    why_is_this_bad = """
        redis-py 8.1's asyncio `ConnectionPool` defaults to `max_connections=100` and raises
        `MaxConnectionsError: Too many connections` at once when all are in use. Under a burst
        above the pool size, requests fail instead of waiting (measured: 68-83% of requests
        failed with wrk at 200 concurrent). `BlockingConnectionPool(max_connections=N,
        timeout=T)` waits up to `T` seconds for a free connection instead, and had no failures
        at 200 concurrent.
    """
    example = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.redis = redis.Redis.from_pool(
                redis.ConnectionPool.from_url("redis://localhost", max_connections=50)
            )
            yield
            await app.state.redis.aclose()

        app = FastAPI(lifespan=lifespan)
    """
    use_instead = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.redis = redis.Redis.from_pool(
                redis.BlockingConnectionPool.from_url(
                    "redis://localhost", max_connections=50, timeout=5
                )
            )
            yield
            await app.state.redis.aclose()

        app = FastAPI(lifespan=lifespan)
    """

    def check(self, context: RuleContext) -> Iterator[Finding]:
        if not context.requests.has_web_app:
            return
        for function in context.functions():
            if function.qualname in context.requests.per_request:
                continue
            for found in context.objects.redis_calls(function):
                constructor = found.constructor
                if found.ownership is not Ownership.POOL or constructor.flavor is not Flavor.ASYNC:
                    continue
                if constructor.blocking or "Sentinel" in constructor.result:
                    continue
                limit = dict(found.call.keywords).get("max_connections")
                size = (
                    "its `max_connections`"
                    if limit is not None
                    or any(name == "max_connections" for name, _ in found.call.keywords)
                    else "its default of 100 connections (redis-py 8.1)"
                )
                yield context.finding(
                    type(self),
                    found.call.span,
                    f"`{found.text}` raises `MaxConnectionsError` as soon as {size} are busy; "
                    "`BlockingConnectionPool(max_connections=N, timeout=T)` waits instead",
                )
