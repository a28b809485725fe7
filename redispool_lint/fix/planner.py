"""The fix planner: per-request clients -> one client owned by the application's lifespan.

Given the findings of a lint run and its project model, the planner attaches a ``Fix`` to each
finding it knows how to rewrite:

* RPL001 / RPL002 / RPL004 (a client made per request): the *lifespan side* is planned once per
  application (make one client there, close it at shutdown, create the lifespan if there is none)
  and the *request side* per finding (use the shared client, drop the ``async with`` and the
  close, add a ``Request`` parameter when none is in reach). One ``Fix`` may edit several files;
  the lifespan edits are identical in every finding of the same app, so the fix loop applies
  them once.
* RPL005 (shared client closed per request): drop the ``async with`` / the close.
* RPL008 (``close()`` on an asyncio client): ``aclose()``.

Anything the planner does not recognise gets no fix (``CannotFix`` carries the reason, added to
the finding's notes). LibCST is imported only here, and only files a fix touches are parsed.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from .. import redis_api
from ..config import Settings
from ..diagnostics import Applicability, Edit, Finding, Fix
from ..project.model import ProjectModel
from ..project.objects import RedisObjects, state_name
from ..project.requests import RequestAnalysis
from ..project.summary import CallSite, FunctionSummary, ModuleSummary
from ..redis_api import Flavor, Ownership
from ..source import SourceFile
from .apps import App, Apps
from .cst_tools import (
    CannotFix,
    FileOps,
    ImportSpec,
    ParsedFile,
    Replace,
    free_name,
    names_in,
    render,
    text_edits,
)

REQUEST_TYPES = frozenset(
    {
        "fastapi.Request",
        "fastapi.requests.Request",
        "starlette.requests.Request",
        "starlette.requests.HTTPConnection",
        "fastapi.requests.HTTPConnection",
        "fastapi.WebSocket",
        "fastapi.websockets.WebSocket",
        "starlette.websockets.WebSocket",
    }
)
_REQUEST_CLASS = {
    ("fastapi", False): "fastapi.Request",
    ("fastapi", True): "fastapi.WebSocket",
    ("starlette", False): "starlette.requests.Request",
    ("starlette", True): "starlette.websockets.WebSocket",
}
_CLOSE_NAMES = frozenset({"aclose", "close", "disconnect"})
_SAME_FROM_URL = re.compile(
    r"\b(redis|valkey)(\.asyncio)?(?:\.client)?\.(?:Strict)?(?:Redis|Valkey)\.from_url\("
)
_LIFESPAN_ELSEWHERE = re.compile(r"\blifespan_context\b|\.router\.(on_startup|on_shutdown)\b")
_ITERATOR_TYPES = frozenset(
    {"Iterator", "AsyncIterator", "Generator", "AsyncGenerator", "Iterable", "AsyncIterable"}
)
_CONSTRUCTOR_CODES = frozenset({"RPL001", "RPL002", "RPL003", "RPL004"})
_BUILTINS = frozenset(dir(builtins))
#: Modules (not attributes) among the names a moved expression may need: ``import x as y``.
_KNOWN_MODULES = frozenset(
    {"redis", "redis.asyncio", "valkey", "valkey.asyncio", "fastapi", "starlette", "contextlib"}
)


@dataclass(frozen=True)
class ClientSpec:
    """What the shared client must be, so that per-request clients can be compared."""

    flavor: Flavor
    #: ``pool``: a client over a long-lived pool; ``own``: a client with a pool of its own.
    kind: str
    #: Canonical class of a pool client (``redis.asyncio.Redis``).
    cls: str = ""
    #: ``state`` (app state), ``dict`` (lifespan state dict) or ``global`` (module variable).
    pool_kind: str = ""
    pool: str = ""
    #: Other keyword arguments, canonical text.
    options: tuple[str, ...] = ()
    #: The whole constructor call with every name canonical (``own`` clients).
    expr: str = ""
    #: ``expr`` without its keyword arguments: clients of one base must agree on options.
    expr_base: str = ""

    @property
    def base(self) -> tuple[str, ...]:
        if self.kind == "own":
            return (self.flavor.value, self.kind, self.expr_base)
        return (self.flavor.value, self.kind, self.cls, self.pool_kind, self.pool)

    def describe(self) -> str:
        if self.kind == "own":
            return f"`{self.expr}`"
        extra = f" with {', '.join(self.options)}" if self.options else ""
        return f"a client over pool `{self.pool}`{extra}"


@dataclass
class Target:
    finding: Finding
    function: FunctionSummary
    module: ModuleSummary
    call: CallSite
    spec: ClientSpec
    app: App
    #: Evaluated once at startup instead of per request: not behaviour-preserving in general.
    unsafe_reason: str | None = None
    #: What moves to the lifespan, when not the call itself (RPL003: the client over the pool).
    moved: cst.BaseExpression | None = None
    #: The call whose use is rewritten, when not the call itself (RPL003: the client).
    use: cst.Call | None = None
    #: Statements the fix removes besides (RPL003: the pool's assignment and closes).
    removals: list[cst.CSTNode] = field(default_factory=list)


@dataclass
class AppPlan:
    app: App
    style: str  # "state" (app.state.<attr>) or "dict" (request.state.<attr>)
    attr: str
    ops: FileOps | None
    #: How the lifespan makes the client, for messages.
    summary: str


def attach_fixes(
    findings: list[Finding],
    sources: dict[str, SourceFile],
    model: ProjectModel,
    requests: RequestAnalysis,
    objects: RedisObjects,
    settings: Settings,
) -> list[Finding]:
    """The findings, with a ``Fix`` on each one the planner can rewrite (and notes on others)."""
    if not any(f.code in (*_CONSTRUCTOR_CODES, "RPL005", "RPL008") for f in findings):
        return findings
    planner = Planner(sources, model, requests, objects, settings)
    try:
        return planner.run(findings)
    except Exception as error:  # a planner bug must not cost the user the lint report
        note = f"no automatic fix: the fix planner failed ({type(error).__name__}: {error})"
        return [
            dataclasses.replace(f, notes=(*f.notes, note))
            if f.code in (*_CONSTRUCTOR_CODES, "RPL005", "RPL008")
            else f
            for f in findings
        ]


class Planner:
    def __init__(
        self,
        sources: dict[str, SourceFile],
        model: ProjectModel,
        requests: RequestAnalysis,
        objects: RedisObjects,
        settings: Settings,
    ) -> None:
        self.sources = sources
        self.model = model
        self.requests = requests
        self.objects = objects
        self.settings = settings
        self.apps = Apps(model, requests)
        self.modules_by_path = {m.path: m for m in model.modules.values()}
        self._parsed: dict[str, ParsedFile] = {}
        #: App state attributes already planned this round, per application.
        self._reserved: dict[int, set[str]] = {}

    # ----- entry --------------------------------------------------------------------------

    def run(self, findings: list[Finding]) -> list[Finding]:
        out: list[Finding] = []
        reasons: dict[int, str] = {}
        fixes: dict[int, Fix] = {}
        targets: list[Target] = []
        for index, finding in enumerate(findings):
            if finding.fix is not None:
                continue
            try:
                if finding.code in _CONSTRUCTOR_CODES:
                    targets.append(self.target(finding))
                elif finding.code == "RPL005":
                    fixes[index] = self.fix_closed_shared(finding)
                elif finding.code == "RPL008":
                    fixes[index] = self.fix_close_call(finding)
            except CannotFix as why:
                reasons[index] = str(why)
        # One shared client per application and *base* (pool, or URL): clients over different
        # pools get different attributes; clients of one base that differ in options do not
        # agree, and are not fixed.
        groups: dict[tuple[int, tuple[str, ...]], list[Target]] = {}
        for target in targets:
            groups.setdefault((id(target.app), target.spec.base), []).append(target)
        position = {id(f): i for i, f in enumerate(findings)}
        for group in groups.values():
            specs = {t.spec for t in group}
            if len(specs) > 1:
                described = "; ".join(sorted(s.describe() for s in specs))
                for t in group:
                    reasons[position[id(t.finding)]] = (
                        "the per-request clients of this application differ in their options "
                        f"({described}); one shared client cannot replace them all"
                    )
                continue
            try:
                plan = self.plan_app(group[0].app, group[0].spec, group)
            except CannotFix as why:
                for t in group:
                    reasons[position[id(t.finding)]] = str(why)
                continue
            self._reserved.setdefault(id(plan.app), set()).add(plan.attr)
            for t in group:
                index = position[id(t.finding)]
                try:
                    fixes[index] = self.fix_target(t, plan)
                except CannotFix as why:
                    reasons[index] = str(why)
        for index, finding in enumerate(findings):
            if index in fixes:
                finding = dataclasses.replace(finding, fix=fixes[index])
            elif index in reasons:
                finding = dataclasses.replace(
                    finding, notes=(*finding.notes, f"no automatic fix: {reasons[index]}")
                )
            out.append(finding)
        return out

    # ----- files --------------------------------------------------------------------------

    def file(self, path: str) -> ParsedFile:
        parsed = self._parsed.get(path)
        if parsed is None:
            source = self.sources.get(path)
            if source is None:
                raise CannotFix(f"`{path}` was not read")
            try:
                parsed = ParsedFile(source)
            except cst.ParserSyntaxError as error:
                raise CannotFix(f"LibCST cannot parse `{path}`: {error.message}") from None
            parsed.first_party = frozenset(m.split(".", 1)[0] for m in self.model.modules)
            self._parsed[path] = parsed
        return parsed

    def locate(self, finding: Finding) -> tuple[ModuleSummary, FunctionSummary, CallSite]:
        module = self.modules_by_path.get(finding.path)
        if module is not None:
            for function in module.functions:
                for call in function.calls:
                    if (call.span.row, call.span.column + 1) == (
                        finding.start.row,
                        finding.start.column,
                    ):
                        return module, function, call
        raise CannotFix("the call was not found in the project model")

    def edits_of(self, ops: Iterable[FileOps]) -> tuple[Edit, ...]:
        edits: list[Edit] = []
        for file_ops in ops:
            source = file_ops.parsed.source
            edits += text_edits(source.display, source.text, render(file_ops))
        if not edits:
            raise CannotFix("the rewrite changes nothing")
        return tuple(edits)

    # ----- names --------------------------------------------------------------------------

    def resolve_name(
        self, name: str, module: ModuleSummary, local: set[str], where: str = ""
    ) -> str:
        """The canonical dotted name a module-level name refers to (locals refused)."""
        if name in local:
            raise CannotFix(f"`{name}` is local to {where or 'the function'}")
        key = f"{module.name}.{name}"
        if key in module.imports:
            return module.imports[key]
        if key in self.model.variables or key in self.model.functions or key in self.model.classes:
            return key
        if name in _BUILTINS:
            return f"builtins.{name}"
        raise CannotFix(f"`{name}` cannot be resolved")

    def spell(
        self,
        canonicals: Sequence[str],
        module: ModuleSummary,
        parsed: ParsedFile,
        avoid: set[str],
        hint: str | None = None,
    ) -> tuple[str, list[ImportSpec]]:
        """How ``module`` writes one of ``canonicals`` (first preferred), and imports to add.

        An existing import is reused; else a new one binds ``hint`` (the name the code being
        moved used, so the import keeps its style) or the short name.
        """
        for canonical in canonicals:
            if canonical.startswith("builtins."):
                return canonical[len("builtins.") :], []
            for local_qual, target in module.imports.items():
                local = local_qual[len(module.name) + 1 :]
                if local in avoid or "." in local:
                    continue
                if target == canonical:
                    return local, []
                rest = canonical[len(target) + 1 :]
                if (
                    canonical.startswith(target + ".")
                    and "." not in rest
                    and self.is_module(target)
                ):
                    return f"{local}.{rest}", []
            owner, _, short = canonical.rpartition(".")
            if owner == module.name and short not in avoid:
                return short, []
            if owner in parsed.plain_imports and owner.split(".", 1)[0] not in avoid:
                return canonical, []
        canonical = canonicals[0]
        owner, _, short = canonical.rpartition(".")
        taken = parsed.names | avoid
        choices = [hint, short, f"{owner.rsplit('.', 1)[-1]}_{short}" if owner else None]
        local = next((c for c in choices if c and c not in taken), "")
        if not local:
            raise CannotFix(f"`{short}` is already used in `{module.path}`")
        if not owner:
            return local, [(canonical, "", "" if local == canonical else local)]
        if local == short:
            return local, [(owner, short, "")]
        if self.is_module(canonical):
            return local, [(canonical, "", local)]
        return local, [(owner, short, local)]

    def is_module(self, dotted: str) -> bool:
        return dotted in self.model.modules or dotted in _KNOWN_MODULES

    # ----- request-side targets ------------------------------------------------------------

    def target(self, finding: Finding) -> Target:
        module, function, call = self.locate(finding)
        found = self.objects.redis_call(function, call)
        if found is None:
            raise CannotFix("not a known constructor")
        constructor = found.constructor
        if constructor.qualname.startswith("aioredis") or ".Sentinel()." in constructor.qualname:
            raise CannotFix("aioredis and Sentinel clients are not rewritten automatically")
        app = self.apps.app_of(function.qualname)
        if app is None:
            raise CannotFix("the application whose requests run this code was not found")
        unsafe: str | None = None
        if found.ownership is Ownership.POOL:
            return self.pool_target(finding, module, function, call, app)
        if found.ownership is Ownership.OWN_POOL:
            parsed = self.file(module.path)
            node = self.call_node(parsed, call)
            fdef = parsed.function_of(node)
            local = local_names(fdef) if fdef is not None else set()
            spec, evaluated = self.own_spec(node, module, local, function.name, constructor.flavor)
            if evaluated:
                unsafe = (
                    f"its arguments ({evaluated}) would be evaluated once at startup instead of "
                    "on every request"
                )
        else:
            keywords = dict(call.keywords)
            if found.ownership is Ownership.OWNS_GIVEN_POOL:
                ref = call.args[0] if call.args else keywords.get("connection_pool")
                options: tuple[str, ...] = ()
            else:  # a wrapper: Redis(connection_pool=pool, ...)
                ref = keywords.get("connection_pool")
                parsed = self.file(module.path)
                node = self.call_node(parsed, call)
                options = self.options(node, module, parsed, function)
            pool_kind, pool = self.pool_of(ref, function, lifecycle=False)
            spec = ClientSpec(
                constructor.flavor,
                "pool",
                cls=_class_of(constructor.qualname),
                pool_kind=pool_kind,
                pool=pool,
                options=options,
            )
        return Target(finding, function, module, call, spec, app, unsafe)

    def pool_target(
        self,
        finding: Finding,
        module: ModuleSummary,
        function: FunctionSummary,
        call: CallSite,
        app: App,
    ) -> Target:
        """RPL003: a pool made per request and the one client made from it become one
        ``Redis.from_pool(<the pool>)`` in the lifespan (the client owns the pool)."""
        parsed = self.file(module.path)
        pool_node = self.call_node(parsed, call)
        fdef = parsed.function_of(pool_node)
        if fdef is None:
            raise CannotFix("the pool is not made inside a function")
        local = local_names(fdef)
        parent = parsed.parent(pool_node)
        removals: list[cst.CSTNode] = []
        client: cst.CSTNode | None
        if isinstance(parent, cst.Arg):
            client = parsed.parent(parent)
        elif (
            isinstance(parent, cst.Assign)
            and parent.value is pool_node
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            name = parent.targets[0].target.value
            clients = [
                c
                for c in _calls(fdef.body)
                if any(isinstance(a.value, cst.Name) and a.value.value == name for a in c.args)
            ]
            closes = [st for st in _walk_statements(fdef.body) if is_close_of(st, name)]
            if len(clients) != 1 or count_name(fdef.body, name) != 2 + len(closes):
                raise CannotFix(f"the pool `{name}` is used besides the one client made from it")
            client = clients[0]
            statement = parsed.statement_of(parent)
            assert statement is not None
            removals = [statement, *closes]
        else:
            raise CannotFix("the pool is neither assigned to a name nor passed to a client")
        if not isinstance(client, cst.Call):
            raise CannotFix("the pool is not passed to a client")
        where = parsed.positions[client].start
        client_call = next(
            (
                c
                for c in function.calls
                if (c.span.row, c.span.column) == (where.line, where.column)
            ),
            None,
        )
        found = self.objects.redis_call(function, client_call) if client_call else None
        if found is None or found.ownership not in (Ownership.OWNS_GIVEN_POOL, Ownership.WRAPPER):
            raise CannotFix("the client made from the pool is not `from_pool` or a wrapper")
        if len(client.args) != 1:
            raise CannotFix("the client made from the pool has options of its own")
        written = parsed.code(client.func)
        cls = written.removesuffix(".from_pool")
        moved = cst.parse_expression(f"{cls}.from_pool({parsed.code(pool_node)})")
        spec, evaluated = self.own_spec(
            moved, module, local, function.name, found.constructor.flavor
        )
        unsafe = (
            f"its arguments ({evaluated}) would be evaluated once at startup instead of on "
            "every request"
            if evaluated
            else None
        )
        return Target(finding, function, module, call, spec, app, unsafe, moved, client, removals)

    def call_node(self, parsed: ParsedFile, call: CallSite) -> cst.Call:
        node = parsed.find(cst.Call, call.span.row, call.span.column)
        if not isinstance(node, cst.Call):
            raise CannotFix("the call was not found in the file")
        return node

    def options(
        self, node: cst.Call, module: ModuleSummary, parsed: ParsedFile, function: FunctionSummary
    ) -> tuple[str, ...]:
        fdef = parsed.function_of(node)
        local = local_names(fdef) if fdef is not None else set()
        found = []
        for arg in node.args:
            if arg.keyword is None:
                raise CannotFix("positional arguments besides the pool are not moved")
            if arg.keyword.value == "connection_pool":
                continue
            value, _ = self.canonical_expr(arg.value, module, local, function.name)
            found.append(f"{arg.keyword.value}={value}")
        return tuple(sorted(found))

    def own_spec(
        self,
        node: cst.BaseExpression,
        module: ModuleSummary,
        local: set[str],
        where: str,
        flavor: Flavor,
    ) -> tuple[ClientSpec, str]:
        expr, evaluated = self.canonical_expr(node, module, local, where)
        base = expr
        if isinstance(node, cst.Call):
            positional = node.with_changes(args=[a for a in node.args if a.keyword is None])
            base, _ = self.canonical_expr(positional, module, local, where)
        # `redis.asyncio.Redis.from_url(u)` and `redis.asyncio.from_url(u)` make the same client.
        expr, base = (_SAME_FROM_URL.sub(r"\1\2.from_url(", text) for text in (expr, base))
        return ClientSpec(flavor, "own", expr=expr, expr_base=base), evaluated

    def canonical_expr(
        self, node: cst.BaseExpression, module: ModuleSummary, local: set[str], where: str
    ) -> tuple[str, str]:
        """The expression with every name canonical (comparable across modules), and the parts
        that do work when evaluated (calls, subscripts) besides the constructor itself."""
        mapping: dict[str, str] = {}
        for name in reference_names(node):
            mapping[name] = self.resolve_name(name, module, local, f"`{where}`")
        renamed = node.visit(_Rename({k: v.removeprefix("builtins.") for k, v in mapping.items()}))
        assert isinstance(renamed, cst.BaseExpression)
        evaluated = [
            cst.Module([]).code_for_node(n)
            for n in _evaluated_parts(node)
            if not self.is_constructor(n, module, local)
        ]
        return cst.Module([]).code_for_node(renamed), ", ".join(f"`{e}`" for e in evaluated)

    def is_constructor(self, node: cst.CSTNode, module: ModuleSummary, local: set[str]) -> bool:
        """A call of a Redis client or pool constructor (what the fix moves on purpose)."""
        if not isinstance(node, cst.Call):
            return False
        written = _dotted(node.func)
        if written is None:
            return False
        head, _, rest = written.partition(".")
        try:
            canonical = self.resolve_name(head, module, local)
        except CannotFix:
            return False
        return redis_api.lookup(f"{canonical}.{rest}" if rest else canonical) is not None

    def pool_of(
        self, ref: str | None, function: FunctionSummary, *, lifecycle: bool
    ) -> tuple[str, str]:
        if ref is None:
            raise CannotFix("the pool argument is not a plain reference")
        name = state_name(ref)
        if name is not None:
            head = ref[: -len(f".state.{name}")]
            if head.endswith(".app") or self.apps.app_named(head) is not None:
                return "state", name
            if lifecycle and head.startswith("param:") and "." not in head:
                return "state", name
            if head.startswith("param:") and "." not in head:
                return "dict", name
            raise CannotFix(f"`{ref}` is not application state")
        variable = self.model.variable_of(ref)
        constructor = self.objects.globals.get(variable) if variable else None
        if variable and constructor is not None and constructor.ownership is Ownership.POOL:
            return "global", variable
        raise CannotFix("the pool is neither application state nor a module-level pool")

    # ----- the lifespan side -----------------------------------------------------------------

    def plan_app(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        reused = self.reusable(app, spec)
        if reused is not None:
            return AppPlan(app, "state", reused, None, f"the existing `app.state.{reused}`")
        if app.lifespan is not None:
            return self.plan_existing_lifespan(app, spec, group)
        return self.plan_new_lifespan(app, spec, group)

    def lifecycle_functions(self, app: App) -> list[FunctionSummary]:
        # With a lifespan, `on_event` handlers are never called (REDIS-FACTS.md).
        found = [*app.on_startup] if app.lifespan is None else [app.lifespan]
        if app.at_module_level:
            found.append(app.owner)
        return found

    def reusable(self, app: App, spec: ClientSpec) -> str | None:
        """The app state attribute of a client the app already makes as ``spec`` wants."""
        for function in self.lifecycle_functions(app):
            for call in function.calls:
                if call.assigned_to is None or call.after_yield:
                    continue
                attr = state_name(call.assigned_to)
                if attr is None:
                    continue
                try:
                    existing = self.spec_in_lifecycle(function, call)
                except CannotFix:
                    continue
                if existing == spec:
                    return attr
        return None

    def spec_in_lifecycle(self, function: FunctionSummary, call: CallSite) -> ClientSpec | None:
        found = self.objects.redis_call(function, call)
        if found is None or found.ownership is Ownership.POOL:
            return None
        constructor = found.constructor
        module = self.model.module_of(function)
        if found.ownership is Ownership.OWN_POOL:
            parsed = self.file(module.path)
            node = self.call_node(parsed, call)
            return self.own_spec(node, module, set(), function.name, constructor.flavor)[0]
        keywords = dict(call.keywords)
        options: tuple[str, ...] = ()
        if found.ownership is Ownership.OWNS_GIVEN_POOL:
            ref = call.args[0] if call.args else keywords.get("connection_pool")
        else:
            ref = keywords.get("connection_pool")
            parsed = self.file(module.path)
            options = self.options(self.call_node(parsed, call), module, parsed, function)
        pool_kind, pool = self.pool_of(ref, function, lifecycle=True)
        return ClientSpec(
            constructor.flavor,
            "pool",
            cls=_class_of(constructor.qualname),
            pool_kind=pool_kind,
            pool=pool,
            options=options,
        )

    def free_attribute(
        self, app: App, spec: ClientSpec, extra_taken: Iterable[str] = (), *, dict_style: bool
    ) -> str:
        """``redis`` (``client-attribute``) unless app state or the code already use it.

        ``request.state.redis`` set by a middleware is per-request state, not app state: it
        takes the name only for a lifespan that yields a state dict (read as request state).
        """
        taken = set(self.objects.state) | set(extra_taken) | self._reserved.get(id(app), set())
        names = {"app", app.name}
        pattern = re.compile(
            r"\.state\.(\w+)" if dict_style else rf"\b(?:{'|'.join(sorted(names))})\.state\.(\w+)"
        )
        for source in self.sources.values():
            taken.update(pattern.findall(source.text))
        preferred = self.settings.client_attribute
        candidates = [preferred, f"{preferred}_client"]
        if spec.flavor is Flavor.SYNC:
            candidates.insert(0, f"sync_{preferred}")
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        return free_name(preferred, taken)

    def pool_used_elsewhere(self, spec: ClientSpec, app: App, group: list[Target]) -> bool:
        """Whether code other than the clients being fixed and the lifecycle uses the pool."""
        allowed: dict[str, list[tuple[int, int]]] = {}
        for t in group:
            allowed.setdefault(t.module.path, []).append((t.call.span.row, t.call.span.end_row))
        for function in [*self.lifecycle_functions(app), *app.on_shutdown]:
            if function.name == "<module>":
                continue
            path = self.model.module_of(function).path
            allowed.setdefault(path, []).append((function.span.row, function.span.end_row))
        if spec.pool_kind in ("state", "dict"):
            pattern = re.compile(
                rf"\.state\.{re.escape(spec.pool)}\b|state\[[\"']{re.escape(spec.pool)}[\"']\]"
            )
        else:
            pattern = re.compile(rf"\b{re.escape(spec.pool.rsplit('.', 1)[-1])}\b")
        definition = self.model.modules.get(spec.pool.rsplit(".", 1)[0])
        for path, source in self.sources.items():
            module = self.modules_by_path.get(path)
            if module is None or module.is_test:
                continue
            if spec.pool_kind == "global" and module is not definition:
                short = spec.pool.rsplit(".", 1)[-1]
                if not any(t == spec.pool for t in module.imports.values()) and (
                    f"{module.name}.{short}" not in module.imports
                ):
                    continue
            for row, line in enumerate(source.lines, start=1):
                if not pattern.search(line):
                    continue
                if any(a <= row <= b for a, b in allowed.get(path, [])):
                    continue
                stripped = line.lstrip()
                if stripped.startswith(("import ", "from ", "#")):
                    continue
                if spec.pool_kind == "global" and re.match(
                    rf"{re.escape(spec.pool.rsplit('.', 1)[-1])}\s*(:[^=]*)?=[^=]", stripped
                ):
                    continue  # its definition
                return True
        return False

    def client_code(
        self,
        spec: ClientSpec,
        pool_code: str,
        owning: bool,
        module: ModuleSummary,
        parsed: ParsedFile,
        avoid: set[str],
        group: list[Target],
    ) -> tuple[str, list[ImportSpec]]:
        if spec.kind == "own":
            return self.moved_expression(group[0], module, parsed, avoid)
        cls, imports = self.spell([spec.cls, *_private_spellings(spec.cls)], module, parsed, avoid)
        if owning:
            return f"{cls}.from_pool({pool_code})", imports
        options = "".join(f", {o}" for o in self.moved_options(group[0], module, parsed, avoid))
        return f"{cls}(connection_pool={pool_code}{options})", imports

    def moved_expression(
        self, target: Target, module: ModuleSummary, parsed: ParsedFile, avoid: set[str]
    ) -> tuple[str, list[ImportSpec]]:
        """The per-request constructor call, written so that it means the same in ``module``."""
        source = self.file(target.module.path)
        node = target.moved or self.call_node(source, target.call)
        return self.respell(node, target, module, parsed, avoid)

    def moved_options(
        self, target: Target, module: ModuleSummary, parsed: ParsedFile, avoid: set[str]
    ) -> list[str]:
        source = self.file(target.module.path)
        node = self.call_node(source, target.call)
        found = []
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value != "connection_pool":
                code, imports = self.respell(arg.value, target, module, parsed, avoid)
                if imports:
                    raise CannotFix("an option of the client needs imports in the lifespan")
                found.append(f"{arg.keyword.value}={code}")
        return found

    def respell(
        self,
        node: cst.BaseExpression,
        target: Target,
        module: ModuleSummary,
        parsed: ParsedFile,
        avoid: set[str],
    ) -> tuple[str, list[ImportSpec]]:
        source = self.file(target.module.path)
        fdef = source.function_of(self.call_node(source, target.call))
        local = local_names(fdef) if fdef is not None else set()
        mapping: dict[str, str] = {}
        imports: list[ImportSpec] = []
        for name in reference_names(node):
            canonical = self.resolve_name(name, target.module, local, f"`{target.function.name}`")
            candidates = [canonical, *_private_spellings(canonical)]
            if target.module is module and name not in avoid:
                mapping[name] = name
                continue
            spelled, needed = self.spell(candidates, module, parsed, avoid, hint=name)
            mapping[name] = spelled
            imports += needed
        renamed = node.visit(_Rename(mapping))
        assert isinstance(renamed, cst.BaseExpression)
        return cst.Module([]).code_for_node(renamed), imports

    def global_pool(
        self, variable: str, module: ModuleSummary, parsed: ParsedFile, avoid: set[str]
    ) -> tuple[str, list[ImportSpec]]:
        """A module-level pool, as the lifespan's module reads it *when the lifespan runs*.

        ``from m import pool`` copies the value at import time: right for ``pool =
        ConnectionPool(...)``, wrong for ``pool = None`` filled by ``init_pool()`` at startup.
        The latter is read as ``m.pool``.
        """
        owner, _, short = variable.rpartition(".")
        value = self.model.variables.get(variable)
        made_at_import = value is not None and value.endswith("()")
        if made_at_import or owner == module.name:
            return self.spell([variable], module, parsed, avoid)
        reference, imports = self.spell([owner], module, parsed, avoid)
        return f"{reference}.{short}", imports

    def plan_existing_lifespan(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        lifespan = app.lifespan
        assert lifespan is not None
        module = self.model.module_of(lifespan)
        parsed = self.file(module.path)
        fdef = parsed.function_at(lifespan.span.row)
        if fdef is None or fdef.asynchronous is None:
            raise CannotFix("the lifespan is not an `async def` generator")
        yield_line, yielded = find_single_yield(fdef)
        params = fdef.params.params
        if not params:
            raise CannotFix("the lifespan takes no application parameter")
        app_param = params[0].name.value
        avoid = local_names(fdef)
        ops = FileOps(parsed)
        style = "dict" if isinstance(yielded, cst.Dict) else "state"
        if style == "state" and yielded is not None:
            raise CannotFix("the lifespan yields something other than a state dict")
        if spec.kind == "pool" and spec.pool_kind == "dict" and style != "dict":
            raise CannotFix("the pool comes from lifespan state, but the lifespan yields none")
        if spec.kind == "pool" and spec.pool_kind == "state":
            pool_code = f"{app_param}.state.{spec.pool}"
            self.require_state_set(app, spec.pool)
        elif spec.kind == "pool" and spec.pool_kind == "dict":
            assert isinstance(yielded, cst.Dict)
            pool_code = dict_value_code(parsed, yielded, spec.pool)
        elif spec.kind == "pool":
            pool_code, needed = self.global_pool(spec.pool, module, parsed, avoid)
            ops.imports += needed
        else:
            pool_code = ""
        owning = spec.kind == "pool" and not spec.options
        owning = owning and not self.pool_used_elsewhere(spec, app, group)
        client, needed = self.client_code(spec, pool_code, owning, module, parsed, avoid, group)
        ops.imports += needed
        if style == "dict":
            assert isinstance(yielded, cst.Dict)
            keys = {dict_key(e) for e in yielded.elements}
            attr = self.free_attribute(app, spec, {k for k in keys if k}, dict_style=True)
            holder = free_name(f"{attr}_client", parsed.names | avoid)
            ops.before[yield_line] = [
                assignment(parsed, holder, client, indent_of(parsed, yield_line))
            ]
            ops.on(yielded, _add_dict_entry(attr, holder))
            client_ref = holder
        else:
            attr = self.free_attribute(app, spec, dict_style=False)
            ops.before[yield_line] = [
                assignment(
                    parsed, f"{app_param}.state.{attr}", client, indent_of(parsed, yield_line)
                )
            ]
            client_ref = f"{app_param}.state.{attr}"
        close = _close_code(spec.flavor, client_ref)
        needs_close = owning or spec.kind == "own"
        if needs_close:
            replaced = False
            if owning:
                for statement in closing_statements(parsed, fdef, pool_code, after=yield_line):
                    ops.on(statement, _replace_with(parsed.statement(close)))
                    replaced = True
            if not replaced:
                place_close(ops, parsed, yield_line, parsed.statement(close))
        how = "`Redis.from_pool(pool)`" if owning else "one client"
        return AppPlan(app, style, attr, ops, f"{how} in `{lifespan.name}`")

    def require_state_set(self, app: App, attr: str) -> None:
        for function in self.lifecycle_functions(app):
            for assign in function.assigns:
                if state_name(assign.target) == attr and not assign.after_yield:
                    return
        raise CannotFix(f"where `state.{attr}` is set at startup was not found")

    def plan_new_lifespan(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        if not app.at_module_level:
            raise CannotFix("the application is not created at module level")
        if app.other_lifecycle or any(
            _LIFESPAN_ELSEWHERE.search(source.text) for source in self.sources.values()
        ):
            # A lifespan set on the router, or startup code registered another way, would
            # replace or skip the lifespan the fix adds.
            raise CannotFix("the application registers startup code the fix does not move")
        module = app.module
        parsed = self.file(module.path)
        call_node = self.call_node(parsed, app.call)
        app_statement = parsed.statement_of(call_node)
        if app_statement is None or parsed.parent(app_statement) is not parsed.module:
            raise CannotFix("the application is not created by a module-level statement")
        handlers = [*app.on_startup, *app.on_shutdown]
        hook_defs: dict[str, cst.FunctionDef] = {}
        for hook in handlers:
            if self.model.module_of(hook) is not module or hook.class_qualname is not None:
                raise CannotFix("an `on_event` handler lives outside the application's module")
            node = parsed.function_at(hook.span.row)
            if node is None or parsed.parent(node) is not parsed.module:
                raise CannotFix("an `on_event` handler is not a module-level function")
            if len(node.decorators) != 1 or count_name(parsed.module, hook.name) > 1:
                raise CannotFix(f"`{hook.name}` is used besides its `on_event` registration")
            if has_return_or_yield(node):
                raise CannotFix(f"`{hook.name}` returns early; its body cannot move")
            hook_defs[hook.qualname] = node
        app_param = app.name
        avoid = {app_param}
        ops = FileOps(parsed)
        attr = self.free_attribute(app, spec, dict_style=False)
        if spec.kind == "pool" and spec.pool_kind == "state":
            pool_code = f"{app_param}.state.{spec.pool}"
            self.require_state_set(app, spec.pool)
        elif spec.kind == "pool" and spec.pool_kind == "global":
            pool_code, needed = self.global_pool(spec.pool, module, parsed, avoid)
            ops.imports += needed
        elif spec.kind == "pool":
            raise CannotFix("the pool comes from lifespan state, but there is no lifespan")
        else:
            pool_code = ""
        owning = spec.kind == "pool" and not spec.options
        owning = owning and not self.pool_used_elsewhere(spec, app, group)
        client, needed = self.client_code(spec, pool_code, owning, module, parsed, avoid, group)
        ops.imports += needed
        acm, needed = self.spell(["contextlib.asynccontextmanager"], module, parsed, set())
        ops.imports += needed
        app_class, needed = self.spell(
            [self.model.resolve(app.call.callee, app.owner.local_types)], module, parsed, set()
        )
        ops.imports += needed
        name = free_name("lifespan", parsed.names)
        client_ref = f"{app_param}.state.{attr}"
        close = parsed.statement(_close_code(spec.flavor, client_ref))
        startup: list[cst.BaseStatement] = []
        shutdown: list[cst.BaseStatement] = []
        for hook in app.on_startup:
            startup += body_without_docstring(hook_defs[hook.qualname])
        closed = False
        for hook in app.on_shutdown:
            for statement in body_without_docstring(hook_defs[hook.qualname]):
                if owning and is_close_of(statement, pool_code):
                    statement = close.with_changes(leading_lines=_leading(statement))
                    closed = True
                shutdown.append(statement)
        if not closed and (owning or spec.kind == "own"):
            shutdown.insert(0, close)
        skeleton = parsed.statement(
            f"@{acm}\nasync def {name}({app_param}: {app_class}):\n"
            f"{parsed.module.default_indent}pass\n"
        )
        assert isinstance(skeleton, cst.FunctionDef)
        body: list[cst.BaseStatement] = [
            *startup,
            assignment(parsed, client_ref, client, parsed.module.default_indent),
            parsed.statement("yield\n"),
            *shutdown,
        ]
        body = [_strip_leading(body[0]), *body[1:]]
        assert isinstance(skeleton.body, cst.IndentedBlock)
        lifespan_def = skeleton.with_changes(
            body=skeleton.body.with_changes(body=body),
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
        )
        ops.before[app_statement] = [lifespan_def]
        comments = [line for line in _leading(app_statement) if line.comment is not None]
        ops.on(
            app_statement,
            lambda node: node.with_changes(
                leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *comments]
            ),
        )
        ops.on(call_node, _add_keyword("lifespan", name))
        for node in hook_defs.values():
            ops.remove(node)
        return AppPlan(app, "state", attr, ops, f"a new `{name}`")

    # ----- the request side ------------------------------------------------------------------

    def fix_target(self, target: Target, plan: AppPlan) -> Fix:
        parsed = self.file(target.module.path)
        node = target.use or self.call_node(parsed, target.call)
        fdef = parsed.function_of(node)
        if fdef is None:
            raise CannotFix("the client is not created inside a function")
        ops = FileOps(parsed)
        for statement in target.removals:
            ops.remove(statement)
        shared = self.shared_expression(target, plan, parsed, fdef, ops)
        texts = [source.text for source in self.sources.values()]
        returned = rewrite_use(ops, parsed, node, fdef, shared, texts)
        unsafe = target.unsafe_reason or returned
        if target.function.is_generator and self.apps.is_entry(target.function.qualname):
            returns = None
            if target.spec.kind == "pool" and fdef.returns is None:
                try:
                    returns, needed = self.spell(
                        [target.spec.cls, *_private_spellings(target.spec.cls)],
                        target.module,
                        parsed,
                        set(),
                    )
                    if needed:
                        returns = None
                except CannotFix:
                    returns = None
            ops.on(fdef, _yield_to_return(returns))
        all_ops: dict[str, FileOps] = {}
        if plan.ops is not None:
            merged = FileOps(plan.ops.parsed)
            merged.merge(plan.ops)
            all_ops[plan.ops.parsed.source.display] = merged
        mine = all_ops.setdefault(parsed.source.display, FileOps(parsed))
        mine.merge(ops)
        edits = self.edits_of(all_ops.values())
        applicability = Applicability.SAFE
        message = f"Use the shared client `{shared}` ({plan.summary})"
        if unsafe:
            applicability = Applicability.UNSAFE
            message += f"; unsafe: {unsafe}"
        return Fix(applicability, message, edits)

    def shared_expression(
        self,
        target: Target,
        plan: AppPlan,
        parsed: ParsedFile,
        fdef: cst.FunctionDef,
        ops: FileOps,
    ) -> str:
        local = local_names(fdef)
        param = self.request_param(target, parsed, fdef)
        if param is None and plan.style == "state":
            app = plan.app
            if app.at_module_level and app.module is target.module and app.name not in local:
                return f"{app.name}.state.{plan.attr}"
        if param is None:
            param = self.add_request_param(target, plan.app, parsed, fdef, ops, local)
        if plan.style == "dict":
            return f"{param}.state.{plan.attr}"
        return f"{param}.app.state.{plan.attr}"

    def request_param(
        self, target: Target, parsed: ParsedFile, fdef: cst.FunctionDef
    ) -> str | None:
        for ref in (*target.call.args, *(v for _, v in target.call.keywords)):
            if ref and ref.startswith("param:") and ".state." in ref:
                return ref[len("param:") :].split(".", 1)[0]
        params = [*fdef.params.posonly_params, *fdef.params.params, *fdef.params.kwonly_params]
        for param in params:
            if param.annotation is None:
                continue
            written = _annotation_name(param.annotation.annotation)
            if written is None:
                continue
            head, _, rest = written.partition(".")
            try:
                canonical = self.resolve_name(head, target.module, set())
            except CannotFix:
                continue
            if (f"{canonical}.{rest}" if rest else canonical) in REQUEST_TYPES:
                return param.name.value
        if (
            target.app.framework == "starlette"
            and self.apps.is_entry(target.function.qualname)
            and fdef.params.params
            and target.function.class_qualname is None
        ):
            return fdef.params.params[0].name.value
        return None

    def add_request_param(
        self,
        target: Target,
        app: App,
        parsed: ParsedFile,
        fdef: cst.FunctionDef,
        ops: FileOps,
        local: set[str],
    ) -> str:
        qualname = target.function.qualname
        if not self.apps.is_entry(qualname) or app.framework != "fastapi":
            raise CannotFix(
                f"no `Request` in reach: `{target.function.name}` is not a route or dependency "
                "(thread the shared client through its callers by hand)"
            )
        if self.apps.called_directly(qualname) or target.function.class_qualname is not None:
            raise CannotFix(
                f"`{target.function.name}` is also called directly; a new parameter "
                "would break those calls"
            )
        websocket = self.apps.is_websocket(qualname)
        canonical = _REQUEST_CLASS[(app.framework, websocket)]
        candidates = [canonical, *(t for t in REQUEST_TYPES if t.endswith(canonical[-8:]))]
        annotation, needed = self.spell(candidates, target.module, parsed, local)
        ops.imports += needed
        preferred = "websocket" if websocket else "request"
        name = preferred if preferred not in local else free_name(f"http_{preferred}", local)
        ops.on(fdef, _add_param(name, annotation))
        return name

    # ----- RPL005 / RPL008 -------------------------------------------------------------------

    def fix_closed_shared(self, finding: Finding) -> Fix:
        module = self.modules_by_path.get(finding.path)
        if module is None:
            raise CannotFix("module not found")
        parsed = self.file(module.path)
        row, column = finding.start.row, finding.start.column - 1
        ops = FileOps(parsed)
        node = parsed.find(cst.BaseExpression, row, column)  # type: ignore[type-abstract]
        if node is None:
            raise CannotFix("the expression was not found")
        fdef = parsed.function_of(node)
        item = next((a for a in parsed.ancestors(node) if isinstance(a, cst.WithItem)), None)
        if item is not None and item.item is node:
            with_node = parsed.parent(item)
            assert isinstance(with_node, cst.With)
            code = parsed.code(node)
            target = item.asname.name if item.asname is not None else None
            if target is not None and not isinstance(target, cst.Name):
                raise CannotFix("the `as` target is not a plain name")
            assign = parsed.statement(f"{target.value} = {code}\n") if target is not None else None
            drop_with_item(ops, with_node, item, assign)
            message = "Use the shared client without `async with`"
        else:
            statement = parsed.statement_of(node)
            if not isinstance(statement, cst.SimpleStatementLine) or not is_close_statement(
                statement
            ):
                raise CannotFix("the close is not a statement of its own")
            ops.remove(statement)
            message = "Remove the close: the lifespan closes the shared client at shutdown"
        if fdef is None:
            raise CannotFix("not inside a function")
        return Fix(Applicability.SAFE, message, self.edits_of([ops]))

    def fix_close_call(self, finding: Finding) -> Fix:
        module, function, call = self.locate(finding)
        parsed = self.file(module.path)
        node = self.call_node(parsed, call)
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "close":
            raise CannotFix("not a `.close()` call")
        ops = FileOps(parsed)
        ops.on(node.func, lambda n: n.with_changes(attr=cst.Name("aclose")))
        parent = parsed.parent(node)
        if not call.awaited:
            if not function.is_async or not isinstance(parent, cst.Expr):
                raise CannotFix("`close()` is not awaited and cannot be (not in an `async def`)")
            ops.on(node, lambda n: cst.Await(n))  # type: ignore[arg-type]
        message = "Use `aclose()`" if call.awaited else "Use `await ...aclose()`"
        return Fix(Applicability.SAFE, message, self.edits_of([ops]))


# ----- helpers on syntax trees -------------------------------------------------------------------


def _class_of(qualname: str) -> str:
    """``redis.asyncio.client.Redis.from_pool`` -> ``redis.asyncio.Redis`` (the public name)."""
    cls = qualname.removesuffix(".from_pool").removesuffix(".from_url")
    return cls.replace(".client.", ".")


def _private_spellings(canonical: str) -> list[str]:
    package, _, short = canonical.rpartition(".")
    if package.split(".", 1)[0] in ("redis", "valkey"):
        return [f"{package}.client.{short}"]
    return []


class _Rename(cst.CSTTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        super().__init__()
        self.mapping = mapping
        self._skip: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._skip.add(id(node.attr))
        return True

    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))
        return True

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self._skip or original_node.value not in self.mapping:
            return updated_node
        return cst.parse_expression(self.mapping[original_node.value])


def reference_names(node: cst.CSTNode) -> list[str]:
    """Names an expression reads (not attribute names, not keyword names)."""
    if _has_scopes(node):
        raise CannotFix("the expression has a lambda or comprehension")
    skip: set[int] = set()
    found: list[str] = []

    class _Refs(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            skip.add(id(attribute.attr))

        def visit_Arg(self, arg: cst.Arg) -> None:
            if arg.keyword is not None:
                skip.add(id(arg.keyword))

        def visit_Name(self, name: cst.Name) -> None:
            if id(name) not in skip and name.value not in found:
                found.append(name.value)

    node.visit(_Refs())
    return found


def _has_scopes(node: cst.CSTNode) -> bool:
    found = False

    class _Scopes(cst.CSTVisitor):
        def visit_Lambda(self, _: cst.Lambda) -> None:
            nonlocal found
            found = True

        def visit_ListComp(self, _: cst.ListComp) -> None:
            nonlocal found
            found = True

        def visit_GeneratorExp(self, _: cst.GeneratorExp) -> None:
            nonlocal found
            found = True

    node.visit(_Scopes())
    return found


def _evaluated_parts(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class _Work(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

        def visit_Subscript(self, subscript: cst.Subscript) -> None:
            found.append(subscript)

    node.visit(_Work())
    return found


def local_names(fdef: cst.FunctionDef | None) -> set[str]:
    """Names bound inside a function (parameters, assignments, imports, loop targets...)."""
    if fdef is None:
        return set()
    found: set[str] = set()

    def targets(node: cst.CSTNode) -> None:
        found.update(
            n
            for n in names_in(node)
            if not isinstance(node, cst.Attribute) and not isinstance(node, cst.Subscript)
        )

    class _Locals(cst.CSTVisitor):
        def visit_Param(self, param: cst.Param) -> None:
            found.add(param.name.value)

        def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
            if isinstance(target.target, (cst.Name, cst.Tuple, cst.List)):
                targets(target.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if isinstance(node.target, cst.Name):
                found.add(node.target.value)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name):
                found.add(node.target.value)

        def visit_For(self, node: cst.For) -> None:
            targets(node.target)

        def visit_AsName(self, node: cst.AsName) -> None:
            if isinstance(node.name, (cst.Name, cst.Tuple, cst.List)):
                targets(node.name)

        def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
            if node.asname is None:
                found.add((_dotted(node.name) or "").split(".", 1)[0])

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            targets(node.target)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.add(node.name.value)

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            found.add(node.name.value)

    fdef.params.visit(_Locals())
    fdef.body.visit(_Locals())
    return found


def _dotted(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _annotation_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value if isinstance(node.evaluated_value, str) else None
    return _dotted(node)


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(_Calls())
    return found


def _walk_statements(block: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """Every statement below a node, not entering nested functions or classes."""
    todo: list[cst.CSTNode] = [block]
    while todo:
        current = todo.pop(0)
        for child in current.children:
            if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(child, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                yield child
            todo.append(child)


def _yields(node: cst.CSTNode) -> list[cst.Yield]:
    found: list[cst.Yield] = []

    class _Yields(cst.CSTVisitor):
        def visit_FunctionDef(self, _: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, _: cst.Lambda) -> bool:
            return False

        def visit_Yield(self, y: cst.Yield) -> None:
            found.append(y)

    node.visit(_Yields())
    return found


def find_single_yield(
    fdef: cst.FunctionDef,
) -> tuple[cst.SimpleStatementLine, cst.BaseExpression | None]:
    yields = _yields(fdef.body)
    if len(yields) != 1:
        raise CannotFix("the lifespan does not have exactly one `yield`")
    for statement in _walk_statements(fdef.body):
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and statement.body[0].value is yields[0]
        ):
            value = yields[0].value
            if isinstance(value, cst.From):
                raise CannotFix("the lifespan uses `yield from`")
            return statement, value
    raise CannotFix("the lifespan's `yield` is not a statement of its own")


def dict_key(element: cst.BaseDictElement) -> str | None:
    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
        value = element.key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def dict_value_code(parsed: ParsedFile, node: cst.Dict, key: str) -> str:
    for element in node.elements:
        if dict_key(element) == key and isinstance(element, cst.DictElement):
            if not isinstance(element.value, cst.Name):
                raise CannotFix(f"the lifespan state's `{key}` is not a plain variable")
            return element.value.value
    raise CannotFix(f"the lifespan state has no `{key}`")


#: Generated lines longer than this are wrapped (black's and ruff's default width).
LINE_LENGTH = 88


def indent_of(parsed: ParsedFile, statement: cst.CSTNode) -> str:
    line = parsed.source.line(parsed.positions[statement].start.line)
    return line[: len(line) - len(line.lstrip())]


def assignment(parsed: ParsedFile, target: str, value: str, indent: str) -> cst.BaseStatement:
    """``target = value``; a long call is wrapped one argument per line, like black does."""
    newline = parsed.module.default_newline
    code = f"{target} = {value}"
    expr = cst.parse_expression(value)
    if len(indent) + len(code) <= LINE_LENGTH or not isinstance(expr, cst.Call) or not expr.args:
        return parsed.statement(code + newline)
    # Continuation lines are written relative to the block: LibCST adds the block's indent.
    inner = parsed.module.default_indent
    empty = cst.Module([])
    args = [empty.code_for_node(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in expr.args]
    if len(indent + inner) + len(", ".join(args)) <= LINE_LENGTH:
        lines = [inner + ", ".join(args)]
    else:
        lines = [f"{inner}{a}," for a in args]
    body = newline.join(lines)
    return parsed.statement(
        f"{target} = {empty.code_for_node(expr.func)}({newline}{body}{newline}){newline}"
    )


def _close_code(flavor: Flavor, client: str) -> str:
    return f"await {client}.aclose()\n" if flavor is Flavor.ASYNC else f"{client}.close()\n"


def close_call(statement: cst.CSTNode) -> cst.Call | None:
    """The call of ``[await] X.aclose()/close()/disconnect()`` when that is the whole statement."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Expr):
        return None
    value = small.value
    if isinstance(value, cst.Await):
        value = value.expression
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in _CLOSE_NAMES
    ):
        return value
    return None


