"""What a per-request client is: the ``ClientSpec`` the shared client must match, and the
``Target`` a fix rewrites, or ``CannotFix`` with the reason it cannot be fixed.

Per-request clients are compared by spec across modules (every name canonical): the clients of
one application and one pool (or URL) share one client only when their specs are equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from .. import redis_api
from ..diagnostics import Finding
from ..project.objects import RedisCall, state_name
from ..project.summary import CallSite, FunctionSummary, ModuleSummary
from ..redis_api import Flavor, Ownership
from .apps import App
from .context import FixContext
from .cst_tools import CannotFix, ParsedFile, dotted_name
from .naming import (
    evaluated_parts,
    local_names,
    public_class,
    reference_names,
    renamed_code,
    resolve_name,
)
from .syntax import calls_in, count_name, is_close_of, walk_statements

_SAME_FROM_URL = re.compile(
    r"\b(redis|valkey)(\.asyncio)?(?:\.client)?\.(?:Strict)?(?:Redis|Valkey)\.from_url\("
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
    """One per-request client the fix rewrites: where it is, and what it must become."""

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


class Clients:
    """Reads per-request clients (and the clients lifecycle code already makes) as specs."""

    def __init__(self, ctx: FixContext) -> None:
        self.ctx = ctx

    def target(self, finding: Finding) -> Target:
        """The per-request client a RPL001-RPL004 finding points at."""
        module, function, call = self.ctx.locate(finding)
        found = self.ctx.objects.redis_call(function, call)
        if found is None:
            raise CannotFix("not a known constructor")
        constructor = found.constructor
        if constructor.qualname.startswith("aioredis") or ".Sentinel()." in constructor.qualname:
            raise CannotFix("aioredis and Sentinel clients are not rewritten automatically")
        if constructor.coroutine:
            # The lifespan would store the coroutine, not the client, unless it awaited it.
            raise CannotFix(f"`{constructor.qualname}` is a coroutine function")
        for _, reason in self.ctx.apps.requests.chain(function.qualname):
            if reason.entry.fix_note is not None:
                raise CannotFix(reason.entry.fix_note)
        app = self.ctx.apps.app_of(function.qualname)
        if app is None:
            # (Or a Litestar, Quart, Sanic, Django... app: their lifespans are not rewritten.)
            raise CannotFix(
                "no FastAPI or Starlette application was found to run this code (`--fix` moves "
                "clients into their lifespans only)"
            )
        unsafe: str | None = None
        if found.ownership is Ownership.POOL:
            return self.pool_target(finding, module, function, call, app)
        moved: cst.BaseExpression | None = None
        if found.ownership is Ownership.OWN_POOL:
            parsed = self.ctx.file(module.path)
            node = self.ctx.call_node(parsed, call)
            fdef = parsed.function_of(node)
            local = local_names(fdef) if fdef is not None else set()
            moved, injected = self.dependency_values(node, module, function, local)
            spec, evaluated = self.own_spec(
                moved or node, module, local, function.name, constructor.flavor
            )
            unsafe = injected or _evaluated_at_startup(evaluated)
        else:
            spec = self._pool_client_spec(found, module, function, call, lifecycle=False)
        return Target(finding, function, module, call, spec, app, unsafe, moved)

    def dependency_values(
        self,
        node: cst.BaseExpression,
        module: ModuleSummary,
        function: FunctionSummary,
        local: set[str],
    ) -> tuple[cst.BaseExpression | None, str | None]:
        """The constructor with each parameter the framework injects from a plain function
        (``settings: Settings = Depends(get_settings)``) replaced by that function's call
        (``get_settings()``), which the lifespan can make; and why that is unsafe. ``(None,
        None)`` when no parameter is injected that way.

        Unsafe: the lifespan calls the function once, and ``app.dependency_overrides`` (a test's
        settings) no longer reach it.
        """
        calls: dict[str, str] = {}
        for name in reference_names(node):
            if name not in local or name not in function.params:
                continue
            providers = {
                d.qualname: d for _, d in self.ctx.objects.injected(f"param:{name}", function)
            }
            if len(providers) != 1:
                continue
            provider = next(iter(providers.values()))
            if provider.params or provider.is_async or provider.is_generator:
                raise CannotFix(
                    f"`{name}` comes from the dependency `{provider.name}`, which the lifespan "
                    "cannot call as it is"
                )
            calls[name] = f"{self._written_name(provider, module)}()"
        if not calls:
            return None, None
        moved = cst.parse_expression(renamed_code(node, calls))
        described = ", ".join(f"`{call}`" for call in calls.values())
        return moved, (
            f"{described} would be called once at startup instead of on every request, where "
            "`app.dependency_overrides` do not reach"
        )

    def _written_name(self, function: FunctionSummary, module: ModuleSummary) -> str:
        """The name ``module`` knows a module-level function by."""
        if function.class_qualname is None:
            if function.module == module.name:
                return function.name
            for key, target in module.imports.items():
                owner, _, name = key.rpartition(".")
                if target == function.qualname and owner == module.name:
                    return name
        raise CannotFix(f"`{function.name}` is not imported where the client is made")

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
        parsed = self.ctx.file(module.path)
        pool_node = self.ctx.call_node(parsed, call)
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
                for c in calls_in(fdef.body)
                if any(isinstance(a.value, cst.Name) and a.value.value == name for a in c.args)
            ]
            closes = [st for st in walk_statements(fdef.body) if is_close_of(st, name)]
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
        where = parsed.position(client).start
        client_call = next(
            (
                c
                for c in function.calls
                if (c.span.row, c.span.column) == (where.line, where.column)
            ),
            None,
        )
        found = self.ctx.objects.redis_call(function, client_call) if client_call else None
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
        unsafe = _evaluated_at_startup(evaluated)
        return Target(finding, function, module, call, spec, app, unsafe, moved, client, removals)

    def spec_in_lifecycle(self, function: FunctionSummary, call: CallSite) -> ClientSpec | None:
        """The spec of a client that startup code already makes (None for a pool)."""
        found = self.ctx.objects.redis_call(function, call)
        if found is None or found.ownership is Ownership.POOL:
            return None
        constructor = found.constructor
        module = self.ctx.model.module_of(function)
        if found.ownership is Ownership.OWN_POOL:
            parsed = self.ctx.file(module.path)
            node = self.ctx.call_node(parsed, call)
            return self.own_spec(node, module, set(), function.name, constructor.flavor)[0]
        return self._pool_client_spec(found, module, function, call, lifecycle=True)

    def _pool_client_spec(
        self,
        found: RedisCall,
        module: ModuleSummary,
        function: FunctionSummary,
        call: CallSite,
        *,
        lifecycle: bool,
    ) -> ClientSpec:
        """A client over a pool made elsewhere: ``Redis.from_pool(pool)`` or a wrapper."""
        keywords = dict(call.keywords)
        options: tuple[str, ...] = ()
        if found.ownership is Ownership.OWNS_GIVEN_POOL:
            ref = call.args[0] if call.args else keywords.get("connection_pool")
        else:  # a wrapper: Redis(connection_pool=pool, ...)
            ref = keywords.get("connection_pool")
            parsed = self.ctx.file(module.path)
            options = self.options(self.ctx.call_node(parsed, call), module, parsed, function)
        pool_kind, pool = self.pool_of(ref, function, lifecycle=lifecycle)
        return ClientSpec(
            found.constructor.flavor,
            "pool",
            cls=public_class(found.constructor.qualname),
            pool_kind=pool_kind,
            pool=pool,
            options=options,
        )

    def options(
        self, node: cst.Call, module: ModuleSummary, parsed: ParsedFile, function: FunctionSummary
    ) -> tuple[str, ...]:
        """A wrapper's keyword arguments besides the pool, canonical and sorted (comparable)."""
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
            mapping[name] = resolve_name(self.ctx.model, name, module, local, f"`{where}`")
        canonical = renamed_code(node, {k: v.removeprefix("builtins.") for k, v in mapping.items()})
        evaluated = [
            cst.Module([]).code_for_node(n)
            for n in evaluated_parts(node)
            if not self.is_constructor(n, module, local)
        ]
        return canonical, ", ".join(f"`{e}`" for e in evaluated)

    def is_constructor(self, node: cst.CSTNode, module: ModuleSummary, local: set[str]) -> bool:
        """A call of a Redis client or pool constructor (what the fix moves on purpose)."""
        if not isinstance(node, cst.Call):
            return False
        written = dotted_name(node.func)
        if written is None:
            return False
        head, _, rest = written.partition(".")
        try:
            canonical = resolve_name(self.ctx.model, head, module, local)
        except CannotFix:
            return False
        return redis_api.lookup(f"{canonical}.{rest}" if rest else canonical) is not None

    def pool_of(
        self, ref: str | None, function: FunctionSummary, *, lifecycle: bool
    ) -> tuple[str, str]:
        """``(pool_kind, pool)`` of a pool reference (see ``ClientSpec``)."""
        if ref is None:
            raise CannotFix("the pool argument is not a plain reference")
        name = state_name(ref)
        if name is not None:
            head = ref[: -len(f".state.{name}")]
            if head.endswith(".app") or self.ctx.apps.app_named(head) is not None:
                return "state", name
            if lifecycle and head.startswith("param:") and "." not in head:
                return "state", name
            if head.startswith("param:") and "." not in head:
                return "dict", name
            raise CannotFix(f"`{ref}` is not application state")
        variable = self.ctx.model.variable_of(ref)
        constructor = self.ctx.objects.globals.get(variable) if variable else None
        if variable and constructor is not None and constructor.ownership is Ownership.POOL:
            return "global", variable
        if ref.startswith("param:") and "." not in ref:
            # ``pool: ConnectionPool = Depends(get_pool)``: the pool the dependency returns
            # (``request.app.state.pool``).
            for result, dependency in self.ctx.objects.injected(ref, function):
                try:
                    return self.pool_of(result, dependency, lifecycle=False)
                except CannotFix:
                    continue
        raise CannotFix("the pool is neither application state nor a module-level pool")


def _evaluated_at_startup(evaluated: str) -> str | None:
    """Why moving a constructor with these evaluated parts to startup is unsafe, if it is."""
    if not evaluated:
        return None
    return (
        f"its arguments ({evaluated}) would be evaluated once at startup instead of on "
        "every request"
    )
