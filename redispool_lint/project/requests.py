"""What runs per request, and what runs once at startup or shutdown, project-wide.

Entry points come from the framework tables (``frameworks``): routes, hooks, dependencies and
middleware are per request; lifespans and startup/shutdown hooks run once. Everything reachable
from a per-request entry point through calls, dependencies and instantiations is per request, and
remembers the path that makes it so, for the message.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..frameworks import Knowledge
from ..frameworks.base import Kind, Method, Registration, Unit, handles
from .conditions import Conditions
from .model import ProjectModel
from .routes import RoutePrefixes, string_keyword
from .summary import GUARD_LIFESPAN, GUARD_ONCE, CallSite, ClassSummary, FunctionSummary

#: Decorators that make a function run once and cache its result: the singleton idiom.
SINGLETON_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "async_lru.alru_cache",
        "cachetools.cached",
        "aiocache.cached",
    }
)


@dataclass(frozen=True)
class EntryPoint:
    function: str
    kind: Kind
    #: ``GET /users/{user_id}``, ``HTTP middleware``, ``dependency``.
    label: str
    #: Where it is registered or defined: ``app/users.py:17``.
    where: str
    #: What one run serves: a request, a websocket connection, a Socket.IO event.
    unit: Unit = Unit.REQUEST
    #: Why ``--fix`` leaves what this entry point makes per request alone, where its framework
    #: says (``Registration.fix_note``).
    fix_note: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why a function runs per request: it is an entry point, or ``via`` reaches it."""

    entry: EntryPoint
    via: str | None = None
    #: ``called by``, ``dependency of``, ``instantiated by``.
    relation: str = ""


@dataclass(frozen=True)
class Edge:
    callee: str
    relation: str
    #: True when the call is after the first ``yield`` (the shutdown half of a lifespan).
    after_yield: bool
    #: True for a call made once whatever calls its caller: its result is stored in the place
    #: the enclosing ``if`` finds unset (``if _client is None: _client = make_client()``).
    #: Startup and shutdown code reach through it; a request does not.
    once: bool = False


