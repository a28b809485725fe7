from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Finding
from ..project.objects import LongLived, receiver_of_close
from ..project.summary import GUARD_LIFESPAN
from ..redis_api import Ownership
from .base import Rule, RuleContext


class SharedClientClosedPerRequest(Rule):
    code = "RPL005"
    name = "shared-client-closed-per-request"
    summary = (
        "`async with` / `aclose()` / `close()` / `disconnect()` on a long-lived client "
        "in per-request code"
    )
    fixable = "sometimes"

    what_it_does = """
        Finds per-request code that closes a client or pool that lives as long as the
        application: `async with app.state.redis as r:`, `with client:`, `await
        request.app.state.redis.aclose()`, `client.close()`, `pool.disconnect()`, where the
        object is app state filled at startup or a module-level client. A shared
        `Redis(connection_pool=pool)` client is not reported (closing it leaves the pool it
        borrows open), unless its pool is closed through it (`client.connection_pool.aclose()`).
        Per-request code includes websocket handlers (per connection) and Socket.IO handlers
        (per event), and what they call.
    """
    why_is_this_bad = """
        Closing the shared client closes the pool it owns. Before redis-py 7.0, leaving
        `async with` on the shared client closed the shared pool under every concurrent request
        (2,396 of 3,000 requests failed on redis-py 5.0.1 at 50 concurrent). Since 7.0,
        `__aexit__` counts nested uses, so it disconnects the pool each time concurrency drops
        to zero: 100 sequential requests open 100 TCP connections. The shared client is closed
        once, at shutdown; requests just use it.
    """
    example = """
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
            async with request.app.state.redis as client:
                return await client.get("item")
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
        Safe: the lifespan closes the client at shutdown. `async with <shared> as r:` becomes
        `r = <shared>` followed by the block, dedented; a close call that is a statement of its
        own is removed; in a `with` of several items only the shared client's item goes.
        Closes inside larger expressions are reported only.
    """

    def check(self, context: RuleContext) -> Iterator[Finding]:
        objects = context.objects
        for function in context.functions():
            why = context.per_request(function)
            if why is None:
                continue
            for site in function.withs:
                if site.lifespan_only:
                    continue  # a middleware's lifespan branch: once per server
                long_lived = objects.long_lived(site.expr, function)
                if long_lived is None or long_lived.wrapper:
                    # Closing a `Redis(connection_pool=pool)` client leaves the pool open.
                    continue
                keyword = "async with" if site.is_async else "with"
                yield context.finding(
                    type(self),
                    site.span,
                    _at_block_end(f"{keyword} {site.written}", long_lived, why),
                )
            for call in function.calls:
                if GUARD_LIFESPAN in call.guard_refs:
                    continue  # a middleware's lifespan branch: its shutdown, not a request
                if call.context is not None and not call.awaited:
                    # ``async with get_shared(request) as r:``: a project function that returns
                    # the shared client.
                    held = objects.long_lived(f"{call.callee}()", function)
                    if held is not None and not held.wrapper:
                        written = f"{call.context} {call.written}(...)"
                        yield context.finding(
                            type(self), call.span, _at_block_end(written, held, why)
                        )
                receiver = receiver_of_close(call.callee)
                if receiver is None:
                    continue
                long_lived = objects.long_lived(receiver, function)
                if long_lived is None:
                    continue
                if long_lived.wrapper and not call.callee.endswith(
                    (".connection_pool.disconnect", ".connection_pool.aclose")
                ):
                    continue  # a wrapper client: its own close leaves the pool open
                kind = "pool" if ".connection_pool." in call.callee else _kind(long_lived)
                yield context.finding(
                    type(self),
                    call.span,
                    f"`{call.written}()` closes the shared {kind} "
                    f"({long_lived.description}) in per-{context.unit(function, call).value} "
                    f"code; {context.per_request(function, call)}",
                )


def _at_block_end(written: str, long_lived: LongLived, why: str) -> str:
    """The message for a ``with`` that closes the shared client when its block ends."""
    return (
        f"`{written}` closes the shared {_kind(long_lived)} ({long_lived.description}) "
        f"when the block ends; {why}"
    )


def _kind(long_lived: LongLived) -> str:
    constructor = long_lived.constructor
    return (
        "pool" if constructor is not None and constructor.ownership is Ownership.POOL else "client"
    )