def is_close_statement(statement: cst.CSTNode) -> bool:
    return close_call(statement) is not None


def is_close_of(statement: cst.CSTNode, receiver: str) -> bool:
    call = close_call(statement)
    if call is None:
        return False
    assert isinstance(call.func, cst.Attribute)
    written = _dotted(call.func.value)
    return written is not None and written.removesuffix(".connection_pool") == receiver


def closing_statements(
    parsed: ParsedFile, fdef: cst.FunctionDef, receiver: str, *, after: cst.CSTNode
) -> list[cst.CSTNode]:
    start = parsed.positions[after].start.line
    return [
        s
        for s in _walk_statements(fdef.body)
        if parsed.positions[s].start.line > start and is_close_of(s, receiver)
    ]


def place_close(
    ops: FileOps, parsed: ParsedFile, yield_line: cst.CSTNode, close: cst.BaseStatement
) -> None:
    """After the yield; at the end of the ``finally`` when the yield is inside a ``try``."""
    block = parsed.parent(yield_line)
    owner = parsed.parent(block) if block is not None else None
    if isinstance(owner, cst.Try) and owner.finalbody is not None:
        final_block = owner.finalbody.body
        ops.on(final_block, lambda b: b.with_changes(body=[*b.body, close]))  # type: ignore[attr-defined]
        return
    ops.after.setdefault(yield_line, []).append(close)