class RequestAnalysis:
    """Per-request and lifecycle roles of every function of a project model."""

    def __init__(self, model: ProjectModel, knowledge: Knowledge) -> None:
        self.model = model
        self.knowledge = knowledge
        self.entries: list[EntryPoint] = []
        self.lifecycle: dict[str, Kind] = {}
        self.edges: dict[str, list[Edge]] = {}
        self.per_request: dict[str, Reason] = {}
        #: Functions that run at startup / at shutdown (lifespan halves included).
        self.startup: set[str] = set()
        self.shutdown: set[str] = set()
        self.has_web_app = False
        #: Function -> ``param:NAME`` -> the references its callers pass there, when they are
        #: app objects, each with the caller (to find how that object was constructed).
        self.param_origins: dict[str, dict[str, list[tuple[str, FunctionSummary]]]] = {}
        #: Function -> ``param:NAME`` -> the app object its callers pass there.
        self.param_apps = self._param_apps()
        self.conditions = Conditions(model, self.param_origins)
        self.routes = RoutePrefixes(model, knowledge)
        self._find_entries()
        self._build_edges()
        self._propagate()
        self._lifecycle_reach()

    # ----- helpers ------------------------------------------------------------------------

    def where(self, function: FunctionSummary) -> str:
        return f"{self.model.module_of(function).path}:{function.span.row}"

    def local_types(self, function: FunctionSummary) -> dict[str, str]:
        return function.local_types

    def is_singleton(self, function: FunctionSummary) -> bool:
        for decorator in function.decorators:
            if self.model.resolve(decorator.callee) in SINGLETON_DECORATORS:
                return True
        return False

    def callables(
        self, ref: str, kind: Kind, local_types: dict[str, str], depth: int = 0
    ) -> list[str]:
        """The project functions that a registered reference runs per request (or at startup)."""
        if ref.startswith("list:"):
            found: list[str] = []
            for element in ref[5:].split(","):
                if element != "?":
                    found += self.callables(element, kind, local_types, depth)
            return found
        resolved = self.model.resolve(ref, local_types)
        factory = self.model.functions.get(resolved[:-2]) if resolved.endswith("()") else None
        if factory is not None and kind is not Kind.MIDDLEWARE_CLASS and depth < 4:
            # A factory's product (``Depends(require_scope("admin"))`` returning its nested
            # ``checker``): what it returns is what the framework runs.
            return [
                target
                for result in factory.returns
                for target in self.callables(result, kind, factory.local_types, depth + 1)
            ]
        if resolved in self.model.functions:
            # A function given as middleware is a factory: it runs once, when the app is built.
            return [] if kind is Kind.MIDDLEWARE_CLASS else [resolved]
        if resolved.endswith("()") and resolved[:-2] in self.model.classes:
            # An instance used as a dependency or endpoint: its __call__ runs.
            method = self.model.find_method(resolved[:-2], "__call__")
            return [method] if method else []
        if resolved in self.model.classes:
            if kind is Kind.DEPENDENCY:
                init = self.model.find_method(resolved, "__init__")
                return [init] if init else []
            if kind is Kind.MIDDLEWARE_CLASS:
                return [
                    m
                    for m in (
                        self.model.find_method(resolved, "__call__"),
                        self.model.find_method(resolved, "dispatch"),
                    )
                    if m
                ]
            if kind is Kind.ROUTE:
                # A class-based endpoint: its handler base says which methods handle requests.
                for base in self.model.ancestors(resolved):
                    names = self.knowledge.handler_bases.get(base)
                    if names:
                        return [
                            m
                            for m in self.model.methods_of(resolved)
                            if handles(names, m.rsplit(".", 1)[-1])
                        ]
                return [
                    m
                    for m in self.model.methods_of(resolved)
                    if not m.rsplit(".", 1)[-1].startswith("_") or m.endswith(".__call__")
                ]
        return []

    # ----- app objects passed as arguments --------------------------------------------------

    def _param_apps(self) -> dict[str, dict[str, str]]:
        """Parameters that receive an app, router or blueprint object from their callers.

        ``setup_routes(app)`` makes ``app`` inside ``setup_routes`` the app, so that
        ``app.router.add_get(...)`` or ``@app.route(...)`` there registers entry points.
        """
        found: dict[str, dict[str, str]] = {}
        for function in self.model.functions.values():
            for call in function.calls:
                if not call.args and not call.keywords:
                    continue
                callee = self.model.resolve(call.callee, function.local_types)
                target = self.model.functions.get(callee)
                if target is None:
                    continue
                params = target.params[1:] if target.class_qualname else target.params
                pairs = [*zip(params, call.args), *call.keywords]
                for name, ref in pairs:
                    if ref is None or ref.startswith("list:") or name not in params:
                        continue
                    held = self.model.resolve(ref, function.local_types)
                    if held.endswith("()") and held[:-2] in self.knowledge.app_classes:
                        found.setdefault(callee, {})[f"param:{name}"] = held
                        self.param_origins.setdefault(callee, {}).setdefault(
                            f"param:{name}", []
                        ).append((ref, function))
        return found

    def with_param_apps(self, ref: str, function: FunctionSummary | None) -> str:
        """``param:app.router.add_get`` -> ``aiohttp.web.Application().router.add_get``."""
        if function is None or not ref.startswith("param:"):
            return ref
        head, dot, rest = ref.partition(".")
        held = self.param_apps.get(function.qualname, {}).get(head)
        return held + dot + rest if held is not None else ref

    # ----- entry points -------------------------------------------------------------------

    def _add(
        self,
        function: str,
        kind: Kind,
        label: str,
        where: str,
        unit: Unit = Unit.REQUEST,
        fix_note: str | None = None,
    ) -> None:
        summary = self.model.functions.get(function)
        if summary is None or self.model.module_of(summary).is_test:
            return
        if kind.per_request:
            if unit is Unit.REQUEST and summary.class_qualname is not None:
                # A consumer's method named in a route table still runs per connection.
                unit = self._class_unit(summary.class_qualname)
            self.entries.append(EntryPoint(function, kind, label, where, unit, fix_note))
        else:
            self.lifecycle.setdefault(function, kind)

    def _class_unit(self, cls: str) -> Unit:
        """What an instance of a handler class serves: its nearest handler base says."""
        for base in self.model.ancestors(cls):
            if base in self.knowledge.handler_bases:
                return self.knowledge.handler_units.get(base, Unit.REQUEST)
        return Unit.REQUEST

    @staticmethod
    def _kind(registration: Registration, event: str | None) -> Kind | None:
        if registration.events:
            return registration.events.get(event or "")
        return registration.kind

    @staticmethod
    def _unit(registration: Registration, event: str | None) -> Unit:
        return registration.event_units.get(event or "", registration.unit)

    def _label(
        self,
        registration: Registration,
        path: str | None,
        router: str,
        function: FunctionSummary | None,
        handler: str | None = None,
    ) -> str:
        """``GET /products/{id}``: the route's path with its routers' prefixes."""
        if registration.with_path and path is not None:
            path = self.routes.full_path(router, function, path, handler)
            if path:
                return f"{registration.label} {path}"
        return registration.label

    def _find_entries(self) -> None:
        knowledge = self.knowledge
        for function in list(self.model.functions.values()):
            module = self.model.module_of(function)
            if module.is_test:
                continue
            outer = self.model.enclosing_function(function)
            outer_types = outer.local_types if outer else {}
            for decorator in function.decorators:
                callee = self.model.resolve(
                    self.with_param_apps(decorator.callee, outer), outer_types
                )
                registration = knowledge.decorators.get(callee)
                if registration is None:
                    continue
                if registration.when is not None and not self.conditions.holds(
                    registration.when,
                    decorator.keywords,
                    outer_types,
                    function.class_qualname,
                    None,
                ):
                    continue
                if callee.rsplit(".", 1)[0].removesuffix("()") in knowledge.app_classes:
                    self.has_web_app = True
                kind = self._kind(registration, decorator.first_string)
                if kind is not None:
                    label = self._label(
                        registration,
                        decorator.first_string,
                        decorator.callee.rpartition(".")[0],
                        outer,
                        function.qualname,
                    )
                    unit = self._unit(registration, decorator.first_string)
                    self._add(
                        function.qualname,
                        kind,
                        label,
                        self.where(function),
                        unit,
                        registration.fix_note,
                    )
            for call in function.calls:
                self._registrations_in_call(function, call)
            if knowledge.setting_lists and function.qualname.endswith(".<module>"):
                self._setting_list_registrations(function)
        for cls in self.model.classes.values():
            owner = self.model.modules.get(cls.qualname.rsplit(".", 1)[0])
            if owner is not None and owner.is_test:
                continue
            for base in self.model.ancestors(cls.qualname):
                names = knowledge.handler_bases.get(base)
                if names is None:
                    continue
                # (A DRF throttle's methods are hooks of the view that runs them.)
                hook = knowledge.handler_hooks.get(base)
                for method in self.model.methods_of(cls.qualname):
                    short = method.rsplit(".", 1)[-1]
                    if handles(names, short):
                        summary = self.model.functions.get(method)
                        if summary is not None:
                            self._add(
                                method,
                                Kind.ROUTE if hook is None else Kind.HOOK,
                                f"{cls.name}.{short}" if hook is None else hook,
                                self.where(summary),
                                knowledge.handler_units.get(base, Unit.REQUEST),
                            )
                break
            self._class_attribute_registrations(cls)

    def _class_attribute_registrations(self, cls: ClassSummary) -> None:
        """Callables named in class attributes of a framework class's subclass."""
        if not cls.attributes:
            return
        module = cls.qualname
        while "." in module and module not in self.model.modules:
            module = module.rsplit(".", 1)[0]
        owner = self.model.modules.get(module)
        where = f"{owner.path if owner else module}:{cls.span.row}"
        for base in self.model.ancestors(cls.qualname):
            for registration in self.knowledge.class_attributes.get(base, ()):
                ref = _argument((), cls.attributes, registration)
                if ref is None:
                    continue
                for target in self.callables(ref, registration.kind, {}):
                    self._add(target, registration.kind, registration.label, where)

    def _registrations_in_call(self, function: FunctionSummary, call: CallSite) -> None:
        callee = self.model.resolve(
            self.with_param_apps(call.callee, function), function.local_types
        )
        registrations = self.knowledge.calls.get(callee)
        if registrations is None:
            callee = self._inherited_method(callee)
            registrations = self.knowledge.calls.get(callee)
        if registrations is None:
            return
        if callee.removesuffix("()") in self.knowledge.app_classes or (
            callee.rsplit(".", 1)[0].removesuffix("()") in self.knowledge.app_classes
        ):
            self.has_web_app = True
        for registration in registrations:
            ref = _argument(call.args, call.keywords, registration)
            if ref is None or _cached(registration, call.keywords):
                continue
            if registration.when is not None and not self.conditions.holds(
                registration.when,
                call.keywords,
                function.local_types,
                self.conditions.class_around(call, function),
                (call.callee.rpartition(".")[0], function),
            ):
                continue
            kind = self._kind(registration, call.first_string)
            if kind is None:
                continue
            router = call.callee.rpartition(".")[0]
            handler = self.routes.call_identity(call, function)
            where = f"{self.model.module_of(function).path}:{call.span.row}"
            if registration.methods:
                suffix_keyword = registration.method_suffix
                suffix = string_keyword(call, suffix_keyword) if suffix_keyword else None
                for target, method in self.registered_methods(
                    ref, kind, registration, suffix, function.local_types
                ):
                    label = self._label(
                        replace(registration, label=method.label),
                        call.first_string,
                        router,
                        function,
                        handler,
                    )
                    self._add(target, method.kind, label, where, method.unit, registration.fix_note)
                continue
            label = self._label(registration, call.first_string, router, function, handler)
            unit = self._unit(registration, call.first_string)
            for target in self.callables(ref, kind, function.local_types):
                self._add(target, kind, label, where, unit, registration.fix_note)

    def _inherited_method(self, callee: str) -> str:
        """``RepoProvider().provide`` as ``dishka.Provider().provide`` when the project class
        ``RepoProvider`` inherits the method from a framework class whose instances register
        (``tags = RepoProvider(); tags.provide(TagIndex)``); else ``callee`` unchanged."""
        made, sep, method = callee.rpartition("().")
        if not sep or "." in method or made not in self.model.classes:
            return callee
        if self.model.find_method(made, method) is not None:
            return callee  # (the project's own method: not the framework's)
        for ancestor in self.model.ancestors(made):
            if ancestor in self.knowledge.app_classes:
                return f"{ancestor}().{method}"
        return callee

    def _setting_list_registrations(self, module: FunctionSummary) -> None:
        """``MIDDLEWARE = ["shop.middleware.Sessions", ...]`` at module level: each path names
        what the framework loads (``Framework.setting_lists``)."""
        for assign in module.assigns:
            name = assign.target.rsplit(".", 1)[-1]
            registration = self.knowledge.setting_lists.get(name)
            if registration is None or assign.value is None:
                continue
            if not assign.value.startswith("list:") or assign.target != f"{module.module}.{name}":
                continue
            where = f"{self.model.module_of(module).path}:{assign.span.row}"
            for target, method in self.registered_methods(
                assign.value, registration.kind, registration, None, {}
            ):
                self._add(
                    target, method.kind, method.label, where, method.unit, registration.fix_note
                )

    def registered_methods(
        self,
        ref: str,
        kind: Kind,
        registration: Registration,
        suffix: str | None,
        local_types: dict[str, str],
        depth: int = 0,
    ) -> list[tuple[str, Method]]:
        """The methods the framework calls by name on a registered object
        (``registration.methods``), each with its kind, label and unit; a function runs
        itself."""
        if ref.startswith("list:"):
            return [
                found
                for element in ref[5:].split(",")
                if element != "?"
                for found in self.registered_methods(
                    element, kind, registration, suffix, local_types, depth
                )
            ]
        resolved = self.model.resolve(ref, local_types)
        factory = self.model.functions.get(resolved[:-2]) if resolved.endswith("()") else None
        if factory is not None and depth < 4:
            # ``add_route("/items", make_items(client))``: what the factory returns.
            return [
                found
                for result in factory.returns
                for found in self.registered_methods(
                    result, kind, registration, suffix, factory.local_types, depth + 1
                )
            ]
        function = self.model.functions.get(resolved)
        if function is not None and registration.factory and depth < 4:
            # Called once; what it returns is called per request.
            once = replace(registration, factory=False)
            return [
                found
                for result in function.returns
                for found in self.registered_methods(
                    result, kind, once, suffix, function.local_types, depth + 1
                )
            ]
        if function is not None:
            return [(resolved, Method(kind, registration.label, registration.unit))]
        cls = resolved.removesuffix("()")
        if cls not in self.model.classes:
            return []
        found: list[tuple[str, Method]] = []
        for name, method in registration.methods.items():
            defined = self.model.find_method(cls, f"{name}_{suffix}" if suffix else name)
            if defined is not None:
                found.append((defined, method))
        return found

    # ----- edges --------------------------------------------------------------------------

    def _build_edges(self) -> None:
        for function in self.model.functions.values():
            edges: list[Edge] = []
            types = function.local_types
            for call in function.calls:
                callee = self.model.resolve(call.callee, types)
                if callee in self.model.functions:
                    once = call.guarded or _sets_guard(call, self.model.functions[callee])
                    edges.append(Edge(callee, "called by", call.after_yield, once))
                elif callee in self.model.classes:
                    init = self.model.find_method(callee, "__init__")
                    if init:
                        edges.append(Edge(init, "instantiated by", call.after_yield))
                    if call.context is not None:
                        edges += self._context_edges(callee, call.context, call.after_yield)
                elif callee.endswith("()") and callee[:-2] in self.model.classes:
                    method = self.model.find_method(callee[:-2], "__call__")
                    if method:
                        edges.append(Edge(method, "called by", call.after_yield))
                elif callee.startswith("builtins.super().") and function.class_qualname:
                    # ``super().__init__()``: the method of the nearest base that has it.
                    method = self._super_method(function.class_qualname, callee[17:])
                    if method is not None:
                        edges.append(Edge(method, "called by", call.after_yield))
                else:
                    getter = self._property_in(callee)
                    if getter is not None:
                        edges.append(Edge(getter, "called by", call.after_yield))
                    method = self._method_of_parameter(callee, function)
                    if method is not None:
                        once = call.guarded or _sets_guard(call, self.model.functions[method])
                        edges.append(Edge(method, "called by", call.after_yield, once))
                if callee not in self.knowledge.calls:
                    # A project function passed along (run_in_threadpool(fn), create_task(...)).
                    for arg in call.args:
                        if arg is None or arg.startswith("list:"):
                            continue
                        target = self.model.resolve(arg, types)
                        if target in self.model.functions:
                            # ``await self.app(scope, receive_lifespan, send)`` in an ASGI
                            # lifespan branch: the wrapped ``receive`` runs for the lifespan.
                            once = GUARD_LIFESPAN in call.guard_refs
                            edges.append(Edge(target, "called by", call.after_yield, once))
            for site in function.withs:
                # ``with session:`` on an instance of a project class.
                held = self.model.resolve(site.expr, types)
                if held.endswith("()") and held[:-2] in self.model.classes:
                    context = "async with" if site.is_async else "with"
                    edges += self._context_edges(held[:-2], context, site.after_yield)
            for call in function.signature_calls:
                edges += self._dependency_edges(call.callee, call.args, call.keywords)
            for annotation in function.annotations:
                for pair in self.model.annotation_dependencies(annotation):
                    callee, _, ref = pair.partition("|")
                    edges += self._dependency_edges(callee, (ref,), ())
            edges += [Edge(wrapper, "wraps", False) for wrapper in self._wrappers(function)]
            self.edges[function.qualname] = edges

    def _method_of_parameter(self, callee: str, function: FunctionSummary) -> str | None:
        """``service.put()`` on a parameter that holds an instance of a project class: annotated
        with it (``service: CacheService``), or given by a dependency that makes one
        (``= Depends(get_service)``, ``get_service`` returning ``CacheService(...)``; or
        ``Depends(CacheService)``). The framework injects it; that class's method runs."""
        head, _, method = callee.partition(".")
        if not head.startswith("param:") or not method or "." in method:
            return None
        spec = function.local_types.get(head)
        if spec is None:
            return None
        candidates: list[str] = []
        if spec.startswith("ann:"):
            candidates.append(spec[4:])
            pairs = self.model.annotation_dependencies(spec[4:])
        else:
            pairs = self.model.annotation_dependencies(spec)
        for pair in pairs:
            provider = pair.partition("|")[2]
            if provider:
                candidates += [provider, f"{provider}()"]
        for candidate in candidates:
            held = self.model.resolve(candidate).removesuffix("()")
            if held in self.model.classes:
                found = self.model.find_method(held, method.removesuffix("()"))
                if found is not None:
                    return found
        return None

    def _context_edges(self, cls: str, context: str, after_yield: bool) -> list[Edge]:
        """A ``with`` block runs the class's enter and exit methods."""
        names = (
            ("__aenter__", "__aexit__") if context == "async with" else ("__enter__", "__exit__")
        )
        found = (self.model.find_method(cls, name) for name in names)
        return [Edge(method, "entered by", after_yield) for method in found if method]

    def _super_method(self, cls: str, name: str) -> str | None:
        summary = self.model.classes.get(cls)
        for base in summary.bases if summary is not None else ():
            found = self.model.find_method(self.model.resolve(base), name)
            if found is not None:
                return found
        return None

    def _property_in(self, callee: str) -> str | None:
        """The property read on the way to a call: ``svc.Container.redis`` in
        ``container.redis.get(...)``, whose getter runs on every read."""
        segments = callee.split(".")
        for end in range(len(segments) - 1, 1, -1):
            getter = self.model.functions.get(".".join(segments[:end]))
            if getter is not None and getter.class_qualname is not None:
                if any(
                    self.model.resolve(d.callee) == "builtins.property" for d in getter.decorators
                ):
                    return getter.qualname
                return None
        return None

    def _wrappers(self, function: FunctionSummary) -> list[str]:
        """The functions project decorators put in place of ``function``.

        ``@cached(ttl)`` whose inner ``decorator`` returns ``@wraps(fn) async def wrapper``: the
        framework runs ``wrapper`` when it runs the decorated handler. Only decorators below the
        one that registers the function wrap what the framework runs.
        """
        if not function.decorators:
            return []
        outer = self.model.enclosing_function(function)
        outer_types = outer.local_types if outer else {}
        resolved = [
            self.model.resolve(self.with_param_apps(d.callee, outer), outer_types)
            for d in function.decorators
        ]
        start = 0
        for index, callee in enumerate(resolved):
            if callee in self.knowledge.decorators:
                start = index + 1
        found: list[str] = []
        for decorator, callee in zip(function.decorators[start:], resolved[start:]):
            decorating = [callee]
            if decorator.is_call:
                # A decorator factory: the decorators are the functions it returns.
                factory = self.model.functions.get(callee)
                types = factory.local_types if factory is not None else {}
                decorating = [
                    self.model.resolve(result, types)
                    for result in (factory.returns if factory is not None else ())
                ]
            for qualname in decorating:
                made = self.model.functions.get(qualname)
                if made is None:
                    continue
                for result in made.returns:
                    wrapper = self.model.resolve(result, made.local_types)
                    if wrapper in self.model.functions and wrapper != qualname:
                        found.append(wrapper)
        return found

    def _dependency_edges(
        self,
        callee: str,
        args: tuple[str | None, ...],
        keywords: tuple[tuple[str, str | None], ...],
    ) -> list[Edge]:
        registrations = self.knowledge.calls.get(self.model.resolve(callee), ())
        edges: list[Edge] = []
        for registration in registrations:
            if registration.kind is not Kind.DEPENDENCY or _cached(registration, keywords):
                continue
            ref = _argument(args, keywords, registration)
            if ref is not None:
                for target in self.callables(ref, Kind.DEPENDENCY, {}):
                    edges.append(Edge(target, "dependency of", False))
        return edges

    # ----- propagation --------------------------------------------------------------------

    def _propagate(self) -> None:
        # Handlers first, so that a dependency's reason names the handler that uses it.
        ordered = sorted(self.entries, key=lambda e: e.kind is Kind.DEPENDENCY)
        for entry in ordered:
            if entry.function in self.per_request:
                continue
            summary = self.model.functions[entry.function]
            if self.is_singleton(summary):
                continue
            self.per_request[entry.function] = Reason(entry)
            self._walk(entry.function)

    def _walk(self, start: str) -> None:
        queue = deque([start])
        while queue:
            current = queue.popleft()
            reason = self.per_request[current]
            for edge in self.edges.get(current, ()):
                if edge.once or edge.callee in self.per_request:
                    continue
                summary = self.model.functions.get(edge.callee)
                if summary is None or self.is_singleton(summary):
                    continue
                self.per_request[edge.callee] = Reason(reason.entry, current, edge.relation)
                queue.append(edge.callee)

    def _lifecycle_reach(self) -> None:
        for function, kind in self.lifecycle.items():
            if kind is Kind.LIFESPAN:
                self.startup.add(function)
                self.shutdown.add(function)
                for edge in self.edges.get(function, ()):
                    target = self.shutdown if edge.after_yield else self.startup
                    self._reach(edge.callee, target)
            elif kind is Kind.STARTUP:
                self._reach(function, self.startup)
            elif kind is Kind.SHUTDOWN:
                self._reach(function, self.shutdown)

    def _reach(self, start: str, into: set[str]) -> None:
        todo = [start]
        while todo:
            current = todo.pop()
            if current in into:
                continue
            into.add(current)
            todo.extend(edge.callee for edge in self.edges.get(current, ()))

    # ----- explanations -------------------------------------------------------------------

    def chain(self, function: str) -> Iterator[tuple[str, Reason]]:
        seen: set[str] = set()
        current: str | None = function
        while current is not None and current not in seen:
            seen.add(current)
            reason = self.per_request.get(current)
            if reason is None:
                return
            yield current, reason
            current = reason.via

    def unit(self, function: str) -> Unit:
        """What one run of a per-request function serves: that of the entry point its reason
        chain reaches (a helper a websocket handler calls runs per connection)."""
        reason = self.per_request.get(function)
        return reason.entry.unit if reason is not None else Unit.REQUEST

    def explain(self, function: str, *, websocket_branch: bool = False) -> str:
        """A sentence: ``f`` runs per request: called by ``read_user`` (GET /u, app.py:17).

        Per connection for websocket handlers and what they reach, per event for Socket.IO.
        For code under a middleware's ``scope["type"] == "websocket"`` branch
        (``websocket_branch``): per connection, in that branch, of code run on every request."""
        parts: list[str] = []
        entry: EntryPoint | None = None
        for _, reason in self.chain(function):
            entry = reason.entry
            if reason.via is not None:
                parts.append(f"{reason.relation} `{self.display(reason.via)}`")
        if entry is None:
            return ""
        name = self.display(function)
        runs = f"`{name}` runs per {entry.unit.value}"
        if websocket_branch and entry.unit is Unit.REQUEST:
            runs = f"`{name}` runs per {Unit.CONNECTION.value} in its websocket branch"
        if not parts:
            return f"{runs}: it is {_describe(entry)}"
        return f"{runs}: {', '.join(parts)} ({entry.label}, {entry.where})"

    def display(self, function: str) -> str:
        summary = self.model.functions.get(function)
        return summary.name if summary is not None else function.rsplit(".", 1)[-1]


