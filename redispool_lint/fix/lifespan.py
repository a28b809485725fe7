"""The lifespan side of a fix, planned once per application and shared client.

Reuse a client the lifespan already keeps on app state; else add one to the existing lifespan
(before its ``yield``, closed after it) or create a lifespan (``@asynccontextmanager``, passed
as ``lifespan=``) that takes over the ``on_event`` startup and shutdown code. The ``AppPlan``
says where requests read the client (``app.state.<attr>`` or the state dict's key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from ..project.objects import state_name
from ..project.summary import AssignSite, FunctionSummary, ModuleSummary
from ..redis_api import Flavor
from .apps import App
from .clients import Clients, ClientSpec, Target
from .context import FixContext
from .cst_tools import CannotFix, FileOps, ImportSpec, ParsedFile, dotted_name, free_name
from .lifespan_syntax import (
    add_dict_entry,
    add_keyword,
    assignment,
    body_without_docstring,
    close_code,
    closing_statements,
    creation_place,
    dict_key,
    dict_value_code,
    find_single_yield,
    has_return_or_yield,
    indent_of,
    keep_only_comments,
    place_close,
    replace_statement,
)
from .naming import (
    local_names,
    private_spellings,
    reference_names,
    renamed_code,
    resolve_name,
    spell,
)
from .syntax import (
    close_call,
    count_name,
    is_close_of,
    lines_above,
    walk_statements,
)

#: Startup code registered on the router or the lifespan context: a new lifespan would skip it.
_LIFESPAN_ELSEWHERE = re.compile(r"\blifespan_context\b|\.router\.(on_startup|on_shutdown)\b")


@dataclass
class AppPlan:
    """The lifespan side for one app and shared client: where requests read the client, and the
    edits to the lifespan (None when the app already makes the client)."""

    app: App
    style: str  # "state" (app.state.<attr>) or "dict" (request.state.<attr>)
    attr: str
    ops: FileOps | None
    #: How the lifespan makes the client, for messages.
    summary: str


class LifespanPlanner:
    """Plans the lifespan side; remembers the attributes it gave each app in this lint run."""

    def __init__(self, ctx: FixContext, clients: Clients) -> None:
        self.ctx = ctx
        self.clients = clients
        #: App state attributes already planned this round, per application.
        self._reserved: dict[int, set[str]] = {}

    def plan_app(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        """The lifespan side for the clients of ``group`` (one application, one ``spec``)."""
        reused = self.reusable(app, spec)
        if reused is not None:
            plan = AppPlan(app, "state", reused, None, f"the existing `app.state.{reused}`")
        elif app.lifespan is not None:
            plan = self.plan_existing_lifespan(app, spec, group)
        else:
            try:
                plan = self.plan_new_lifespan(app, spec, group)
            except CannotFix as not_moved:
                # Startup handlers that a new lifespan cannot take over can still make the
                # client themselves.
                if not app.on_startup:
                    raise
                try:
                    plan = self.plan_startup_handlers(app, spec, group)
                except CannotFix as not_added:
                    raise CannotFix(f"{not_moved}, and {not_added}") from None
        # The next group of this app (another pool) must not take the same attribute.
        self._reserved.setdefault(id(app), set()).add(plan.attr)
        return plan

    def lifecycle_functions(self, app: App) -> list[FunctionSummary]:
        """The code that runs at startup: the lifespan, or the startup handlers."""
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
                    existing = self.clients.spec_in_lifecycle(function, call)
                except CannotFix:
                    continue
                if existing == spec:
                    return attr
        return None

    def free_attribute(
        self, app: App, spec: ClientSpec, extra_taken: Iterable[str] = (), *, dict_style: bool
    ) -> str:
        """``redis`` (``client-attribute``) unless app state or the code already use it.

        ``request.state.redis`` set by a middleware is per-request state, not app state: it
        takes the name only for a lifespan that yields a state dict (read as request state).
        """
        taken = set(self.ctx.objects.state) | set(extra_taken) | self._reserved.get(id(app), set())
        names = {"app", app.name}
        pattern = re.compile(
            r"\.state\.(\w+)" if dict_style else rf"\b(?:{'|'.join(sorted(names))})\.state\.(\w+)"
        )
        for source in self.ctx.sources.with_text(".state."):
            taken.update(pattern.findall(source.text))
        preferred = self.ctx.settings.client_attribute
        candidates = [preferred, f"{preferred}_client"]
        if spec.flavor is Flavor.SYNC:
            candidates.insert(0, f"sync_{preferred}")
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        return free_name(preferred, taken)

    def pool_used_elsewhere(
        self,
        spec: ClientSpec,
        app: App,
        group: list[Target],
        lifecycle: Iterable[FunctionSummary] = (),
    ) -> bool:
        """Whether code other than the clients being fixed and the lifecycle (the lifespan or
        handlers, and the ``lifecycle`` functions they call) uses the pool."""
        allowed: dict[str, list[tuple[int, int]]] = {}
        for t in group:
            allowed.setdefault(t.module.path, []).append((t.call.span.row, t.call.span.end_row))
        for function in [*self.lifecycle_functions(app), *app.on_shutdown, *lifecycle]:
            if function.name == "<module>":
                continue
            path = self.ctx.model.module_of(function).path
            allowed.setdefault(path, []).append((function.span.row, function.span.end_row))
        if spec.pool_kind in ("state", "dict"):
            pattern = re.compile(
                rf"\.state\.{re.escape(spec.pool)}\b|state\[[\"']{re.escape(spec.pool)}[\"']\]"
            )
        else:
            pattern = re.compile(rf"\b{re.escape(spec.pool.rsplit('.', 1)[-1])}\b")
        definition = self.ctx.model.modules.get(spec.pool.rsplit(".", 1)[0])
        # (Every match has the pool's last name: most files need no scan.)
        for source in self.ctx.sources.with_text(spec.pool.rsplit(".", 1)[-1]):
            path = source.display
            module = self.ctx.modules_by_path.get(path)
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
        """The constructor call of the shared client, as ``module`` writes it."""
        if spec.kind == "own":
            return self.moved_expression(group[0], module, parsed, avoid)
        cls, imports = spell(
            self.ctx.model, [spec.cls, *private_spellings(spec.cls)], module, parsed, avoid
        )
        if owning:
            return f"{cls}.from_pool({pool_code})", imports
        options = "".join(f", {o}" for o in self.moved_options(group[0], module, parsed, avoid))
        return f"{cls}(connection_pool={pool_code}{options})", imports

    def moved_expression(
        self, target: Target, module: ModuleSummary, parsed: ParsedFile, avoid: set[str]
    ) -> tuple[str, list[ImportSpec]]:
        """The per-request constructor call, written so that it means the same in ``module``."""
        source = self.ctx.file(target.module.path)
        node = target.moved or self.ctx.call_node(source, target.call)
        return self.respell(node, target, module, parsed, avoid)

    def moved_options(
        self, target: Target, module: ModuleSummary, parsed: ParsedFile, avoid: set[str]
    ) -> list[str]:
        """A wrapper's options (``decode_responses=True``), as ``module`` writes them."""
        source = self.ctx.file(target.module.path)
        node = self.ctx.call_node(source, target.call)
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
        """An expression of ``target``'s module rewritten to mean the same in ``module``, and the
        imports that needs."""
        source = self.ctx.file(target.module.path)
        fdef = source.function_of(self.ctx.call_node(source, target.call))
        local = local_names(fdef) if fdef is not None else set()
        mapping: dict[str, str] = {}
        imports: list[ImportSpec] = []
        for name in reference_names(node):
            canonical = resolve_name(
                self.ctx.model, name, target.module, local, f"`{target.function.name}`"
            )
            candidates = [canonical, *private_spellings(canonical)]
            if target.module is module and name not in avoid:
                mapping[name] = name
                continue
            spelled, needed = spell(self.ctx.model, candidates, module, parsed, avoid, hint=name)
            mapping[name] = spelled
            imports += needed
        return renamed_code(node, mapping), imports

    def global_pool(
        self, variable: str, module: ModuleSummary, parsed: ParsedFile, avoid: set[str]
    ) -> tuple[str, list[ImportSpec]]:
        """A module-level pool, as the lifespan's module reads it *when the lifespan runs*.

        ``from m import pool`` copies the value at import time: right for ``pool =
        ConnectionPool(...)``, wrong for ``pool = None`` filled by ``init_pool()`` at startup.
        The latter is read as ``m.pool``.
        """
        owner, _, short = variable.rpartition(".")
        value = self.ctx.model.variables.get(variable)
        made_at_import = value is not None and value.endswith("()")
        if made_at_import or owner == module.name:
            return spell(self.ctx.model, [variable], module, parsed, avoid)
        reference, imports = spell(self.ctx.model, [owner], module, parsed, avoid)
        return f"{reference}.{short}", imports

    def plan_existing_lifespan(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        """The client made before the lifespan's ``yield`` (on app state, or in the state dict
        it yields), closed after it."""
        lifespan = app.lifespan
        assert lifespan is not None
        module = self.ctx.model.module_of(lifespan)
        parsed = self.ctx.file(module.path)
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
        state_dict = yielded if isinstance(yielded, cst.Dict) else None
        style = "dict" if state_dict is not None else "state"
        if state_dict is None and yielded is not None:
            raise CannotFix("the lifespan yields something other than a state dict")
        if spec.kind == "pool" and spec.pool_kind == "dict" and state_dict is None:
            raise CannotFix("the pool comes from lifespan state, but the lifespan yields none")
        client, pool_code, owning = self.shared_client(
            app, spec, group, app_param, module, parsed, avoid, ops, state_dict
        )
        if state_dict is not None:
            keys = {dict_key(e) for e in state_dict.elements}
            attr = self.free_attribute(app, spec, {k for k in keys if k}, dict_style=True)
            # (``redis_client``, not ``redis_client_client``, when ``redis`` was taken.)
            local = attr if attr.endswith("_client") else f"{attr}_client"
            holder = free_name(local, parsed.names | avoid)
            made_before = creation_place(parsed, yield_line)
            ops.before[made_before] = [
                assignment(parsed, holder, client, indent_of(parsed, made_before))
            ]
            ops.on(state_dict, add_dict_entry(attr, holder))
            client_ref = holder
        else:
            attr = self.free_attribute(app, spec, dict_style=False)
            made_before = creation_place(parsed, yield_line)
            ops.before[made_before] = [
                assignment(
                    parsed, f"{app_param}.state.{attr}", client, indent_of(parsed, made_before)
                )
            ]
            client_ref = f"{app_param}.state.{attr}"
        close = close_code(spec.flavor, client_ref)
        needs_close = owning or spec.kind == "own"
        if needs_close:
            replaced = False
            if owning:
                # The client owns the pool now (its close closes the pool too): the lifespan's
                # close of the pool becomes the client's.
                for statement in closing_statements(parsed, fdef, pool_code, after=yield_line):
                    ops.on(statement, replace_statement(parsed.statement(close)))
                    replaced = True
            if not replaced:
                place_close(ops, parsed, yield_line, parsed.statement(close))
        how = "`Redis.from_pool(pool)`" if owning else "one client"
        return AppPlan(app, style, attr, ops, f"{how} in `{lifespan.name}`")

    def shared_client(
        self,
        app: App,
        spec: ClientSpec,
        group: list[Target],
        app_param: str,
        module: ModuleSummary,
        parsed: ParsedFile,
        avoid: set[str],
        ops: FileOps,
        state_dict: cst.Dict | None = None,
    ) -> tuple[str, str, bool]:
        """How the lifespan makes the shared client: ``(client code, pool code, owning)``; the
        imports it needs are added to ``ops``.

        ``owning``: ``Redis.from_pool(pool)``, whose close closes the pool too; only when no
        other code uses the pool (else ``Redis(connection_pool=pool)`` and the pool stays open).
        """
        if spec.kind != "pool":
            pool_code = ""
        elif spec.pool_kind == "state":
            pool_code = f"{app_param}.state.{spec.pool}"
            self.require_state_set(app, spec.pool)
        elif spec.pool_kind == "dict":
            assert state_dict is not None
            pool_code = dict_value_code(state_dict, spec.pool)
        else:
            pool_code, needed = self.global_pool(spec.pool, module, parsed, avoid)
            ops.imports += needed
        owning = spec.kind == "pool" and not spec.options
        owning = owning and not self.pool_used_elsewhere(spec, app, group)
        client, needed = self.client_code(spec, pool_code, owning, module, parsed, avoid, group)
        ops.imports += needed
        return client, pool_code, owning

    def require_state_set(self, app: App, attr: str) -> None:
        """The pool on ``app.state`` must be set before the client is made from it: by the
        startup code, or a project function it calls before its ``yield`` (``init_redis(app)``)."""
        if self.state_set_at(app, attr) is None:
            raise CannotFix(f"where `state.{attr}` is set at startup was not found")

    def state_set_at(self, app: App, attr: str) -> tuple[FunctionSummary, AssignSite] | None:
        """Where the startup code sets ``state.<attr>``: in itself, or in what it calls."""
        for function in self.called_at(self.lifecycle_functions(app), before_yield=True):
            for assign in function.assigns:
                if state_name(assign.target) == attr and not assign.after_yield:
                    return function, assign
        return None

    def called_at(
        self, functions: Iterable[FunctionSummary], *, before_yield: bool
    ) -> list[FunctionSummary]:
        """``functions`` and the project functions they call, three calls deep (startup code
        that calls ``init_redis(app)``, shutdown code that calls ``close_redis(app)``)."""
        model = self.ctx.model
        pending = [(function, 0) for function in reversed(list(functions))]
        found: list[FunctionSummary] = []
        seen: set[str] = set()
        while pending:
            function, depth = pending.pop()
            if function.qualname in seen:
                continue
            seen.add(function.qualname)
            found.append(function)
            if depth < 3:
                for call in reversed(function.calls):
                    if before_yield and call.after_yield:
                        continue
                    callee = model.functions.get(model.resolve(call.callee, function.local_types))
                    if callee is not None:
                        pending.append((callee, depth + 1))
        return found

    def plan_startup_handlers(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        """The client made by the startup handlers, right after they set the pool on app state
        (``app.state.pool = ...``, in the handler or a function it calls); the pool's close in
        the shutdown code of that file becomes the client's.

        For startup handlers a new lifespan cannot take over: an app made in a factory, or
        handlers given to ``add_event_handler`` (the FastAPI RealWorld example's
        ``create_start_app_handler(app)``). They keep running: an app with no lifespan calls
        them (REDIS-FACTS.md). A client with a pool of its own (or of a module's pool) is made
        at the end of the first startup handler instead, and closed at the end of the last
        shutdown handler.
        """
        if spec.kind != "pool" or spec.pool_kind != "state":
            return self.plan_client_in_handlers(app, spec, group)
        found = self.state_set_at(app, spec.pool)
        if found is None:
            raise CannotFix(f"where `state.{spec.pool}` is set at startup was not found")
        function, assign = found
        module = self.ctx.model.module_of(function)
        parsed = self.ctx.file(module.path)
        fdef = parsed.function_at(function.span.row)
        setting = _state_assignment(parsed, fdef, assign.span.row, spec.pool)
        if fdef is None or setting is None:
            raise CannotFix(f"the statement that sets `state.{spec.pool}` was not found")
        statement, receiver = setting
        ops = FileOps(parsed)
        shutdown = self.called_at(app.on_shutdown, before_yield=False)
        model = self.ctx.model
        closes = _pool_closes(
            parsed, [f for f in shutdown if model.module_of(f) is module], spec.pool
        )
        lifecycle = [*self.called_at(app.on_startup, before_yield=True), *shutdown]
        # The client owns the pool only where the pool's close can become the client's.
        owning = (
            not spec.options
            and bool(closes)
            and not self.pool_used_elsewhere(spec, app, group, lifecycle)
        )
        pool_code = f"{receiver}.state.{spec.pool}"
        avoid = local_names(fdef)
        client, needed = self.client_code(spec, pool_code, owning, module, parsed, avoid, group)
        ops.imports += needed
        attr = self.free_attribute(app, spec, dict_style=False)
        ops.after.setdefault(statement, []).append(
            assignment(parsed, f"{receiver}.state.{attr}", client, indent_of(parsed, statement))
        )
        if owning:
            for close, closed_receiver in closes:
                new = parsed.statement(close_code(spec.flavor, f"{closed_receiver}.state.{attr}"))
                ops.on(close, replace_statement(new))
        how = "`Redis.from_pool(pool)`" if owning else "one client"
        return AppPlan(app, "state", attr, ops, f"{how} in `{function.name}`")

    def plan_client_in_handlers(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        """The client made at the end of the first startup handler, on the app's state, and
        closed at the end of the last shutdown handler (the two in one file)."""
        if not app.on_shutdown:
            raise CannotFix("the application has no shutdown handler to close the client in")
        startup, shutdown = app.on_startup[0], app.on_shutdown[-1]
        module = self.ctx.model.module_of(startup)
        if self.ctx.model.module_of(shutdown) is not module:
            raise CannotFix("the startup and shutdown handlers live in different files")
        parsed = self.ctx.file(module.path)
        ends: list[tuple[cst.FunctionDef, cst.BaseStatement, str]] = []
        for handler in (startup, shutdown):
            fdef = parsed.function_at(handler.span.row)
            app_name = app.handler_app_names.get(handler.qualname)
            if fdef is None or app_name is None or app_name in local_names(fdef):
                raise CannotFix(f"`{handler.name}` has no name for the application")
            if has_return_or_yield(fdef) or not isinstance(fdef.body, cst.IndentedBlock):
                raise CannotFix(f"`{handler.name}` may return before its end")
            ends.append((fdef, fdef.body.body[-1], app_name))
        (startup_def, startup_end, startup_app), (_, shutdown_end, shutdown_app) = ends
        ops = FileOps(parsed)
        client, _pool_code, owning = self.shared_client(
            app, spec, group, startup_app, module, parsed, local_names(startup_def), ops
        )
        attr = self.free_attribute(app, spec, dict_style=False)
        ops.after.setdefault(startup_end, []).append(
            assignment(
                parsed, f"{startup_app}.state.{attr}", client, indent_of(parsed, startup_end)
            )
        )
        if owning or spec.kind == "own":
            close = close_code(spec.flavor, f"{shutdown_app}.state.{attr}")
            ops.after.setdefault(shutdown_end, []).append(parsed.statement(close))
        return AppPlan(app, "state", attr, ops, f"one client in `{startup.name}`")

    def plan_new_lifespan(self, app: App, spec: ClientSpec, group: list[Target]) -> AppPlan:
        """A new ``@asynccontextmanager`` lifespan above the app, passed as ``lifespan=``; the
        ``on_event`` handlers' bodies move into it (FastAPI ignores them once a lifespan is set)."""
        if not app.at_module_level:
            raise CannotFix("the application is not created at module level")
        if app.other_lifecycle or any(
            _LIFESPAN_ELSEWHERE.search(source.text)
            for source in self.ctx.sources.with_text("lifespan_context", ".router.")
        ):
            # A lifespan set on the router, or startup code registered another way, would
            # replace or skip the lifespan the fix adds.
            raise CannotFix("the application registers startup code the fix does not move")
        if app.handlers_added_by_call:
            raise CannotFix("startup code is registered with `add_event_handler`")
        module = app.module
        parsed = self.ctx.file(module.path)
        call_node = self.ctx.call_node(parsed, app.call)
        app_statement = parsed.statement_of(call_node)
        if app_statement is None or parsed.parent(app_statement) is not parsed.module:
            raise CannotFix("the application is not created by a module-level statement")
        handlers = [*app.on_startup, *app.on_shutdown]
        hook_defs: dict[str, cst.FunctionDef] = {}
        for hook in handlers:
            if self.ctx.model.module_of(hook) is not module or hook.class_qualname is not None:
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
        if spec.kind == "pool" and spec.pool_kind == "dict":
            raise CannotFix("the pool comes from lifespan state, but there is no lifespan")
        client, pool_code, owning = self.shared_client(
            app, spec, group, app_param, module, parsed, avoid, ops
        )
        acm, needed = spell(
            self.ctx.model, ["contextlib.asynccontextmanager"], module, parsed, set()
        )
        ops.imports += needed
        app_class, needed = spell(
            self.ctx.model,
            [self.ctx.model.resolve(app.call.callee, app.owner.local_types)],
            module,
            parsed,
            set(),
        )
        ops.imports += needed
        name = free_name("lifespan", parsed.names)
        client_ref = f"{app_param}.state.{attr}"
        close = parsed.statement(close_code(spec.flavor, client_ref))
        startup: list[cst.BaseStatement] = []
        shutdown: list[cst.BaseStatement] = []
        for hook in app.on_startup:
            startup += body_without_docstring(hook_defs[hook.qualname])
        closed = False
        for hook in app.on_shutdown:
            for statement in body_without_docstring(hook_defs[hook.qualname]):
                if owning and is_close_of(statement, pool_code):
                    statement = close.with_changes(leading_lines=lines_above(statement))
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
        body = [keep_only_comments(body[0]), *body[1:]]
        assert isinstance(skeleton.body, cst.IndentedBlock)
        lifespan_def = skeleton.with_changes(
            body=skeleton.body.with_changes(body=body),
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
        )
        ops.before[app_statement] = [lifespan_def]
        comments = [line for line in lines_above(app_statement) if line.comment is not None]
        ops.on(
            app_statement,
            lambda node: node.with_changes(
                leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *comments]
            ),
        )
        ops.on(call_node, add_keyword("lifespan", name))
        for node in hook_defs.values():
            ops.remove(node)
        return AppPlan(app, "state", attr, ops, f"a new `{name}`")


def _state_assignment(
    parsed: ParsedFile, fdef: cst.FunctionDef | None, row: int, attr: str
) -> tuple[cst.CSTNode, str] | None:
    """The statement on ``row`` of ``fdef`` that sets ``<receiver>.state.<attr>``, and the
    receiver as written (``app``, ``self.app``)."""
    if fdef is None:
        return None
    suffix = f".state.{attr}"
    for statement in walk_statements(fdef.body):
        if parsed.position(statement).start.line != row:
            continue
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target: cst.BaseExpression = small.targets[0].target
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target = small.target
        else:
            return None
        written = dotted_name(target)
        if written is None or not written.endswith(suffix) or written == suffix[1:]:
            return None
        return statement, written.removesuffix(suffix)
    return None


def _pool_closes(
    parsed: ParsedFile, functions: Iterable[FunctionSummary], attr: str
) -> list[tuple[cst.CSTNode, str]]:
    """The statements of ``functions`` (of ``parsed``'s file) that close ``<receiver>.state.
    <attr>`` (or its ``connection_pool``), with the receiver as written."""
    found: list[tuple[cst.CSTNode, str]] = []
    suffix = f".state.{attr}"
    for function in functions:
        fdef = parsed.function_at(function.span.row)
        if fdef is None:
            continue
        for statement in walk_statements(fdef.body):
            call = close_call(statement)
            if call is None or not isinstance(call.func, cst.Attribute):
                continue
            written = dotted_name(call.func.value)
            if written is None:
                continue
            written = written.removesuffix(".connection_pool")
            if written.endswith(suffix) and written != suffix[1:]:
                found.append((statement, written.removesuffix(suffix)))
    return found