def body_without_docstring(fdef: cst.FunctionDef) -> list[cst.BaseStatement]:
    if not isinstance(fdef.body, cst.IndentedBlock):
        return [cst.SimpleStatementLine(_small(fdef.body))]
    body = list(fdef.body.body)
    if body and isinstance(body[0], cst.SimpleStatementLine):
        small = body[0].body[0]
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
            body = body[1:]
    return [s for s in body if not _is_pass(s)]


def _is_pass(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Pass)
    )


def has_return_or_yield(fdef: cst.FunctionDef) -> bool:
    found = bool(_yields(fdef.body))

    class _Returns(cst.CSTVisitor):
        def visit_FunctionDef(self, _: cst.FunctionDef) -> bool:
            return False

        def visit_Return(self, _: cst.Return) -> None:
            nonlocal found
            found = True

    fdef.body.visit(_Returns())
    return found


def count_name(node: cst.CSTNode, name: str) -> int:
    count = 0

    class _Count(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)  # ``x.cache`` is not a use of ``cache``
            return False

        def visit_Name(self, n: cst.Name) -> None:
            nonlocal count
            if n.value == name:
                count += 1

    node.visit(_Count())
    return count


def _leading(statement: cst.CSTNode) -> list[cst.EmptyLine]:
    """Comments and blank lines above a statement (simple or compound)."""
    return list(getattr(statement, "leading_lines", ()))


