from __future__ import annotations

from collections.abc import Iterator

from .. import redis_api
from ..diagnostics import Finding
from ..project.objects import split_method
from .base import Rule, RuleContext


class DeprecatedAsyncClose(Rule):
    code = "RPL008"
    name = "deprecated-async-close"
    summary = (
        "`await client.close()` on an asyncio client (use `aclose()`), or `close()` not awaited"
    )
    fixable = "sometimes"

    what_it_does = """
        Finds `close()` called on an asyncio Redis client (one the code creates or stores, or a
        parameter annotated as one): awaited, it is deprecated since redis-py 5.0.1 in favour
        of `aclose()`; not awaited, it creates a coroutine that never runs, so nothing is
        closed. aioredis 2.x clients have no `aclose()`: their `close()` is reported only when
        it is not awaited; aioredis 1.x's `close()` is a plain method, and is left alone.
    """
    why_is_this_bad = """
        `await client.close()` emits a `DeprecationWarning` and will go away. `client.close()`
        without `await` does nothing at all (Python warns `coroutine ... was never awaited`):
        the connections stay open.
    """
    example = """
        import redis.asyncio as redis

        async def main():
            client = redis.from_url("redis://localhost")
            await client.get("k")
            await client.close()
    """
    use_instead = """
        import redis.asyncio as redis

        async def main():
            client = redis.from_url("redis://localhost")
            await client.get("k")
            await client.aclose()
    """
    fix_safety = """
        Replacing `close` with `aclose` (and adding the missing `await` where the call is a
        statement inside an `async def`) is safe: `aclose()` is what `close()` calls. On an
        aioredis 2.x client only the `await` is added. An
        un-awaited `close()` outside an `async def` cannot be awaited there and is reported
        only.
    """

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for function in context.functions():
            for call in function.calls:
                receiver, method = split_method(call.callee)
                if method != "close" or not receiver:
                    continue
                # A parameter annotated `redis: Redis` is an asyncio client whatever the
                # caller passes (`close_redis(app.state.redis)` at shutdown); so is an
                # attribute that the class's methods set to one (`self.client = Redis(...)`
                # in `connect`, closed in `disconnect`).
                constructor = context.objects.kind_of(receiver, function)
                if constructor is None or not redis_api.close_is_coroutine(constructor):
                    continue
                # aioredis 2.x has no `aclose()`: its `close()` is the coroutine to await, so
                # only a `close()` left un-awaited is wrong there.
                name = "aclose" if redis_api.has_aclose(constructor) else "close"
                if name == "close" and call.awaited:
                    continue
                getter = context.objects.unawaited_getter(receiver, call, function)
                if getter is not None:
                    message = (
                        f"`{getter.name}()` is an `async def` called without `await`: "
                        f"`{call.written}()` closes the coroutine, not the client; nothing is "
                        f"closed (`await (await {getter.name}()).{name}()`)"
                    )
                elif name == "close":
                    message = (
                        f"`{call.written}()` on an aioredis 2.x client is a coroutine that is "
                        "never awaited: nothing is closed; use `await ...close()`"
                    )
                elif call.awaited:
                    message = (
                        f"`await {call.written}()` is deprecated on asyncio clients since "
                        "redis-py 5.0.1: use `aclose()`"
                    )
                else:
                    message = (
                        f"`{call.written}()` on an asyncio client is a coroutine that is never "
                        "awaited: nothing is closed; use `await ...aclose()`"
                    )
                yield context.finding(type(self), call.span, message)
