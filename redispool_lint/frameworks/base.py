"""The vocabulary in which each web framework says what runs per request and what runs once.

A framework module (``fastapi.py``, ``starlette.py``...) is pure data: a ``Framework`` built from
these pieces. The engine (``project.requests``) interprets them and knows no framework by name.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class Kind(enum.Enum):
    #: A request handler (route, websocket endpoint).
    ROUTE = "route"
    #: Other per-request code: middleware functions, exception handlers, before/after request hooks.
    HOOK = "hook"
    #: A callable the framework calls per request to build a handler argument.
    DEPENDENCY = "dependency"
    #: A class whose ``__call__`` / ``dispatch`` runs per request (ASGI middleware).
    MIDDLEWARE_CLASS = "middleware class"
    #: A lifespan: runs once; what comes before its ``yield`` is startup, after it shutdown.
    LIFESPAN = "lifespan"
    STARTUP = "startup"
    SHUTDOWN = "shutdown"

    @property
    def per_request(self) -> bool:
        return self in (Kind.ROUTE, Kind.HOOK, Kind.DEPENDENCY, Kind.MIDDLEWARE_CLASS)


class Unit(enum.Enum):
    """What one run of a per-request entry point serves: the word its findings use.

    An HTTP handler runs once per request; a websocket handler (and what its connection
    calls: ``on_receive``, ``on_message``) once per connection, for as long as the connection
    lives; a Socket.IO handler once per event a client emits.
    """

    REQUEST = "request"
    CONNECTION = "connection"
    EVENT = "event"


@dataclass(frozen=True)
class Condition:
    """A registration that holds only for some values of one keyword (Dishka's
    ``@provide(scope=Scope.REQUEST)``: a provider of ``Scope.APP`` runs once)."""

    keyword: str
    #: The values, by qualified name, for which the registration holds.
    values: frozenset[str]
    #: Where the keyword is not given, its default is the attribute of that name of the class
    #: the registration is written in (a ``Provider`` subclass's ``scope = Scope.REQUEST``),
    #: or the keyword given to the constructor of the object whose method registers
    #: (``Provider(scope=Scope.REQUEST).provide(fn)``), when that class is one of these.
    default_classes: frozenset[str] = frozenset()


class Method(NamedTuple):
    """A method a framework calls by name on a registered object (``Registration.methods``)."""

    kind: Kind
    label: str
    unit: Unit = Unit.REQUEST


@dataclass(frozen=True)
class Registration:
    """How a decorator or a call registers a callable with a framework.

    For a call, the callable is the argument at ``position`` or keyword ``keyword`` (a list there
    registers each element). For a decorator, it is the decorated function.
    """

    kind: Kind
    #: Shown in messages: ``GET``, ``websocket``, ``HTTP middleware``, ``dependency``.
    label: str
    position: int | None = 0
    keyword: str | None = None
    #: Append the first string argument (the route path) to the label.
    with_path: bool = False
    #: For lifecycle decorators such as ``on_event("startup")``: event name -> kind. When set,
    #: ``kind`` is used only for event names not listed, and unknown names register nothing.
    events: Mapping[str, Kind] = field(default_factory=dict)
    #: A keyword that, when literally ``True``, makes the framework call the callable once and
    #: reuse its result for every request (Litestar's ``Provide(fn, use_cache=True)``): then it
    #: registers nothing per request.
    cached_by: str | None = None
    #: What one run of the registered callable serves (a websocket route: a connection).
    unit: Unit = Unit.REQUEST
    #: For ``events``: event name -> unit, where it is not ``unit`` (Sanic's
    #: ``signal("websocket.handler.before")`` runs per connection, ``"http.*"`` per request).
    event_units: Mapping[str, Unit] = field(default_factory=dict)
    #: For an object whose methods the framework calls by name, not the object itself: method
    #: name -> its kind, label and unit (Falcon's ``add_route(path, Resource())`` calls
    #: ``on_get``, its middleware ``process_request`` per request and ``process_startup`` once).
    #: Set, it replaces the engine's default for a registered instance (its ``__call__``); a
    #: function registered is still run itself, with ``kind`` and ``label``. Each method
    #: needs its own kind and label, so the handler bases' name sets cannot say it.
    methods: Mapping[str, Method] = field(default_factory=dict)
    #: A keyword whose literal string the framework appends, after an underscore, to the names
    #: in ``methods`` (Falcon's ``add_route(path, res, suffix="detail")`` calls
    #: ``on_get_detail``, not ``on_get``).
    method_suffix: str | None = None
    #: The callable registered is a factory the framework calls once; what it returns runs
    #: per request (Django's function middleware: ``mw(get_response)`` returns the function
    #: called for each request). A class registered is unaffected (``methods`` say).
    factory: bool = False
    #: Every positional argument is registered, not only the one at ``position`` (Dishka's
    #: ``provide_all(CartService, PriceService)`` provides each class it is given).
    every_position: bool = False
    #: Registers only when this holds (see ``Condition``).
    when: Condition | None = None
    #: Why ``--fix`` does not rewrite a client made per request through this registration
    #: (the note shown under the finding), where moving it into the app's lifespan is not the
    #: framework's way.
    fix_note: str | None = None


@dataclass(frozen=True)
class RoutePrefix:
    """Where a router writes the path prefix it adds to its routes (for route labels only:
    ``GET /v1/items``, not the ``/items`` written on the route)."""

    #: The keyword holding the prefix as a string literal (``url_prefix``).
    keyword: str
    #: The prefix may also be the first positional argument (``Mount("/api", ...)``).
    positional: bool = False
    #: For an include method: a prefix given there replaces the router's own (Flask's
    #: ``register_blueprint(bp, url_prefix=...)``) instead of going before it (FastAPI's
    #: ``include_router``).
    replaces: bool = False
    #: For a router constructor: the keyword listing what it routes, by reference (Litestar's
    #: ``route_handlers=[...]``). Registrations written inside its parentheses belong to it too
    #: (``Mount("/api", routes=[Route(...)])``).
    children: str | None = None
    #: For an include method: where the included router is, by position and keyword
    #: (``include_router(router)``, Django Ninja's ``add_router("/orders/", router)``).
    child_position: int = 0
    child_keyword: str | None = None


HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")


@dataclass(frozen=True)
class Framework:
    name: str
    #: Top-level packages: a file that mentions none cannot register with this framework.
    packages: tuple[str, ...]
    #: Classes whose instances carry routes and hooks (apps, routers, blueprints).
    app_classes: tuple[str, ...] = ()
    #: Decorators that are methods of those instances: method name -> registration.
    decorator_methods: Mapping[str, Registration] = field(default_factory=dict)
    #: Calls that are methods of those instances: method name -> registrations.
    call_methods: Mapping[str, tuple[Registration, ...]] = field(default_factory=dict)
    #: Decorators that are plain functions, by qualified name (``litestar.get``).
    decorator_functions: Mapping[str, Registration] = field(default_factory=dict)
    #: Calls of functions or classes, by qualified name (``starlette.routing.Route``,
    #: ``fastapi.Depends``, and app constructors with ``lifespan=``).
    call_functions: Mapping[str, tuple[Registration, ...]] = field(default_factory=dict)
    #: Base classes whose subclasses' methods run per request: qualified name -> method names
    #: (empty: every method that does not start with an underscore, plus ``__call__``; with
    #: ``EVERY_PUBLIC_METHOD`` among them: every such method and the others named, as
    #: ``__init__`` where the framework makes an instance per request). See ``handles``.
    handler_bases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Of those bases, the ones that are not the request's handler but a hook the handler
    #: runs (a DRF throttle, permission or authentication class): qualified name -> what the
    #: finding calls it ("DRF throttle").
    handler_hooks: Mapping[str, str] = field(default_factory=dict)
    #: Of those bases, the ones whose instances serve something else than one request:
    #: qualified name -> unit (a websocket endpoint class: a connection).
    handler_units: Mapping[str, Unit] = field(default_factory=dict)
    #: Base classes whose subclasses register callables in class attributes: qualified name ->
    #: registrations whose ``keyword`` is the attribute (a Litestar Controller's ``guards``).
    class_attributes: Mapping[str, tuple[Registration, ...]] = field(default_factory=dict)
    #: The last names of the objects whose items are app state, as their attributes are
    #: under ``.state``: aiohttp's ``app["redis"]`` (read as ``request.app["redis"]`` or
    #: ``request.config_dict["redis"]``), Litestar's ``app.state["redis"]``.
    state_items: tuple[str, ...] = ()
    #: Route prefixes, for labels. Constructors by qualified name -> where their own prefix is
    #: written (``APIRouter(prefix=)``, ``Blueprint(url_prefix=)``, ``Mount(path)``).
    router_prefixes: Mapping[str, RoutePrefix] = field(default_factory=dict)
    #: Methods of ``app_classes`` that include a router, by name -> where the prefix given
    #: there is written (``include_router(router, prefix=)``).
    include_prefixes: Mapping[str, RoutePrefix] = field(default_factory=dict)
    #: Base classes whose subclasses' handlers take a prefix from a class attribute: qualified
    #: name -> the attribute (a Litestar Controller's ``path = "/items"``).
    class_prefixes: Mapping[str, str] = field(default_factory=dict)
    #: Module-level names assigned a list of dotted paths, in strings, of callables the
    #: framework loads (Django's ``MIDDLEWARE`` in settings): name -> how each registers.
    setting_lists: Mapping[str, Registration] = field(default_factory=dict)


#: In a ``handler_bases`` entry: every public method, besides the methods named.
EVERY_PUBLIC_METHOD = "*"


def handles(names: frozenset[str], method: str) -> bool:
    """Does a ``handler_bases`` entry make ``method`` (a short name) run per request?"""
    if method in names:
        return True
    return (not names or EVERY_PUBLIC_METHOD in names) and not method.startswith("_")


def methods(
    names: Iterable[str], kind: Kind = Kind.ROUTE, *, with_path: bool = True
) -> dict[str, Registration]:
    """Route decorators named after HTTP methods: ``get`` -> ``GET /path``."""
    return {
        name: Registration(
            kind, name.upper() if name in HTTP_METHODS else name, with_path=with_path
        )
        for name in names
    }


def add_methods(names: Iterable[str]) -> dict[str, tuple[Registration, ...]]:
    """A router's ``add_get(path, handler)``-style calls, one per method name: the handler is
    the second argument (or ``handler=``), the label the method (``GET /path``)."""
    return {
        f"add_{name}": (Registration(Kind.ROUTE, name.upper(), 1, "handler", with_path=True),)
        for name in names
    }


def qualify(modules: Iterable[str], names: Mapping[str, Registration]) -> dict[str, Registration]:
    """The same registrations under several module paths (``litestar.get``, ...)."""
    return {f"{module}.{name}": reg for module in modules for name, reg in names.items()}


def lifespan_keywords(
    *,
    lifespan: str | None = "lifespan",
    startup: str | None = "on_startup",
    shutdown: str | None = "on_shutdown",
    extra: tuple[Registration, ...] = (),
) -> tuple[Registration, ...]:
    """The keywords of an application constructor that name its lifecycle callables."""
    registrations: list[Registration] = list(extra)
    if lifespan:
        registrations.append(Registration(Kind.LIFESPAN, "lifespan", None, lifespan))
    if startup:
        registrations.append(Registration(Kind.STARTUP, "startup", None, startup))
    if shutdown:
        registrations.append(Registration(Kind.SHUTDOWN, "shutdown", None, shutdown))
    return tuple(registrations)