def _small(suite: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    """The statements of a one-line suite (``with x: a; b``)."""
    body = suite.body
    return [s for s in body if isinstance(s, cst.BaseSmallStatement)]


def _strip_leading(statement: cst.BaseStatement) -> cst.BaseStatement:
    comments = [line for line in _leading(statement) if line.comment is not None]
    return statement.with_changes(leading_lines=comments)


def _replace_with(new: cst.BaseStatement) -> Replace:
    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        return new.with_changes(leading_lines=node.leading_lines)

    return change


def _add_keyword(keyword: str, value: str) -> Replace:
    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        args = list(node.args)
        new = cst.Arg(
            value=cst.Name(value),
            keyword=cst.Name(keyword),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        if args:
            last = args[-1]
            if isinstance(last.comma, cst.Comma):
                new = new.with_changes(comma=last.comma)
                between = node.whitespace_before_args
                args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between))
            else:
                args[-1] = last.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
        return node.with_changes(args=[*args, new])

    return change


def _add_dict_entry(key: str, value: str) -> Replace:
    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Dict)
        elements = list(node.elements)
        new = cst.DictElement(cst.SimpleString(f'"{key}"'), cst.Name(value))
        if elements:
            last = elements[-1]
            if isinstance(last.comma, cst.Comma):
                new = new.with_changes(comma=last.comma)
                between = node.lbrace.whitespace_after
                elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between))
            else:
                elements[-1] = last.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
        return node.with_changes(elements=[*elements, new])

    return change


