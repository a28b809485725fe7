from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Finding
from ..project.objects import RedisCall, receiver_of_close
from ..project.summary import FunctionSummary
from .base import Rule, RuleContext


class SharedPoolClosed(Rule):
    code = "RPL006"
    name = "shared-pool-closed"
    summary = "`from_pool(<long-lived pool>)` whose client is closed outside shutdown"
    fixable = "never"

    what_it_does = """
        Finds a client made with `Redis.from_pool(pool)` over a long-lived pool (app state, a
        module global, a pool the lifespan keeps) that is closed — by `async with` or
        `aclose()`/`close()` — outside shutdown: typically a warm-up or health check in the
        startup half of a lifespan, before its `yield`.
    """
    why_is_this_bad = """
        `from_pool` hands the pool to the client; closing the client disconnects the pool. A
        startup `async with Redis.from_pool(app.state.pool) as r: await r.ping()` closes the
        pool that every request will then use: the first requests pay for new connections, and
        any connection opened meanwhile by a background task is cut.
    """
    example = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.pool = redis.ConnectionPool.from_url("redis://localhost")
            async with redis.Redis.from_pool(app.state.pool) as client:
                await client.ping()
            yield
            await app.state.pool.aclose()

        app = FastAPI(lifespan=lifespan)
    """
    use_instead = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.pool = redis.ConnectionPool.from_url("redis://localhost")
            app.state.redis = redis.Redis(connection_pool=app.state.pool)
            await app.state.redis.ping()
            yield
            await app.state.pool.aclose()

        app = FastAPI(lifespan=lifespan)
    """

    def check(self, context: RuleContext) -> Iterator[Finding]:
        requests = context.requests
        for function in context.functions():
            if function.qualname in requests.per_request:
                continue  # RPL001's business
            in_shutdown_only = (
                function.qualname in requests.shutdown and function.qualname not in requests.startup
            )
            for found in context.objects.redis_calls(function):
                if not found.constructor.qualname.endswith(".from_pool"):
                    continue
                pool = found.call.args[0] if found.call.args else None
                if pool is None or context.objects.long_lived(pool, function) is None:
                    continue
                closed_after_yield = self._closed_after_yield(found, function)
                if closed_after_yield is None:
                    continue
                if in_shutdown_only or closed_after_yield:
                    continue
                yield context.finding(
                    type(self),
                    found.call.span,
                    f"`{found.text}` is closed at startup, which disconnects the shared pool "
                    f"`{found.call.written_args}` that requests use",
                )

    @staticmethod
    def _closed_after_yield(found: RedisCall, function: FunctionSummary) -> bool | None:
        """None when the client is never closed here; else whether the close is after yield."""
        if found.call.context is not None:
            return found.call.after_yield
        identity = found.call.assigned_to
        if identity is None:
            return None
        for call in function.calls:
            if receiver_of_close(call.callee) == identity:
                return call.after_yield
        return None
