"""The compact, tree-free summary of one module that the project model is built from.

Names are *dotted references*: every name is resolved through the module's own scopes and imports
at extraction time, so ``from redis.asyncio import Redis as R`` followed by ``R.from_pool(p)`` is
recorded as ``redis.asyncio.Redis.from_pool``. Conventions of the notation:

* ``X()`` is an instance made by calling ``X`` (``fastapi.FastAPI().get`` is the ``get`` method
  of a FastAPI object);
* ``param:NAME`` is a function parameter (``param:request.app.state.redis``);
* a module-level variable keeps its own name (``app.main.app``); the project model maps it to
  what it holds, across modules;
* a local variable assigned the result of a call keeps its identity as ``local:NAME`` (so that
  ``r = Redis(...)`` and ``await r.aclose()`` are seen to be the same object); the function's
  ``local_types`` says what it holds. A local alias of a reference (``r = app.state.redis``) is
  replaced by the reference.

Summaries hold no syntax tree, so a large project costs little memory and summaries can be built
in worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Span(NamedTuple):
    """Start and end of a node: 1-based rows, 0-based character columns."""

    row: int
    column: int
    end_row: int
    end_column: int


#: In ``CallSite.guard_refs``: the ``if`` body sets the flag it tests (``if not self.connected:
#: ...; self.connected = True``), so whatever it calls runs once.
GUARD_ONCE = "<once>"
#: In ``CallSite.guard_refs``: the call is reached only under the ASGI lifespan scope
#: (``if scope["type"] == "lifespan":``, the ``else`` of ``!= "lifespan"``, after ``if
#: scope["type"] != "lifespan": return ...``, ``message["type"] == "lifespan.startup"``). A
#: pure ASGI middleware's ``__call__`` runs per request, but that part of it runs once per
#: server: startup or shutdown.
GUARD_LIFESPAN = "<lifespan>"
#: In ``CallSite.guard_refs``: the call is reached only under the ASGI websocket scope
#: (``if scope["type"] == "websocket":``): in a pure ASGI middleware, once per connection.
GUARD_WEBSOCKET = "<websocket>"


class CallSite(NamedTuple):
    callee: str
    #: How the callee is written (``Redis.from_pool``), for messages.
    written: str
    #: Dotted references of the positional arguments (None where not a reference).
    args: tuple[str | None, ...]
    #: Keyword arguments: name and dotted reference (None where not a reference).
    keywords: tuple[tuple[str, str | None], ...]
    #: The arguments as written, shortened, for messages.
    written_args: str
    #: The first positional argument when it is a string literal (route path, event name).
    first_string: str | None
    span: Span
    awaited: bool
    #: "with" or "async with" when the call is the context expression of a with item.
    context: str | None
    #: Dotted reference of the single assignment target (``x = call``), if any.
    assigned_to: str | None
    #: True inside ``if X is None:`` (or ``not X``, ``not hasattr``) that assigns the call to X:
    #: the singleton idiom, which creates once.
    guarded: bool
    #: True after the first ``yield`` of a generator (the shutdown half of a lifespan).
    after_yield: bool
    #: The lasting places the enclosing ``if``s test for being unset (``if self.conn is None:``),
    #: plus ``GUARD_ONCE`` under a flag the ``if`` sets. A call of a project function there is
    #: made once when that function sets one of the places (``if not self.conn: await
    #: self.connect()``, where ``connect`` assigns ``self.conn``): the lazy singleton split
    #: over two functions, which ``guarded`` alone (the call assigned in place) does not see.
    guard_refs: frozenset[str] = frozenset()


class WithSite(NamedTuple):
    """A with item whose context expression is not a call (``async with app.state.redis:``)."""

    expr: str
    written: str
    is_async: bool
    span: Span
    after_yield: bool
    #: Under an ASGI lifespan test (see ``GUARD_LIFESPAN``): runs once per server.
    lifespan_only: bool = False


class AssignSite(NamedTuple):
    target: str
    value: str | None
    span: Span
    after_yield: bool


class DecoratorSite(NamedTuple):
    callee: str
    is_call: bool
    first_string: str | None
    keywords: tuple[tuple[str, str | None], ...]
    args: tuple[str | None, ...]


@dataclass
class FunctionSummary:
    qualname: str
    #: Short display name: ``read_user`` or ``Cache.__init__``.
    name: str
    module: str
    span: Span
    is_async: bool
    is_generator: bool
    params: tuple[str, ...]
    class_qualname: str | None
    decorators: list[DecoratorSite] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    #: Calls in parameter defaults and annotations (``Depends(get_redis)``): they belong to the
    #: function's signature, so a dependency found there is a dependency *of this function*.
    signature_calls: list[CallSite] = field(default_factory=list)
    #: Dotted references of parameter annotations (for ``Annotated`` aliases).
    annotations: list[str] = field(default_factory=list)
    withs: list[WithSite] = field(default_factory=list)
    #: ``local:NAME`` -> dotted reference of the call that made it; ``param:NAME`` -> what may
    #: inject it: ``dep:<marker>|<provider>`` (``= Depends(f)``) or ``ann:<annotation>``.
    local_types: dict[str, str] = field(default_factory=dict)
    assigns: list[AssignSite] = field(default_factory=list)
    #: Keys of dicts yielded (``yield {"redis": client}``), with the dotted values.
    yielded_state: list[tuple[str, str | None]] = field(default_factory=list)
    #: Dotted references of what the function returns or yields (other than state dicts).
    returns: list[str] = field(default_factory=list)


@dataclass
class ClassSummary:
    qualname: str
    name: str
    bases: tuple[str, ...]
    methods: tuple[str, ...]
    span: Span
    #: Class-level assignments: name and dotted reference (``list:`` for lists and dicts), for
    #: frameworks configured by class attributes (a Litestar Controller's ``guards = [...]``).
    attributes: tuple[tuple[str, str | None], ...] = ()


@dataclass
class ModuleSummary:
    name: str
    path: str
    is_test: bool
    #: Module-level imports: qualified name of the binding -> what it refers to.
    imports: dict[str, str] = field(default_factory=dict)
    #: Module-level variables: qualified name -> dotted reference of the value (None if opaque).
    variables: dict[str, str | None] = field(default_factory=dict)
    #: Variables whose value is ``Annotated[..., Depends(x)]``: qualified name -> dependencies.
    annotated_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    functions: list[FunctionSummary] = field(default_factory=list)
    classes: list[ClassSummary] = field(default_factory=list)