def _add_param(name: str, annotation: str) -> Replace:
    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.FunctionDef)
        params = node.params
        if any(p.name.value == name for p in params.params):
            return node
        rest = [*params.params]
        follows = (
            bool(rest or params.kwonly_params or params.star_kwarg)
            or isinstance(params.star_arg, cst.Param)
            or params.star_arg is not cst.MaybeSentinel.DEFAULT
        )
        comma: cst.Comma | cst.MaybeSentinel = cst.MaybeSentinel.DEFAULT
        if follows:
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            first_comma = rest[0].comma if rest else None
            if isinstance(first_comma, cst.Comma) and isinstance(
                first_comma.whitespace_after, cst.ParenthesizedWhitespace
            ):
                comma = first_comma
        new = cst.Param(
            cst.Name(name), cst.Annotation(cst.parse_expression(annotation)), comma=comma
        )
        return node.with_changes(params=params.with_changes(params=[new, *rest]))

    return change


def _flatten_with(assign: cst.BaseStatement | None) -> Replace:
    """``with X as r: BODY`` -> ``r = <shared>`` + BODY, dedented (LibCST re-indents)."""

    def change(node: cst.CSTNode) -> cst.FlattenSentinel[cst.CSTNode]:
        assert isinstance(node, cst.With)
        if isinstance(node.body, cst.IndentedBlock):
            body: list[cst.BaseStatement] = list(node.body.body)
        else:
            body = [cst.SimpleStatementLine(_small(node.body))]
        header = node.body.header  # type: ignore[attr-defined]
        statements: list[cst.BaseStatement] = []
        if assign is not None:
            assert isinstance(assign, cst.SimpleStatementLine)
            statements.append(
                assign.with_changes(
                    leading_lines=node.leading_lines,
                    trailing_whitespace=header
                    if header.comment is not None
                    else assign.trailing_whitespace,
                )
            )
        elif body:
            extra = [cst.EmptyLine(comment=header.comment)] if header.comment else []
            body[0] = body[0].with_changes(
                leading_lines=[*node.leading_lines, *extra, *_leading(body[0])]
            )
        return cst.FlattenSentinel([*statements, *body])

    return change


