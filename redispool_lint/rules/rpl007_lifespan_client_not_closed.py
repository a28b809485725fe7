from __future__ import annotations

from collections.abc import Iterator

from .. import redis_api
from ..diagnostics import Finding
from ..project.objects import receiver_of_close, state_name
from ..project.summary import FunctionSummary
from ..redis_api import Ownership
from .base import Rule, RuleContext


class LifespanClientNotClosed(Rule):
    code = "RPL007"
    name = "lifespan-client-not-closed"
    summary = "a client or pool created in a lifespan or startup hook and never closed at shutdown"
    fixable = "never"

    what_it_does = """
        Finds a client or pool that a lifespan (before its `yield`) or a startup hook stores in
        app state, a module variable or a local, when no shutdown code (the lifespan after its
        `yield`, a shutdown hook, or what they call) closes it, or a client owning it, or the
        library it was handed to (fastapi-limiter's `FastAPILimiter.close()` closes the client
        given to `FastAPILimiter.init`).
    """
    why_is_this_bad = """
        The connections stay open until the process dies; on reload (uvicorn `--reload`, tests
        that start the app many times) they pile up, and asyncio reports `ResourceWarning:
        unclosed Connection` or `Unclosed client session`. Close the client with `await
        client.aclose()` after the lifespan's `yield` (closing a `from_pool` client also closes
        its pool; a `Redis(connection_pool=pool)` client leaves the pool to you).
    """
    example = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.redis = redis.from_url("redis://localhost")
            yield

        app = FastAPI(lifespan=lifespan)
    """
    use_instead = """
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.redis = redis.from_url("redis://localhost")
            yield
            await app.state.redis.aclose()

        app = FastAPI(lifespan=lifespan)
    """

    def check(self, context: RuleContext) -> Iterator[Finding]:
        requests = context.requests
        # Project-wide, the same for every module: computed once per run (a rule instance
        # lives for one run), not once per module (quadratic on a large project).
        cached = getattr(self, "_closed", None)
        if cached is None or cached[0] is not context.requests:
            cached = (context.requests, _closed_at_shutdown(context))
            self._closed = cached
        closed = cached[1]
        for function in context.functions():
            if function.qualname not in requests.startup:
                continue
            if function.qualname in requests.per_request:
                continue
            for found in context.objects.redis_calls(function):
                if found.call.after_yield or found.call.context is not None:
                    continue
                if found.ownership is Ownership.WRAPPER:
                    continue  # nothing of its own to close
                names = _names_of(found.call.assigned_to, function)
                names |= _stored_by_callers(context, function, found.call.assigned_to)
                if not names:
                    continue
                if names & closed or names & _owned_by_closed(context, closed):
                    continue
                if names & _closed_anywhere_in(function):
                    continue  # closed too early, perhaps (RPL006), but not left open
                where = min(names, key=_shown_first)
                yield context.finding(
                    type(self),
                    found.call.span,
                    f"`{found.text}` is created at startup ({_shown(where)}) "
                    "and never closed at shutdown",
                )


def _shown_first(identity: str) -> tuple[int, str]:
    """The name a message shows of an object stored under several: where the app keeps it
    (``app.state.redis``), else a module variable, else a local of the startup code."""
    if identity.startswith("state:"):
        return 0, identity
    return (2 if ":local:" in identity else 1), identity


def _shown(identity: str) -> str:
    """``state:redis`` -> ``redis``; ``app.main.lifespan:local:pool`` -> ``pool``."""
    return identity.removeprefix("state:").rpartition(":local:")[2]


def _identity(ref: str, function: FunctionSummary) -> str:
    """A name for an object that is the same wherever it is reached from."""
    name = state_name(ref)
    if name is not None:
        return f"state:{name}"
    if ref.startswith("local:"):
        return f"{function.qualname}:{ref}"
    return ref


def _names_of(assigned_to: str | None, function: FunctionSummary) -> set[str]:
    """Every name a created object is stored under in its function."""
    if assigned_to is None:
        return set()
    names = {_identity(assigned_to, function)}
    for assign in function.assigns:
        if assign.value == assigned_to:
            names.add(_identity(assign.target, function))
    for key, value in function.yielded_state:
        if value == assigned_to:
            names.add(f"state:{key}")
    return names


def _stored_by_callers(
    context: RuleContext, function: FunctionSummary, assigned_to: str | None, depth: int = 0
) -> set[str]:
    """What startup code that calls ``function`` stores its result under, when ``function``
    returns the object (``pool = ConnectionPool(...); return pool`` in a helper, kept as
    ``app.state.pool = make_pool()`` by the lifespan, which closes it at shutdown)."""
    if assigned_to is None or assigned_to not in function.returns or depth > 3:
        return set()
    model = context.model
    names: set[str] = set()
    for qualname in context.requests.startup:
        caller = model.functions.get(qualname)
        if caller is None:
            continue
        for call in caller.calls:
            if call.assigned_to is None:
                continue
            if model.resolve(call.callee, caller.local_types) != function.qualname:
                continue
            names |= _names_of(call.assigned_to, caller)
            names |= _stored_by_callers(context, caller, call.assigned_to, depth + 1)
    return names


def _closed_at_shutdown(context: RuleContext) -> set[str]:
    """The identities that some shutdown code closes (project-wide)."""
    requests = context.requests
    closed: set[str] = set()
    for qualname in requests.shutdown:
        function = context.model.functions.get(qualname)
        if function is None:
            continue
        is_lifespan = qualname in requests.startup  # a lifespan is both
        for call in function.calls:
            receiver = receiver_of_close(call.callee)
            if receiver is not None and (call.after_yield or not is_lifespan):
                closed |= _through_getters(context, receiver, function)
        for site in function.withs:
            closed |= _through_getters(context, site.expr, function)
        for call in function.calls:
            if call.context is not None and call.assigned_to:
                closed |= _aliases(call.assigned_to, function)
    for function in context.model.functions.values():
        closed |= _close_callbacks(function)
    return closed | _closed_by_keepers(context)


def _closed_by_keepers(context: RuleContext) -> set[str]:
    """Clients handed to a library that closes them in a close call of its own, where shutdown
    code makes that call (``FastAPILimiter.init(client)``, then ``FastAPILimiter.close()``)."""
    model = context.model
    shutdown = [f for q in context.requests.shutdown if (f := model.functions.get(q))]
    called = {model.resolve(call.callee, f.local_types) for f in shutdown for call in f.calls}
    keepers = {
        init: keyword for init, (keyword, close) in redis_api.KEEPERS.items() if close in called
    }
    closed: set[str] = set()
    if not keepers:
        return closed
    for function in model.functions.values():
        for call in function.calls:
            keyword = keepers.get(model.resolve(call.callee, function.local_types))
            if keyword is None:
                continue
            given = call.args[0] if call.args else dict(call.keywords).get(keyword)
            if given:
                closed |= _through_getters(context, given, function)
    return closed


def _close_callbacks(function: FunctionSummary) -> set[str]:
    """Objects whose close method is handed over to be called later:
    ``stack.push_async_callback(client.aclose)``, ``add_event_handler("shutdown", r.close)``."""
    closed: set[str] = set()
    for call in function.calls:
        for ref in [*call.args, *(value for _, value in call.keywords)]:
            for element in ref[5:].split(",") if ref and ref.startswith("list:") else [ref]:
                receiver = receiver_of_close(element) if element else None
                if receiver is not None:
                    closed |= _aliases(receiver, function)
    return closed


def _closed_anywhere_in(function: FunctionSummary) -> set[str]:
    closed: set[str] = set()
    for call in function.calls:
        receiver = receiver_of_close(call.callee)
        if receiver is not None:
            closed |= _aliases(receiver, function)
    return closed


def _through_getters(
    context: RuleContext, ref: str, function: FunctionSummary, depth: int = 0
) -> set[str]:
    """``_aliases``, and for a call of a project function (a getter: ``await
    get_client().aclose()``), the identities of what it returns (``return _client``)."""
    names = _aliases(ref, function)
    if ref.endswith("()") and depth < 3:
        model = context.model
        getter = model.functions.get(model.resolve(ref[:-2], function.local_types))
        if getter is not None and not getter.is_generator:
            for result in getter.returns:
                names |= _through_getters(context, result, getter, depth + 1)
    return names


def _aliases(ref: str, function: FunctionSummary) -> set[str]:
    names = {_identity(ref, function)}
    for assign in function.assigns:
        if assign.target == ref and assign.value is not None:
            names.add(_identity(assign.value, function))
        if assign.value == ref:
            names.add(_identity(assign.target, function))
    return names


def _owned_by_closed(context: RuleContext, closed: set[str]) -> set[str]:
    """Pools given to ``from_pool`` clients that are closed: closing the client closes them."""
    owned: set[str] = set()
    for function in context.model.functions.values():
        for found in context.objects.redis_calls(function):
            if found.ownership is not Ownership.OWNS_GIVEN_POOL or not found.call.args:
                continue
            pool = found.call.args[0]
            client_names = _names_of(found.call.assigned_to, function)
            if pool is not None and (found.call.context is not None or client_names & closed):
                owned |= _aliases(pool, function)
    return owned