def _argument(
    args: tuple[str | None, ...],
    keywords: tuple[tuple[str, str | None], ...],
    registration: Registration,
) -> str | None:
    """The registered callable's reference: by keyword, else by position."""
    if registration.keyword is not None:
        for name, value in keywords:
            if name == registration.keyword:
                return value
    if registration.every_position and args:
        # Each argument as an element of a list (``None``, an unresolvable one, as ``?``).
        return "list:" + ",".join(
            element for arg in args for element in (arg or "?").removeprefix("list:").split(",")
        )
    if registration.position is not None and registration.position < len(args):
        return args[registration.position]
    return None


def _cached(registration: Registration, keywords: tuple[tuple[str, str | None], ...]) -> bool:
    """True when the registration's ``cached_by`` keyword is literally True: called once."""
    return registration.cached_by is not None and (
        (registration.cached_by, "const:True") in keywords
    )


#: What a handler is called, by what one run of it serves.
_HANDLER_NOUNS = {
    Unit.REQUEST: "a request handler",
    Unit.CONNECTION: "a websocket handler",
    Unit.EVENT: "an event handler",
}


def _describe(entry: EntryPoint) -> str:
    unit = entry.unit
    if entry.kind is Kind.ROUTE or (entry.kind is Kind.HOOK and unit is Unit.EVENT):
        # (A Socket.IO handler is registered like a hook, but it is what handles the event.)
        return f"{_HANDLER_NOUNS[unit]} ({entry.label}, {entry.where})"
    if entry.kind is Kind.DEPENDENCY:
        # What kind, where the framework has several (a rodi scoped service, a Dishka provider).
        kind = f" ({entry.label})" if entry.label != "dependency" else ""
        return f"a dependency{kind}, resolved per {unit.value} ({entry.where})"
    if entry.kind is Kind.MIDDLEWARE_CLASS:
        return f"middleware, run on every {unit.value} ({entry.where})"
    return f"a per-{unit.value} hook ({entry.label}, {entry.where})"


def _sets_guard(call: CallSite, callee: FunctionSummary) -> bool:
    """Is ``call`` made once: inside an ``if`` that sets its own flag, or one that tests a place
    the callee sets (``if not self.conn: await self.connect()``, ``connect`` assigning
    ``self.conn``; ``if _client is None: _init()``, ``_init`` assigning the global)?"""
    if not call.guard_refs:
        return False
    if GUARD_ONCE in call.guard_refs or GUARD_LIFESPAN in call.guard_refs:
        return True
    sets = {assign.target for assign in callee.assigns}
    sets.update(site.assigned_to for site in callee.calls if site.assigned_to is not None)
    for ref in call.guard_refs & sets:
        if not ref.startswith("param:"):
            return True  # a module global: the same name in both functions
        # ``self.conn`` is the same object in both only when the call is made on that
        # parameter (``self.connect()``) and the callee names its own parameter alike.
        if call.callee.startswith(ref.split(".", 1)[0] + "."):
            return True
    return False