def _replace_expr(code: str) -> Replace:
    def change(node: cst.CSTNode) -> cst.CSTNode:
        return cst.parse_expression(code)

    return change


def drop_with_item(
    ops: FileOps, with_node: cst.With, item: cst.WithItem, assign: cst.BaseStatement | None
) -> None:
    """Take one item out of a ``with``: the block is unwrapped when it was the only one,
    otherwise the other items stay; ``assign`` (``r = <shared>``) goes before."""
    if len(with_node.items) == 1:
        ops.on(with_node, _flatten_with(assign))
        return
    index = list(with_node.items).index(item)

    def drop_item(updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.With)
        items = [kept for i, kept in enumerate(updated.items) if i != index]
        items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if assign is None:
            return updated.with_changes(items=items)
        return updated.with_changes(items=items, leading_lines=[])

    ops.on(with_node, drop_item)
    if assign is not None:
        ops.before.setdefault(with_node, []).append(
            assign.with_changes(leading_lines=with_node.leading_lines)
        )


def rewrite_use(
    ops: FileOps,
    parsed: ParsedFile,
    call: cst.Call,
    fdef: cst.FunctionDef,
    shared: str,
    all_texts: Sequence[str] = (),
) -> str | None:
    """Make the code that used the per-request client use ``shared`` instead; returns why the
    rewrite is unsafe, if it is."""
    node: cst.CSTNode = call
    parent = parsed.parent(node)
    if isinstance(parent, cst.Await):
        node, parent = parent, parsed.parent(parent)
    if isinstance(parent, cst.WithItem) and parent.item is node:
        with_node = parsed.parent(parent)
        assert isinstance(with_node, cst.With)
        target = parent.asname.name if parent.asname is not None else None
        if target is not None and not isinstance(target, cst.Name):
            raise CannotFix("the `as` target is not a plain name")
        assign = parsed.statement(f"{target.value} = {shared}\n") if target is not None else None
        drop_with_item(ops, with_node, parent, assign)
        return None
    name: str | None = None
    if (
        isinstance(parent, cst.Assign)
        and parent.value is node
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Name)
    ):
        name = parent.targets[0].target.value
    elif (
        isinstance(parent, cst.AnnAssign)
        and parent.value is node
        and isinstance(parent.target, cst.Name)
    ):
        name = parent.target.value
    attribute = (
        _dotted(parent.targets[0].target)
        if isinstance(parent, cst.Assign)
        and parent.value is node
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Attribute)
        else None
    )
    if attribute is not None and attribute.split(".", 1)[0] in local_names(fdef):
        # ``request.state.redis = Redis(...)`` (middleware): the attribute takes the shared
        # client and its closes in this function go; unsafe when other code closes it too.
        closes = [s for s in _walk_statements(fdef.body) if is_close_of(s, attribute)]
        if _closing_uses(fdef, attribute) > len(closes):
            raise CannotFix(f"`{attribute}` is closed in a way the fix does not rewrite")
        ops.on(node, _replace_expr(shared))
        for statement in closes:
            ops.remove(statement)
        # Closes of the same attribute reached from another request object elsewhere
        # (``request.state.redis.aclose()``); the app's own ``app.state.redis`` is not it.
        owner, _, last = attribute.rpartition(".")
        holder = owner.rsplit(".", 1)[-1]
        pattern = re.compile(
            rf"(\w+)\.{re.escape(holder)}\.{re.escape(last)}\.(?:aclose|close|disconnect)\("
            rf"|with\s+(\w+)\.{re.escape(holder)}\.{re.escape(last)}\b"
        )
        elsewhere = -len(closes)
        for text in all_texts:
            for match in pattern.finditer(text):
                if (match.group(1) or match.group(2)) != "app":
                    elsewhere += 1
        if elsewhere > 0:
            return (
                f"other code closes `.{last}` too; after the fix that would close the shared client"
            )
        return None
    if name is not None:
        closes = [s for s in _walk_statements(fdef.body) if is_close_of(s, name)]
        uses = _closing_uses(fdef, name)
        if uses > len(closes):
            raise CannotFix(
                f"`{name}` is closed or used as a context manager in a way the fix does not rewrite"
            )
        ops.on(node, _replace_expr(shared))
        for statement in closes:
            ops.remove(statement)
        return None
    if isinstance(parent, cst.Return) and parent.value is node:
        ops.on(node, _replace_expr(shared))
        return (
            "the function now returns the shared client, and code that closes what it returns "
            "would close the shared client"
        )
    raise CannotFix("the client is neither a `with` item, assigned, nor returned")


