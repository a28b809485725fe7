"""Where the project creates Redis clients and pools, and which of them live as long as the app.

Joins the Redis API tables (``redis_api``) with the project model: a call site becomes a
``RedisCall`` when its callee resolves to a known constructor, and a reference is *long-lived*
when it names app state (``app.state.redis``, ``request.app.state.redis``, ``request.state.redis``
filled by a lifespan) or a module-level variable that holds a client or pool.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .. import redis_api
from ..frameworks.base import Kind
from ..redis_api import Constructor, Ownership
from .model import ProjectModel
from .requests import RequestAnalysis
from .summary import CallSite, FunctionSummary

#: App state: ``.state`` (Starlette, FastAPI, Litestar) and Sanic's ``app.ctx`` (not
#: ``request.ctx``, which lives for one request).
_STATE = re.compile(r"(?:\.state|\bapp\.ctx)\.(\w+)$")


def state_name(ref: str) -> str | None:
    """``request.app.state.redis`` -> ``redis``: app state, whichever object it is reached from."""
    match = _STATE.search(ref)
    return match.group(1) if match else None


def split_method(callee: str) -> tuple[str, str]:
    receiver, _, method = callee.rpartition(".")
    return receiver, method


@dataclass(frozen=True)
class RedisCall:
    function: FunctionSummary
    call: CallSite
    constructor: Constructor
    ownership: Ownership

    @property
    def text(self) -> str:
        """The call as written, shortened: ``Redis.from_pool(app.state.pool)``."""
        return f"{self.call.written}({self.call.written_args})"


@dataclass(frozen=True)
class LongLived:
    """A client or pool that outlives requests."""

    #: ``app state `redis` `` or ``module variable `app.db.client` ``.
    description: str
    #: The constructor that made it, when known.
    constructor: Constructor | None
    #: A client over a pool it does not own (``Redis(connection_pool=pool)``): closing it
    #: leaves the pool open.
    wrapper: bool = False


class RedisObjects:
    def __init__(self, model: ProjectModel, requests: RequestAnalysis) -> None:
        self.model = model
        self.requests = requests
        #: App state attribute -> constructor of what a lifespan, startup hook or module stores.
        self.state: dict[str, Constructor] = {}
        #: Module-level variable -> constructor of what it holds.
        self.globals: dict[str, Constructor] = {}
        #: Lifespan state (``yield {"redis": client}``): what ``request.state.redis`` reads.
        self.lifespan_state: dict[str, Constructor] = {}
        #: ``state:NAME``, ``lifespan:NAME`` or a module variable -> False when every object
        #: stored there is a wrapper client (closing it does not close the pool).
        self.owning: dict[str, bool] = {}
        #: Request state attributes that per-request code sets to a long-lived object
        #: (``request.state.redis = request.app.state.redis`` in a middleware).
        self.request_aliases: dict[str, LongLived] = {}
        self._instance_attributes: dict[str, Constructor | None] | None = None
        self._collect()

    # ----- constructors -------------------------------------------------------------------

    def constructor(self, callee: str, function: FunctionSummary) -> Constructor | None:
        return redis_api.lookup(self.model.resolve(callee, function.local_types))

    def redis_call(self, function: FunctionSummary, call: CallSite) -> RedisCall | None:
        constructor = self.constructor(call.callee, function)
        if constructor is None:
            return None
        keywords = frozenset(name for name, _ in call.keywords)
        return RedisCall(function, call, constructor, redis_api.classify(constructor, keywords))

    def redis_calls(self, function: FunctionSummary) -> Iterator[RedisCall]:
        for call in function.calls:
            found = self.redis_call(function, call)
            if found is not None:
                yield found

    def holds(self, ref: str, function: FunctionSummary, depth: int = 0) -> Constructor | None:
        """The constructor of the object a reference holds (``local:r`` made by ``Redis()``).

        Follows project factories: ``make_client()`` holds what ``make_client`` returns or
        yields (a few levels deep).
        """
        resolved = self.model.resolve(ref, function.local_types)
        if resolved.endswith("()"):
            constructor = redis_api.lookup(resolved[:-2])
            if constructor is not None:
                return constructor
            factory = self.model.functions.get(resolved[:-2])
            if factory is not None and depth < 4:
                for result in factory.returns:
                    made = self.holds(result, factory, depth + 1)
                    if made is not None:
                        return made
            return None
        long_lived = self.long_lived(ref, function)
        return long_lived.constructor if long_lived else None

    def annotated_class(self, ref: str, function: FunctionSummary) -> Constructor | None:
        """The Redis class a parameter is annotated with (``redis: Redis`` -> the class's
        constructor), for a parameter nothing else says the content of (a close helper that
        the shutdown code passes the client to). The annotation says what kind of client it
        is, not which one: only questions about the kind may use it."""
        held = function.local_types.get(ref) if ref.startswith("param:") else None
        if held is None or not held.startswith("ann:"):
            return None
        constructor = redis_api.lookup(self.model.resolve(held[4:], function.local_types))
        return constructor if constructor is not None and constructor.is_class_call else None

    def attribute_class(self, ref: str) -> Constructor | None:
        """The constructor of what the methods of a class store in an attribute of its
        instances (``self.client = Redis(...)`` in ``connect``, read as ``self.client`` in
        ``disconnect``: ``RedisClient().client`` to the model), when every such store makes
        the same kind of object. Which instance is unknown (one per request, perhaps): like
        ``annotated_class``, only questions about the kind may use it."""
        if "()." not in ref:
            return None
        if self._instance_attributes is None:
            found: dict[str, Constructor | None] = {}
            for function in self.model.functions.values():
                for assign in function.assigns:
                    target = assign.target
                    if "()." not in target or assign.value is None:
                        continue
                    made = self.holds(assign.value, function)
                    if made is None:
                        continue
                    known = found.setdefault(target, made)
                    if known is not None and known.flavor is not made.flavor:
                        found[target] = None  # a sync and an asyncio client: no one kind
            self._instance_attributes = found
        return self._instance_attributes.get(ref)

    def kind_of(self, ref: str, function: FunctionSummary) -> Constructor | None:
        """The constructor of the kind of object a reference holds, for questions about the
        kind only (is it an asyncio client? has it ``aclose()``?): what it holds, else what its
        parameter annotation or its instance attribute's stores say."""
        return (
            self.holds(ref, function)
            or self.annotated_class(ref, function)
            or self.attribute_class(ref)
        )

    def unawaited_getter(
        self, receiver: str, call: CallSite, function: FunctionSummary
    ) -> FunctionSummary | None:
        """The project ``async def`` whose call, not awaited, is the receiver of ``call``
        (``get_client().close()``: the receiver is a coroutine, not a client), or None."""
        if not receiver.endswith("()"):
            return None
        for inner in function.calls:
            if inner.callee != receiver[:-2] or inner.awaited:
                continue
            if (inner.span.row, inner.span.column) != (call.span.row, call.span.column):
                continue  # (a chained call starts where its receiver does)
            getter = self.model.functions.get(
                self.model.resolve(inner.callee, function.local_types)
            )
            if getter is not None and getter.is_async:
                return getter
        return None

    def is_fresh(self, ref: str | None, function: FunctionSummary) -> bool:
        """True for a reference to an object this very function creates (a local pool)."""
        if ref is None:
            return False
        if ref.startswith("local:") and self.long_lived(ref, function) is None:
            return ref.split(".", 1)[0] in function.local_types
        # Module variables are not followed: a module-level pool is shared, not fresh.
        resolved = self.model.resolve(ref, function.local_types, follow_variables=False)
        if not (resolved.endswith("()") and redis_api.lookup(resolved[:-2]) is not None):
            return False
        # ``from_pool(ConnectionPool.from_url(url))`` makes its pool here, but a closure's
        # ``pool`` made by the enclosing function reads the same (``ConnectionPool.from_url()``):
        # a pool made once in an app factory or a Django middleware factory is shared by every
        # call of the closure. Fresh when this function makes such a pool, or an enclosing
        # function that itself runs per request does (RPL003 reports that pool).
        maker: FunctionSummary | None = function
        while maker is not None:
            if (maker is function or maker.qualname in self.requests.per_request) and any(
                self.model.resolve(f"{call.callee}()", maker.local_types) == resolved
                for call in maker.calls
            ):
                return True
            # (Module level is no enclosing function: its pools are shared, and the module's
            # code is its own enclosing function.)
            outer = self.model.enclosing_function(maker)
            maker = None if outer is None or outer.qualname.endswith(".<module>") else outer
        return False

    # ----- long-lived objects -------------------------------------------------------------

    def _collect(self) -> None:
        per_request = self.requests.per_request
        for function in self.model.functions.values():
            if function.qualname in per_request:
                self._collect_singletons(function)
                continue
            for assign in function.assigns:
                constructor = (
                    self.holds(assign.value, function) if assign.value is not None else None
                )
                name = state_name(assign.target)
                if name is not None:
                    # Only app state known to hold a Redis client or pool counts: an HTTP
                    # session or a database on app state is none of our business.
                    if constructor is not None:
                        self.state[name] = constructor
                        self._note_owning(f"state:{name}", function, assign.value, assign.target)
                elif assign.target in self.model.variables and constructor is not None:
                    self.globals[assign.target] = constructor
                    self._note_owning(assign.target, function, assign.value, assign.target)
            for name, value in function.yielded_state:
                made = self.holds(value, function) if value else None
                if made is not None:
                    self.state[name] = made
                    self.lifespan_state[name] = made
                    self._note_owning(f"lifespan:{name}", function, value, None)
        for name, value in self.model.variables.items():
            module_code = self.model.functions.get(f"{name.rsplit('.', 1)[0]}.<module>")
            if value is not None and value.endswith("()") and module_code is not None:
                constructor = self.holds(value, module_code)
                if constructor is not None:
                    self.globals.setdefault(name, constructor)
                    self._note_owning(name, module_code, value, name)
        # Needs the long-lived objects above.
        for qualname in per_request:
            handler = self.model.functions.get(qualname)
            if handler is None:
                continue
            for assign in handler.assigns:
                name = state_name(assign.target)
                if name is None or assign.value is None or not _is_request_state(assign.target):
                    continue
                aliased = self.long_lived(assign.value, handler)
                if aliased is not None:
                    self.request_aliases[name] = aliased

    def _note_owning(
        self, key: str, function: FunctionSummary, value: str | None, target: str | None
    ) -> None:
        """Whether the object stored under ``key`` owns its pool (a wrapper client does not)."""
        wrapper = False
        for call in function.calls:
            if call.assigned_to is not None and call.assigned_to in (value, target):
                found = self.redis_call(function, call)
                if found is not None:
                    wrapper = found.ownership is Ownership.WRAPPER
        self.owning[key] = self.owning.get(key, False) or not wrapper

    def _collect_singletons(self, function: FunctionSummary) -> None:
        """Per-request code that creates a client only while a global or app state attribute
        is unset (``if _client is None: _client = from_url(...)``) makes a long-lived one."""
        for call in function.calls:
            if not call.guarded or call.assigned_to is None:
                continue
            found = self.redis_call(function, call)
            if found is None:
                continue
            name = state_name(call.assigned_to)
            if name is not None and not _is_request_state(call.assigned_to):
                self.state.setdefault(name, found.constructor)
            elif call.assigned_to in self.model.variables:
                self.globals.setdefault(call.assigned_to, found.constructor)

    def long_lived(self, ref: str, function: FunctionSummary, depth: int = 0) -> LongLived | None:
        """What makes a reference long-lived, or None when it is not (or not a Redis object)."""
        if ref.endswith("()") and depth < 4:
            # ``await get_client()``: a project function (not a generator, whose ``with`` would
            # enter the generator) that returns a long-lived object.
            factory = self.model.functions.get(self.model.resolve(ref, function.local_types)[:-2])
            if factory is not None and not factory.is_generator:
                for result in factory.returns:
                    found = self.long_lived(result, factory, depth + 1)
                    if found is not None:
                        return found
                return None
        if ref.endswith("()"):
            # Any other call makes a new object, even a method of a long-lived client:
            # ``connection.pubsub()``, ``.pipeline()``, ``.lock(...)`` borrow its pool, and
            # leaving ``async with`` on them releases a connection (or the lock), never closes
            # the client. The prefix match below would take them for the client itself.
            return None
        if ref.startswith("param:") and "." not in ref and depth < 4:
            injected = self._injected(ref, function, depth)
            if injected is not None:
                return injected
        if ref.startswith("local:"):
            # A local that holds app state (``r = app.state.redis`` was already substituted),
            # or one this function also stores in app state or a global.
            head = ref.split(".", 1)[0]
            for assign in function.assigns:
                if assign.value == head and self._stored(assign.target):
                    constructor = self.holds(head, function) if head != ref else None
                    # As written (``request.app.state.c``), not as summarised (``param:...``).
                    place = assign.target.removeprefix("param:")
                    return LongLived(f"stored in `{place}`", constructor)
            return None
        name = state_name(ref)
        if name is not None and _is_request_state(ref):
            # The request's own state: long-lived only when the lifespan yields it, or when
            # per-request code stores a long-lived object there. App state of the same name is
            # another object.
            if name in self.lifespan_state:
                return LongLived(
                    f"lifespan state `{name}`",
                    self.lifespan_state[name],
                    not self.owning.get(f"lifespan:{name}", True),
                )
            return self.request_aliases.get(name)
        if name is not None and name in self.state:
            return LongLived(
                f"app state `{name}`", self.state[name], not self.owning.get(f"state:{name}", True)
            )
        variable = self.model.variable_of(ref)
        if variable is not None and variable in self.globals:
            return LongLived(
                f"module variable `{variable}`",
                self.globals[variable],
                not self.owning.get(variable, True),
            )
        return None

    def _injected(self, param: str, function: FunctionSummary, depth: int) -> LongLived | None:
        """What a dependency injects into a parameter (``redis: Redis = Depends(get_redis)``,
        ``redis: RedisDep``), when it is long-lived: the provider returns or yields it."""
        for result, dependency in self.injected(param, function):
            found = self.long_lived(result, dependency, depth + 1)
            if found is not None:
                return found
        return None

    def injected(
        self, param: str, function: FunctionSummary
    ) -> Iterator[tuple[str, FunctionSummary]]:
        """What the dependencies that inject a parameter return or yield, each with the
        dependency's function (``pool: ConnectionPool = Depends(get_pool)`` and ``get_pool``
        returning ``request.app.state.pool``)."""
        spec = function.local_types.get(param)
        if spec is None:
            return
        pairs = self.model.annotation_dependencies(spec[4:] if spec.startswith("ann:") else spec)
        for pair in pairs:
            marker, _, provider = pair.partition("|")
            registrations = self.requests.knowledge.calls.get(self.model.resolve(marker), ())
            if not any(r.kind is Kind.DEPENDENCY for r in registrations):
                continue
            for qualname in self.requests.callables(provider, Kind.DEPENDENCY, {}):
                dependency = self.model.functions.get(qualname)
                if dependency is not None:
                    for result in dependency.returns:
                        yield result, dependency

    def _stored(self, target: str) -> bool:
        # The request's own state (``request.state.redis = client``, a middleware handing a
        # per-request client to the handlers) ends with the request: storing a local there does
        # not make it the shared client.
        if _is_request_state(target):
            return False
        return state_name(target) is not None or target in self.model.variables


def _is_request_state(ref: str) -> bool:
    """``request.state.x`` (a request or websocket parameter), not ``request.app.state.x``.

    Handlers reach the application through the request (``request.app``, ``websocket.app``); a
    bare parameter other than ``app`` whose ``.state`` is read is the request's own state.
    """
    match = _STATE.search(ref)
    if match is None or ".ctx." in match.group(0):
        return False
    head = ref[: match.start()]
    return head.startswith("param:") and "." not in head and head != "param:app"


def receiver_of_close(callee: str) -> str | None:
    """``x.aclose`` -> ``x``; ``x.connection_pool.disconnect`` -> ``x``; None for other calls."""
    receiver, method = split_method(callee)
    if method not in redis_api.CLOSE_METHODS or not receiver:
        return None
    return receiver.removesuffix(".connection_pool")