def _closing_uses(fdef: cst.FunctionDef, name: str) -> int:
    """How many places close ``name`` or use it as a context manager."""
    count = 0

    class _Uses(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            nonlocal count
            base = _dotted(node.value)
            if base == name and node.attr.value in _CLOSE_NAMES:
                count += 1
            if base == f"{name}.connection_pool" and node.attr.value in _CLOSE_NAMES:
                count += 1

        def visit_WithItem(self, node: cst.WithItem) -> None:
            nonlocal count
            if _dotted(node.item) == name:
                count += 1

    fdef.body.visit(_Uses())
    return count


def _yield_to_return(returns: str | None) -> Replace:
    """A dependency left as ``r = shared; yield r`` becomes ``return shared`` (no generator)."""

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.FunctionDef)
        if not isinstance(node.body, cst.IndentedBlock) or len(_yields(node.body)) != 1:
            return node
        body = list(node.body.body)
        last = body[-1]
        if not (
            isinstance(last, cst.SimpleStatementLine)
            and len(last.body) == 1
            and isinstance(last.body[0], cst.Expr)
            and isinstance(last.body[0].value, cst.Yield)
            and isinstance(last.body[0].value.value, cst.BaseExpression)
        ):
            return node
        value: cst.BaseExpression = last.body[0].value.value
        replaced = last.with_changes(body=[cst.Return(value)])
        if len(body) >= 2 and isinstance(value, cst.Name):
            previous = body[-2]
            if (
                isinstance(previous, cst.SimpleStatementLine)
                and len(previous.body) == 1
                and isinstance(previous.body[0], cst.Assign)
                and len(previous.body[0].targets) == 1
                and isinstance(previous.body[0].targets[0].target, cst.Name)
                and previous.body[0].targets[0].target.value == value.value
                and count_name(node.body, value.value) == 2
            ):
                replaced = previous.with_changes(body=[cst.Return(previous.body[0].value)])
                body = body[:-1]
        body[-1] = replaced
        changes: dict[str, object] = {"body": node.body.with_changes(body=body)}
        if node.returns is not None and isinstance(node.returns.annotation, cst.Subscript):
            # ``-> AsyncIterator[Redis]`` described the generator; the function returns Redis.
            subscript = node.returns.annotation
            generic = (_dotted(subscript.value) or "").rsplit(".", 1)[-1]
            first = subscript.slice[0].slice if subscript.slice else None
            if generic in _ITERATOR_TYPES and isinstance(first, cst.Index):
                changes["returns"] = node.returns.with_changes(annotation=first.value)
        if returns is not None and node.returns is None:
            changes["returns"] = cst.Annotation(
                cst.parse_expression(returns),
                whitespace_before_indicator=cst.SimpleWhitespace(" "),
            )
        return node.with_changes(**changes)

    return change
