"""One module's syntax tree (standard ``ast``) to its ModuleSummary.

This is the only place that walks ``ast`` trees for analysis. It resolves every name through the
module's scopes and imports (see ``summary`` for the notation); what needs other modules is left
to ``model``.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Union

from ..frameworks import STATE_ITEM_OWNERS
from ..source import SourceFile, parse_text
from .summary import (
    GUARD_LIFESPAN,
    GUARD_ONCE,
    GUARD_WEBSOCKET,
    AssignSite,
    CallSite,
    ClassSummary,
    DecoratorSite,
    FunctionSummary,
    ModuleSummary,
    Span,
    WithSite,
)

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]

#: Names of the Annotated special form, whose metadata may hold ``Depends(...)``.
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_WRITTEN_ARGS_LIMIT = 40


@dataclass
class _Scope:
    kind: str  # "module", "class" or "function"
    bindings: dict[str, str] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    parent: _Scope | None = None


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute module named by ``from <dots><target> import ...`` inside ``module``."""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if target:
        return f"{base}.{target}" if base else target
    return base


def _last_segment(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1].removesuffix("()")


def _root(dotted: str) -> str:
    return dotted.split(".", 1)[0].removesuffix("()")


#: Keywords that may stand for a registration's first argument, a route's path or a hook's
#: event (``@router.post(path="/items")``, ``add_url_rule(rule=...)``, Sanic's ``uri=``,
#: ``@app.on_event(event_type="startup")``, ``@app.middleware(middleware_type="http")``).
_FIRST_STRING_KEYWORDS = frozenset({"path", "rule", "uri", "event_type", "middleware_type"})
#: Keywords and class attributes kept as ``str:...`` when a string literal: a router's prefix
#: (``APIRouter(prefix=)``, ``Blueprint(url_prefix=)``, Litestar's ``Router(path=)`` and
#: Controller ``path = "/items"``), for full route paths in messages.
_PREFIX_KEYWORDS = frozenset({"prefix", "url_prefix", "path"})

#: Keywords kept as ``str:...`` too: Falcon's ``add_route(..., suffix="detail")``, which names
#: the responders of a route.
_STRING_KEYWORDS = _PREFIX_KEYWORDS | {"suffix"}


def _dotted_strings(node: ast.expr) -> str | None:
    """``list:a.b.C,d.e`` for a list or tuple of dotted paths written as strings (Django's
    ``MIDDLEWARE = ["shop.middleware.Sessions", ...]``), read as references.

    What is added to a list defined elsewhere is read too, leaving out the other list:
    ``[*MIDDLEWARE, "x.Y"]`` and ``BASE_MIDDLEWARE + ["x.Y"]`` (split settings, ``prod.py``
    extending what ``from .base import *`` brought in).
    """
    paths = _dotted_paths(node)
    return "list:" + ",".join(paths) if paths else None


def _dotted_paths(node: ast.expr) -> list[str] | None:
    """The dotted paths a settings list expression adds (see ``_dotted_strings``), or None when
    it holds anything else."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _dotted_paths(node.left), _dotted_paths(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, (ast.Name, ast.Attribute)):
        return []  # another list: named where it is defined
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    paths: list[str] = []
    for element in node.elts:
        if isinstance(element, ast.Starred):
            continue
        if not (
            isinstance(element, ast.Constant)
            and isinstance(element.value, str)
            and all(part.isidentifier() for part in element.value.split("."))
        ):
            return None
        paths.append(element.value)
    return paths


#: The list methods that add to a settings list defined elsewhere (``MIDDLEWARE.insert``).
_LIST_ADDS = frozenset({"append", "extend", "insert"})


def _first_string(call: ast.Call) -> str | None:
    """A call's first argument when it is a string literal: a route's path, a hook's event."""
    first = call.args[0] if call.args else None
    if (
        isinstance(first, (ast.List, ast.Tuple))
        and len(call.args) > 1
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in first.elts)
    ):
        # Django Ninja's ``api_operation(["GET", "POST"], "/path")``: methods, then the path.
        first = call.args[1]
    if first is None:
        first = next((kw.value for kw in call.keywords if kw.arg in _FIRST_STRING_KEYWORDS), None)
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


#: ``Optional[X]`` and ``Union[X, None]``: an annotation that allows ``X`` or None.
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
#: Generic aliases that, given to a call, stand for their argument: Dishka's
#: ``WithParents[X]`` is the class ``X``, provided also under its bases.
_STANDS_FOR_ARGUMENT = frozenset({"dishka.WithParents", "dishka.entities.with_parents.WithParents"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})

#: Calls that return one of their arguments unchanged (for type checkers), and which one:
#: what they return is that argument's reference (the code in redis-py issue 3669 reads its
#: pool through ``typing.cast``).
_RETURNS_ARGUMENT = {
    "typing.cast": 1,
    "typing_extensions.cast": 1,
    "typing.assert_type": 0,
    "typing_extensions.assert_type": 0,
}


class _Extractor:
    def __init__(
        self,
        source: SourceFile,
        module: str,
        is_package: bool,
        is_test: bool,
        keep_roots: frozenset[str],
        keep_names: frozenset[str],
    ) -> None:
        self.source = source
        self.module = module
        self.is_package = is_package
        self.keep_roots = keep_roots
        self.keep_names = keep_names
        self.summary = ModuleSummary(name=module, path=source.display, is_test=is_test)
        self.module_scope = _Scope("module")
        self.star_imports: list[str] = []
        #: Module-level names bound exactly once: the value (None when bound more than once).
        self.module_literals: dict[str, ast.expr | None] = {}
        # Per-function state while walking a body.
        self.function: FunctionSummary | None = None
        self.scope = self.module_scope
        self.guards: list[frozenset[str]] = []
        #: The ASGI scope types (``http``, ``websocket``, ``lifespan``) for which the code being
        #: walked can run, as the enclosing ``if scope["type"] ...`` tests and the early
        #: returns before it leave them; only ``lifespan`` left: once per server.
        self.asgi_types = ASGI_TYPES
        #: ``id()`` of the ``def`` nodes a later definition of the same name in the same body
        #: rebinds (``_shadowed_defs``).
        self.shadowed: set[int] = set()
        self.seen_yield = False
        #: Calls guarded only by a local (``client = cache.get(k); if client is None:``): the
        #: singleton idiom only if the function also stores that local somewhere lasting.
        self.local_guarded: list[tuple[int, str]] = []
        #: Locals the current function stores in a global, an attribute or a registry item.
        self.stored_locals: set[str] = set()
        self.class_stack: list[str] = []
        #: Rows whose text has ``yield`` (None until asked): only a function that spans one
        #: can be a generator, so most functions need no walk of their body to know.
        self._yield_rows: list[int] | None = None
        #: Scope (by id) -> what its call-result locals hold, for nested functions' lookups.
        self._enclosing_types: dict[int, dict[str, str]] = {}

    # ----- positions and text -------------------------------------------------------------

    def span(self, node: ast.AST) -> Span:
        row = getattr(node, "lineno", 1)
        end_row = getattr(node, "end_lineno", None) or row
        column = self.source.column(row, getattr(node, "col_offset", 0))
        end_column = self.source.column(end_row, getattr(node, "end_col_offset", None) or 0)
        return Span(row, column, end_row, end_column)

    # ----- name resolution ----------------------------------------------------------------

    def resolve_name(self, name: str) -> str:
        scope: _Scope | None = self.scope
        first = True
        while scope is not None:
            if scope.kind == "class" and not first:
                scope = scope.parent  # class bodies are not visible from their methods
                continue
            if name in scope.declared_global:
                break
            if name in scope.bindings:
                bound = scope.bindings[name]
                if bound.startswith("local:") and not first:
                    # A call result in an enclosing function: use what it holds.
                    parent_types = self._enclosing_types.get(id(scope), {})
                    return parent_types.get(bound, bound)
                return bound
            first = False
            scope = scope.parent
        module_bound = self.module_scope.bindings.get(name)
        if module_bound is not None:
            return module_bound
        if self.star_imports:
            # Which star import defines it is known only across modules: the model decides.
            return f"{self.module}.{name}"
        if name in _BUILTINS:
            return f"builtins.{name}"
        return f"{self.module}.{name}"

    def dotted(self, node: ast.AST | None) -> str | None:
        """The dotted reference of an expression, or None when it is not a reference."""
        if isinstance(node, ast.Name):
            return self.resolve_name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            if base is None or base.startswith("list:"):
                return None
            return f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            base = self.dotted(node.func)
            if base == "functools.partial" and node.args:
                # ``partial(handler, x)`` runs ``handler`` when called.
                return self.dotted(node.args[0])
            returned = _RETURNS_ARGUMENT.get(base or "")
            if returned is not None and len(node.args) > returned:
                # ``cast(ConnectionPool, request.state.pool)`` is the pool itself.
                return self.dotted(node.args[returned])
            if base == "builtins.getattr" and len(node.args) in (2, 3):
                # ``getattr(request.app.state, "pool", None)`` is ``request.app.state.pool``.
                name = node.args[1]
                owner = self.dotted(node.args[0])
                if (
                    isinstance(name, ast.Constant)
                    and isinstance(name.value, str)
                    and name.value.isidentifier()
                    and owner is not None
                    and not owner.startswith("list:")
                ):
                    return f"{owner}.{name.value}"
            if base is None or base.startswith("list:"):
                return None
            return f"{base}()"
        if isinstance(node, ast.Await):
            return self.dotted(node.value)
        if isinstance(node, ast.Subscript):
            return self.state_item(node)
        return None

    def state_item(self, node: ast.Subscript) -> str | None:
        """An item of app state as the attribute it stands for: ``request.app["redis"]``
        (aiohttp) is ``request.app.state.redis``, ``app.state["redis"]`` (Litestar) is
        ``app.state.redis`` (``frameworks.STATE_ITEM_OWNERS``). None for any other item."""
        key = node.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        if not key.value.isidentifier():
            return None
        owner = self.dotted(node.value)
        if owner is None or owner.startswith("list:"):
            return None
        last = owner.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
        if last not in STATE_ITEM_OWNERS:
            return None
        return f"{owner}.{key.value}" if last == "state" else f"{owner}.state.{key.value}"

    @staticmethod
    def written(node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return f"{_Extractor.written(node.value)}.{node.attr}"
        if isinstance(node, ast.Call):
            return f"{_Extractor.written(node.func)}(...)"
        if isinstance(node, ast.Await):
            return f"await {_Extractor.written(node.value)}"
        if isinstance(node, ast.Subscript):
            key = node.slice
            shown = repr(key.value) if isinstance(key, ast.Constant) else "..."
            return f"{_Extractor.written(node.value)}[{shown}]"
        if isinstance(node, ast.Constant):
            text = repr(node.value)
            return text if len(text) <= 20 else text[:17] + "..."
        return "..."

    def ref_or_list(self, node: ast.expr) -> str | None:
        """A reference, or ``list:a,b`` for a list or tuple of references (``on_startup=[f]``).

        A dict gives the list of its values: ``exception_handlers={404: f}`` and Litestar's
        ``dependencies={"x": f}`` register the values.
        """
        if isinstance(node, (ast.List, ast.Tuple)):
            return "list:" + ",".join(self.dotted(e) or "?" for e in node.elts)
        if isinstance(node, ast.Dict):
            return "list:" + ",".join(self.dotted(v) or "?" for v in node.values)
        if isinstance(node, ast.Subscript) and self.dotted(node.value) in _STANDS_FOR_ARGUMENT:
            # ``provide(WithParents[ProductCache], scope=...)``: the container constructs the
            # class inside; the subscript only adds the keys it is provided under.
            return self.dotted(node.slice)
        return self.dotted(node)

    def keyword_value(self, node: ast.expr, name: str | None = None) -> str | None:
        """A keyword argument's reference; ``const:True``/``const:False`` for a literal bool (a
        framework option such as Litestar's ``use_cache=True``); ``str:/users`` for a router's
        literal ``prefix=``, ``url_prefix=`` or ``path=`` (for full route paths in messages) or
        Falcon's ``suffix=`` (which names the responders of a route)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return f"const:{node.value}"
        if name in _STRING_KEYWORDS and isinstance(node, ast.Constant):
            return f"str:{node.value}" if isinstance(node.value, str) else None
        return self.ref_or_list(node)

    def attribute_value(self, node: ast.expr, name: str) -> str | None:
        """A class attribute's reference, or ``str:/items`` for a literal prefix (a Litestar
        Controller's ``path``)."""
        if name in _PREFIX_KEYWORDS and isinstance(node, ast.Constant):
            return f"str:{node.value}" if isinstance(node.value, str) else None
        return self.ref_or_list(node)

    def written_args(self, call: ast.Call) -> str:
        pieces = [self.written(arg) for arg in call.args]
        pieces += [
            f"{kw.arg}={self.written(kw.value)}" if kw.arg else f"**{self.written(kw.value)}"
            for kw in call.keywords
        ]
        text = ", ".join(pieces)
        return text if len(text) <= _WRITTEN_ARGS_LIMIT else text[: _WRITTEN_ARGS_LIMIT - 3] + "..."

    # ----- module level -------------------------------------------------------------------

    def run(self, tree: ast.Module) -> ModuleSummary:
        self.collect_module_bindings(tree.body)
        module_function = FunctionSummary(
            qualname=f"{self.module}.<module>",
            name="<module>",
            module=self.module,
            span=Span(1, 0, 1, 0),
            is_async=False,
            is_generator=False,
            params=(),
            class_qualname=None,
        )
        self.function = module_function
        self.visit_body(tree.body)
        self.summary.functions.append(module_function)
        return self.summary

    def collect_module_bindings(self, body: Iterable[ast.stmt]) -> None:
        """Bind every module-level name first, so that uses before definitions resolve too."""
        for stmt in body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.bind_import(alias.asname, alias.name)
                    else:
                        root = alias.name.split(".", 1)[0]
                        self.bind_import(root, root)
            elif isinstance(stmt, ast.ImportFrom):
                base = self.import_base(stmt)
                for alias in stmt.names:
                    if alias.name == "*":
                        # Recorded as ``<module>.*.<n>`` (a name no code can write).
                        self.summary.imports[f"{self.module}.*.{len(self.star_imports)}"] = base
                        self.star_imports.append(base)
                    else:
                        self.bind_import(alias.asname or alias.name, f"{base}.{alias.name}")
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.module_scope.bindings[stmt.name] = f"{self.module}.{stmt.name}"
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for name in _target_names(target):
                        self.module_scope.bindings[name] = f"{self.module}.{name}"
                        # A literal collection bound once, for loops over it (routes tables).
                        once = name not in self.module_literals
                        value = stmt.value if once and isinstance(target, ast.Name) else None
                        self.module_literals[name] = value
            elif isinstance(stmt, _BLOCK_STATEMENTS) or type(stmt).__name__ in _NEWER_BLOCKS:
                for block in _blocks(stmt):
                    self.collect_module_bindings(block)

    def import_base(self, stmt: ast.ImportFrom) -> str:
        if stmt.level:
            return resolve_relative(self.module, self.is_package, stmt.level, stmt.module)
        return stmt.module or ""

    def bind_import(self, local: str, target: str) -> None:
        self.module_scope.bindings[local] = target
        self.summary.imports[f"{self.module}.{local}"] = target

    # ----- statements ---------------------------------------------------------------------

    def visit_body(self, body: Iterable[ast.stmt]) -> None:
        body = list(body)
        self.shadowed.update(_shadowed_defs(body))
        # An early return narrows the scope types for the rest of this block only.
        asgi_types = self.asgi_types
        for stmt in body:
            self.visit_stmt(stmt)
        self.asgi_types = asgi_types

    def visit_stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.bind_loop_targets(stmt.target, stmt.iter)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.visit_function(stmt)
        elif isinstance(stmt, ast.ClassDef):
            self.visit_class(stmt)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if self.scope is not self.module_scope:
                self.bind_local_import(stmt)
        elif isinstance(stmt, ast.Global):
            self.scope.declared_global.update(stmt.names)
        elif isinstance(stmt, ast.Assign):
            self.visit_assign(stmt.targets, stmt.value, stmt)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.visit_assign([stmt.target], stmt.value, stmt)
            else:
                self.visit_expr(stmt.annotation)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            self.visit_with(stmt)
        elif (
            isinstance(stmt, ast.AugAssign)
            and isinstance(stmt.target, ast.Name)
            and self.scope is self.module_scope
            and stmt.target.id in self.keep_names
        ):
            # ``MIDDLEWARE += ["shop.middleware.Audit"]`` in split settings: the paths added.
            self.visit_expr(stmt.value)
            self.note_setting_paths(stmt.target.id, stmt.value, stmt)
        elif (
            isinstance(stmt, ast.AugAssign)
            and isinstance(stmt.op, ast.Add)
            and isinstance(stmt.target, ast.Attribute)
        ):
            # ``app.on_start += handler`` is ``app.on_start.__iadd__(handler)``: how BlackSheep
            # subscribes to its application events.
            method = ast.Attribute(value=stmt.target.value, attr=stmt.target.attr, ctx=ast.Load())
            method = ast.Attribute(value=method, attr="__iadd__", ctx=ast.Load())
            call = ast.Call(func=method, args=[stmt.value], keywords=[])
            for node in (method.value, method, call):
                ast.copy_location(node, stmt)
            self.visit_expr(call)
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            self.visit_expr(stmt.value)
            self.record_result(stmt.value)
        elif (
            isinstance(stmt, ast.Expr)
            and self.scope is self.module_scope
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id in self.keep_names
            and stmt.value.func.attr in _LIST_ADDS
        ):
            # ``MIDDLEWARE.insert(0, "shop.middleware.Maintenance")``, ``.append``, ``.extend``.
            self.visit_expr(stmt.value)
            call, method = stmt.value, stmt.value.func
            added = call.args[-1] if call.args else None
            if added is not None and method.attr != "extend":
                added = ast.List(elts=[added], ctx=ast.Load())
            if added is not None and isinstance(method.value, ast.Name):
                self.note_setting_paths(method.value.id, added, stmt)
        elif isinstance(stmt, ast.If):
            self.visit_expr(stmt.test)
            guard = self.guard_targets(stmt.test)
            if self.sets_flag(stmt.body, guard):
                guard = guard | {GUARD_ONCE}
            before = self.asgi_types
            admitted, refused = _asgi_split(stmt.test)
            self.guards.append(guard)
            self.asgi_types = before & admitted
            self.visit_body(stmt.body)
            self.guards.pop()
            self.asgi_types = before & refused
            self.visit_body(stmt.orelse)
            # What follows the ``if`` runs only where a branch that does not leave fell
            # through: ``if scope["type"] != "lifespan": return await self.app(...)``.
            body_leaves, else_leaves = _leaves(stmt.body), _leaves(stmt.orelse)
            if body_leaves and not else_leaves:
                self.asgi_types = before & refused
            elif else_leaves and not body_leaves:
                self.asgi_types = before & admitted
            else:
                self.asgi_types = before
        else:
            # Expressions first (in source order), then nested blocks. An early return in a
            # block narrows the scope types of the rest of that block only: not of the other
            # blocks (an ``except`` runs after a failure anywhere in the ``try``), nor of what
            # follows the statement (the code after a loop whose body ``continue``s).
            asgi_types = self.asgi_types
            for _field, value in ast.iter_fields(stmt):
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.stmt):
                        self.visit_stmt(child)
                    elif isinstance(child, ast.expr):
                        self.visit_expr(child)
                    elif isinstance(child, ast.ExceptHandler):
                        self.asgi_types = asgi_types
                        if child.type is not None:
                            self.visit_expr(child.type)
                        self.visit_body(child.body)
                    elif type(child).__name__ == "match_case":  # ast.match_case is 3.10+
                        self.asgi_types = asgi_types
                        self.visit_body(getattr(child, "body", []))
                self.asgi_types = asgi_types

    def bind_loop_targets(self, target: ast.expr, iterable: ast.expr) -> None:
        """``for path, handler in (("/a", a), ("/b", b)):`` binds ``handler`` to ``list:a,b``.

        Only over a literal list, tuple or set (or a module-level name bound once to one, or its
        dict's ``.items()``): each name takes each of the references in turn, so a registration
        in the loop body registers every one of them.
        """
        items = self.loop_items(iterable)
        if not items:
            return
        if isinstance(target, ast.Name):
            names = [target.id]
            rows = [[element] for element in items]
        elif isinstance(target, (ast.Tuple, ast.List)) and all(
            isinstance(t, ast.Name) for t in target.elts
        ):
            names = [t.id for t in target.elts if isinstance(t, ast.Name)]
            rows = []
            for element in items:
                if not isinstance(element, (ast.Tuple, ast.List)) or len(element.elts) != len(
                    names
                ):
                    return
                rows.append(list(element.elts))
        else:
            return
        for index, name in enumerate(names):
            refs = [self.dotted(row[index]) for row in rows]
            if all(ref is not None and not ref.startswith("list:") for ref in refs):
                self.scope.bindings[name] = "list:" + ",".join(r for r in refs if r is not None)

    def loop_items(self, iterable: ast.expr) -> list[ast.expr]:
        """The elements a ``for`` iterates over, when they are written in this module."""
        if isinstance(iterable, ast.Name):
            if self.resolve_name(iterable.id) == f"{self.module}.{iterable.id}":
                bound_to = self.module_literals.get(iterable.id)
                if isinstance(bound_to, (ast.List, ast.Tuple, ast.Set)):
                    return list(bound_to.elts)
            return []
        if (
            isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Attribute)
            and iterable.func.attr == "items"
            and not iterable.args
        ):
            mapping = iterable.func.value
            literal: ast.expr | None = mapping
            if isinstance(mapping, ast.Name):
                bound = self.resolve_name(mapping.id) == f"{self.module}.{mapping.id}"
                literal = self.module_literals.get(mapping.id) if bound else None
            if isinstance(literal, ast.Dict) and all(k is not None for k in literal.keys):
                return [
                    ast.Tuple(elts=[key, value], ctx=ast.Load())
                    for key, value in zip(literal.keys, literal.values)
                    if key is not None
                ]
            return []
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
            return list(iterable.elts)
        return []

    def bind_local_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.scope.bindings[alias.asname] = alias.name
                else:
                    root = alias.name.split(".", 1)[0]
                    self.scope.bindings[root] = root
        else:
            base = self.import_base(stmt)
            for alias in stmt.names:
                if alias.name != "*":
                    self.scope.bindings[alias.asname or alias.name] = f"{base}.{alias.name}"

    def visit_assign(self, targets: list[ast.expr], value: ast.expr, stmt: ast.stmt) -> None:
        first_call = len(self.function.calls) if self.function else 0
        self.visit_expr(value, assigned=targets[0] if len(targets) == 1 else None)
        value_ref = self.dotted(value)
        at_module = self.scope is self.module_scope
        self.note_stored_locals(targets, value, value_ref, first_call)
        for target in targets:
            if isinstance(target, ast.Name):
                name = target.id
                if at_module:
                    qualname = f"{self.module}.{name}"
                    if name in self.keep_names:
                        value_ref = _dotted_strings(value) or value_ref
                    self.summary.variables[qualname] = value_ref
                    deps = self.annotated_dependencies(value)
                    if deps:
                        self.summary.annotated_dependencies[qualname] = deps
                    self.record_assign(qualname, value_ref, stmt)
                elif name in self.scope.declared_global:
                    qualname = f"{self.module}.{name}"
                    self.summary.variables.setdefault(qualname, value_ref)
                    self.record_assign(qualname, value_ref, stmt)
                elif self.scope.kind == "class":
                    self.scope.bindings[name] = f"{self.class_stack[-1]}.{name}"
                else:
                    self.bind_local(name, value, value_ref)
            elif isinstance(target, (ast.Attribute, ast.Subscript)):
                self.visit_expr(target.value)
                target_ref = self.dotted(target)
                if target_ref is not None:
                    self.record_assign(target_ref, value_ref, stmt)
                elif isinstance(target, ast.Subscript):
                    self.visit_expr(target.slice)
            else:
                for name in _target_names(target):
                    if self.scope is not self.module_scope:
                        self.scope.bindings[name] = f"local:{name}"

    def note_stored_locals(
        self, targets: list[ast.expr], value: ast.expr, value_ref: str | None, first_call: int
    ) -> None:
        """Remember locals stored somewhere lasting (``_clients[k] = client``, ``self.c = client``,
        ``client = _clients[k] = Redis(...)``): what makes a local-guarded creation a singleton."""
        if self.function is None or self.scope is self.module_scope:
            return
        lasting = False
        for target in targets:
            if isinstance(target, ast.Subscript):
                ref = self.dotted(target.value)
            elif isinstance(target, ast.Attribute):
                ref = self.dotted(target)
            elif isinstance(target, ast.Name) and target.id in self.scope.declared_global:
                ref = f"{self.module}.{target.id}"
            else:
                continue
            if ref is not None and _lasting(ref):
                lasting = True
        if not lasting:
            return
        if value_ref is not None and value_ref.startswith("local:"):
            self.stored_locals.add(value_ref.split(".", 1)[0])
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(targets) > 1 and names and isinstance(value, ast.Call):
            # ``client = _clients[k] = Redis(...)`` inside ``if client is None:``.
            local = f"local:{names[0]}"
            self.stored_locals.add(local)
            if any(local in guard for guard in self.guards):
                calls = self.function.calls
                span = self.span(value)
                for index in range(first_call, len(calls)):
                    if calls[index].span == span and not calls[index].guarded:
                        calls[index] = calls[index]._replace(guarded=True)

    def bind_local(self, name: str, value: ast.expr, value_ref: str | None) -> None:
        if value_ref is not None and not value_ref.endswith("()"):
            self.scope.bindings[name] = value_ref  # an alias of a reference
            return
        identity = f"local:{name}"
        self.scope.bindings[name] = identity
        if value_ref is not None and self.function is not None:
            self.function.local_types[identity] = value_ref
            self._enclosing_types.setdefault(id(self.scope), {})[identity] = value_ref

    def note_setting_paths(self, name: str, value: ast.expr, stmt: ast.stmt) -> None:
        """A module-level list named like a settings list (``MIDDLEWARE``) that a statement adds
        dotted paths to: recorded as an assignment of those paths, which the framework loads
        like the ones of the list's definition."""
        paths = _dotted_strings(value)
        if paths is not None:
            self.record_assign(f"{self.module}.{name}", paths, stmt)

    def record_assign(self, target: str, value: str | None, stmt: ast.stmt) -> None:
        if self.function is not None:
            self.function.assigns.append(
                AssignSite(target, value, self.span(stmt), self.seen_yield)
            )

    def optional_annotation(self, node: ast.expr, quoted: bool = False) -> str | None:
        """The class of an annotation that allows it or None (``Redis | None``,
        ``Optional[Redis]``, ``Union[Redis, None]``), or names it in a string (``"Redis"``)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and not quoted:
            try:
                # (Without the compiler's warnings, like the module: ``"Pattern['\\d']"``.)
                body = parse_text(node.value.strip()).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
            if len(body) != 1 or not isinstance(body[0], ast.Expr):
                return None
            parsed = body[0].value
            return self.dotted(parsed) or self.optional_annotation(parsed, quoted=True)
        options: list[ast.expr] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            options = [node.left, node.right]
        elif isinstance(node, ast.Subscript):
            base = self.dotted(node.value)
            if base in _OPTIONAL:
                options = [node.slice]
            elif base in _UNION and isinstance(node.slice, ast.Tuple):
                options = list(node.slice.elts)
        kept = [
            option
            for option in options
            if not (isinstance(option, ast.Constant) and option.value is None)
        ]
        if len(kept) != 1:
            return None
        return self.dotted(kept[0]) or self.optional_annotation(kept[0], quoted)

    def annotated_dependencies(self, value: ast.expr) -> tuple[str, ...]:
        """The dependencies inside ``Annotated[T, Depends(x), ...]``, or ()."""
        if not isinstance(value, ast.Subscript) or self.dotted(value.value) not in ANNOTATED:
            return ()
        deps: list[str] = []
        # ``Annotated[Cache, Depends()]``: without a callable, the dependency is the type.
        elements = value.slice.elts if isinstance(value.slice, ast.Tuple) else []
        annotated_type = elements[0] if elements else None
        for node in ast.walk(value.slice):
            if isinstance(node, ast.Call):
                callee = self.dotted(node.func)
                target = node.args[0] if node.args else _keyword(node, "dependency")
                if target is None and not node.keywords:
                    target = annotated_type
                ref = self.dotted(target) if target is not None else None
                if callee is not None and ref is not None:
                    deps.append(f"{callee}|{ref}")
        return tuple(deps)

    def visit_with(self, stmt: ast.With | ast.AsyncWith) -> None:
        is_async = isinstance(stmt, ast.AsyncWith)
        for item in stmt.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call):
                self.visit_expr(
                    expr, context="async with" if is_async else "with", assigned=item.optional_vars
                )
            else:
                self.visit_expr(expr)
                for ref in self.alternatives(expr):
                    if self.function is not None:
                        self.function.withs.append(
                            WithSite(
                                ref,
                                self.written(expr),
                                is_async,
                                self.span(expr),
                                self.seen_yield,
                                self.asgi_types == LIFESPAN_ONLY,
                            )
                        )
            if item.optional_vars is not None:
                for name in _target_names(item.optional_vars):
                    if self.scope is self.module_scope:
                        continue
                    self.bind_local(name, expr, self.dotted(expr))
        self.visit_body(stmt.body)

    def guard_targets(self, test: ast.expr) -> frozenset[str]:
        """What an ``if`` tests for being unset: ``X is None``, ``not X``, ``not hasattr(o, "a")``.

        Used to recognise the singleton idiom, which creates a client once.
        """
        found: set[str] = set()
        for node in ast.walk(test):
            subject: ast.AST | None = None
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value is None for c in node.comparators
            ):
                subject = node.left
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                subject = node.operand
            elif (
                isinstance(node, ast.Compare)
                and isinstance(node.ops[0], ast.NotIn)
                and len(node.comparators) == 1
            ):
                # ``key not in registry``: an item of ``registry`` is unset (``registry[]``).
                container = self.dotted(node.comparators[0])
                if container is not None and _lasting(container):
                    found.add(f"{container}[]")
                continue
            if isinstance(subject, ast.Call) and subject.args:
                # hasattr(o, "a") / getattr(o, "a", None)
                name = self.dotted(subject.func)
                if name in ("builtins.hasattr", "builtins.getattr") and len(subject.args) >= 2:
                    attr = subject.args[1]
                    base = self.dotted(subject.args[0])
                    if isinstance(attr, ast.Constant) and isinstance(attr.value, str) and base:
                        found.add(f"{base}.{attr.value}")
                continue
            ref = self.dotted(subject) if subject is not None else None
            if ref is not None:
                found.add(ref)
        return frozenset(found)

    def sets_flag(self, body: list[ast.stmt], guard: frozenset[str]) -> bool:
        """Does ``body`` set one of the lasting places ``guard`` tests to a true constant
        (``self.connected = True``)? Then the ``if`` runs its body once: the singleton idiom
        with a flag of its own instead of a test of the client itself."""
        if not guard:
            return False
        for stmt in body:
            for node in _walk_function_body(stmt):
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets, value = [node.target], node.value
                else:
                    continue
                if not (isinstance(value, ast.Constant) and value.value):
                    continue
                for target in targets:
                    ref = self.dotted(target)
                    if ref is not None and ref in guard and _lasting(ref):
                        return True
        return False

    # ----- definitions --------------------------------------------------------------------

    def may_yield(self, node: FunctionNode) -> bool:
        """Does the text of the function's rows have ``yield`` anywhere?"""
        rows = self._yield_rows
        if rows is None:
            text = self.source.text
            rows = (
                [row for row, line in enumerate(self.source.lines, 1) if "yield" in line]
                if "yield" in text
                else []
            )
            self._yield_rows = rows
        first = bisect.bisect_left(rows, node.lineno)
        return first < len(rows) and rows[first] <= (node.end_lineno or node.lineno)

    def visit_function(self, node: FunctionNode) -> None:
        decorator_calls_start = len(self.function.calls) if self.function else 0
        for decorator in node.decorator_list:
            self.visit_expr(decorator)
        # ``@router.get("/", dependencies=[Depends(check)])``: dependencies of this function too.
        decorator_calls = self.function.calls[decorator_calls_start:] if self.function else []
        class_qualname = self.class_stack[-1] if self.scope.kind == "class" else None
        if class_qualname is not None:
            qualname = f"{class_qualname}.{node.name}"
            name = f"{class_qualname.rsplit('.', 1)[-1]}.{node.name}"
        elif self.function is not None and self.scope is not self.module_scope:
            qualname = f"{self.function.qualname}.{node.name}"
            name = node.name
        else:
            qualname = f"{self.module}.{node.name}"
            name = node.name
        if id(node) in self.shadowed:
            # A later ``def`` of the same name rebinds the name (calls and imports reach that
            # one), but this function object still exists: a decorator may have registered it
            # as a handler. It gets a qualname of its own so that neither borrows the other's
            # routes or calls.
            qualname = f"{qualname}@{node.lineno}"
        elif self.scope.kind == "function":
            self.scope.bindings[node.name] = qualname
        args = node.args
        all_args = [*getattr(args, "posonlyargs", []), *args.args]
        params = tuple(
            a.arg
            for a in [
                *all_args,
                *([args.vararg] if args.vararg else []),
                *args.kwonlyargs,
                *([args.kwarg] if args.kwarg else []),
            ]
        )
        summary = FunctionSummary(
            qualname=qualname,
            name=name,
            module=self.module,
            span=self.span(node),
            is_async=isinstance(node, ast.AsyncFunctionDef),
            is_generator=self.may_yield(node) and _is_generator(node),
            params=params,
            class_qualname=class_qualname,
        )
        summary.decorators = [
            self.decorator_site(branch)
            for decorator in node.decorator_list
            for branch in _branches(decorator)
        ]
        # Defaults and annotations are evaluated in the enclosing scope, but belong to this
        # function's signature (``Depends`` there is a dependency of this function).
        outer_function = self.function
        signature_calls_start = len(outer_function.calls) if outer_function else 0
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit_expr(default)
        if outer_function is not None:
            self.default_to_annotation(
                [
                    *zip(all_args[len(all_args) - len(args.defaults) :], args.defaults),
                    *zip(args.kwonlyargs, args.kw_defaults),
                ],
                outer_function.calls,
                signature_calls_start,
            )
        for arg in [*all_args, *args.kwonlyargs]:
            if arg.annotation is not None:
                self.visit_expr(arg.annotation)
                ref = self.dotted(arg.annotation)
                if ref is not None:
                    summary.annotations.append(ref)
                    # What the parameter receives, if the annotation is an Annotated alias.
                    summary.local_types[f"param:{arg.arg}"] = f"ann:{ref}"
                else:
                    deps = (
                        self.annotated_dependencies(arg.annotation)
                        if isinstance(arg.annotation, ast.Subscript)
                        else ()
                    )
                    summary.annotations.extend(f"dep:{d}" for d in deps)
                    optional = self.optional_annotation(arg.annotation)
                    if deps:
                        summary.local_types[f"param:{arg.arg}"] = f"dep:{deps[0]}"
                    elif optional is not None:
                        # ``redis: Redis | None``, ``Optional[Redis]``, ``"Redis"``: the kind
                        # of object the parameter holds (``RedisObjects.annotated_class``).
                        summary.local_types[f"param:{arg.arg}"] = f"ann:{optional}"
        # ``redis: Redis = Depends(get_redis)``: the parameter receives get_redis's product.
        defaults: list[tuple[ast.arg, ast.expr | None]] = [
            *zip(all_args[len(all_args) - len(args.defaults) :], args.defaults),
            *zip(args.kwonlyargs, args.kw_defaults),
        ]
        for arg, value in defaults:
            if isinstance(value, ast.Call):
                marker = self.dotted(value.func)
                given = value.args[0] if value.args else _keyword(value, "dependency")
                provider = self.dotted(given) if given is not None else None
                if marker is not None and provider is not None:
                    summary.local_types[f"param:{arg.arg}"] = f"dep:{marker}|{provider}"
        if outer_function is not None:
            summary.signature_calls = [
                *decorator_calls,
                *outer_function.calls[signature_calls_start:],
            ]
            del outer_function.calls[signature_calls_start:]

        # The body.
        scope = _Scope("function", parent=self.scope)
        static = any(d.callee == "builtins.staticmethod" for d in summary.decorators)
        classmethod_ = any(d.callee == "builtins.classmethod" for d in summary.decorators)
        for index, param in enumerate(params):
            if index == 0 and class_qualname is not None and not static:
                scope.bindings[param] = class_qualname if classmethod_ else f"{class_qualname}()"
            else:
                scope.bindings[param] = f"param:{param}"
        saved = (
            self.function,
            self.scope,
            self.guards,
            self.seen_yield,
            self.local_guarded,
            self.stored_locals,
            self.asgi_types,
        )
        self.function, self.scope, self.guards, self.seen_yield = summary, scope, [], False
        self.local_guarded, self.stored_locals = [], set()
        # A nested function runs when it is called, whatever the test around its ``def``.
        self.asgi_types = ASGI_TYPES
        self.visit_body(node.body)
        for index, local in self.local_guarded:
            if (
                local not in self.stored_locals
                and summary.calls[index : index + 1]
                and (summary.calls[index].assigned_to == local)
            ):
                # ``client = getattr(request.state, "r", None); if client is None: ...``
                summary.calls[index] = summary.calls[index]._replace(guarded=False)
        (
            self.function,
            self.scope,
            self.guards,
            self.seen_yield,
            self.local_guarded,
            self.stored_locals,
            self.asgi_types,
        ) = saved
        self.summary.functions.append(summary)

    def default_to_annotation(
        self,
        pairs: list[tuple[ast.arg, ast.expr | None]],
        calls: list[CallSite],
        start: int,
    ) -> None:
        """``cache: Cache = Depends()``: a marker called without a callable depends on the
        parameter's annotation, so the annotation becomes the call's argument."""
        for arg, default in pairs:
            if (
                not isinstance(default, ast.Call)
                or default.args
                or _keyword(default, "dependency") is not None
                or arg.annotation is None
            ):
                continue
            annotation = self.dotted(arg.annotation)
            span = self.span(default)
            for index in range(start, len(calls)):
                if annotation is not None and calls[index].span == span:
                    calls[index] = calls[index]._replace(args=(annotation,))

    def decorator_site(self, node: ast.expr) -> DecoratorSite:
        if isinstance(node, ast.Call):
            callee = self.dotted(node.func) or "?"
            first_string = _first_string(node)
            return DecoratorSite(
                callee,
                True,
                first_string,
                tuple((kw.arg or "**", self.ref_or_list(kw.value)) for kw in node.keywords),
                tuple(self.ref_or_list(a) for a in node.args),
            )
        return DecoratorSite(self.dotted(node) or "?", False, None, (), ())

    def visit_class(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit_expr(decorator)
        for base in node.bases:
            self.visit_expr(base)
        if self.class_stack and self.scope.kind == "class":
            qualname = f"{self.class_stack[-1]}.{node.name}"
        elif self.function is not None and self.scope is not self.module_scope:
            qualname = f"{self.function.qualname}.{node.name}"
            self.scope.bindings[node.name] = qualname
        else:
            qualname = f"{self.module}.{node.name}"
        bases = tuple(b for b in (self.dotted(base) for base in node.bases) if b is not None)
        methods = tuple(
            stmt.name
            for stmt in node.body
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        )
        attributes = tuple(
            (target.id, self.attribute_value(stmt.value, target.id))
            for stmt in node.body
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None
            for target in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            if isinstance(target, ast.Name)
        )
        self.summary.classes.append(
            ClassSummary(qualname, node.name, bases, methods, self.span(node), attributes)
        )
        saved_scope = self.scope
        self.scope = _Scope("class", parent=saved_scope)
        self.class_stack.append(qualname)
        self.visit_body(node.body)
        self.class_stack.pop()
        self.scope = saved_scope

    # ----- expressions --------------------------------------------------------------------

    def visit_expr(
        self,
        node: ast.expr,
        *,
        context: str | None = None,
        assigned: ast.expr | None = None,
        awaited: bool = False,
    ) -> None:
        kind = type(node)
        if kind is ast.Name or kind is ast.Constant:
            return  # (most nodes: nothing below them)
        if kind is ast.Attribute:
            # (``type() is`` narrows nothing for the type checker; it is faster than isinstance)
            self.visit_expr(node.value)  # type: ignore[attr-defined]
            return
        if isinstance(node, ast.Await):
            self.visit_expr(node.value, context=context, assigned=assigned, awaited=True)
            return
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            if node.value is not None:
                self.visit_expr(node.value)
                self.record_yield(node.value)
            self.seen_yield = True
            return
        if isinstance(node, ast.Lambda):
            self.visit_expr(node.body)
            return
        if isinstance(node, ast.Call):
            self.visit_call(node, context=context, assigned=assigned, awaited=awaited)
            return
        for child in _children(node):
            if isinstance(child, ast.expr):
                self.visit_expr(child)
            elif isinstance(child, ast.comprehension):
                self.visit_expr(child.iter)
                for condition in child.ifs:
                    self.visit_expr(condition)

    def record_yield(self, value: ast.expr) -> None:
        if self.function is None:
            return
        if isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self.function.yielded_state.append((key.value, self.dotted(item)))
        else:
            self.record_result(value)

    def record_result(self, value: ast.expr) -> None:
        """What a function returns or yields (a dependency's or factory's product)."""
        ref = self.dotted(value)
        if ref is not None and self.function is not None:
            self.function.returns.append(ref)

    def visit_call(
        self,
        node: ast.Call,
        *,
        context: str | None,
        assigned: ast.expr | None,
        awaited: bool,
    ) -> None:
        # Arguments first: they are evaluated before the call.
        self.visit_expr(node.func)
        for arg in node.args:
            self.visit_expr(arg.value if isinstance(arg, ast.Starred) else arg)
        for kw in node.keywords:
            self.visit_expr(kw.value)
        for callee in self.alternatives(node.func):
            self.record_call(node, callee, context=context, assigned=assigned, awaited=awaited)

    def alternatives(self, node: ast.expr) -> list[str]:
        """The references an expression may be: one, or one per element for an attribute of a
        loop variable bound to a literal (``for c in (a, b): c.aclose()``: ``a.aclose``...)."""
        ref = self.dotted(node)
        if ref is not None:
            return ref[5:].split(",") if ref.startswith("list:") else [ref]
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return []
        base = self.resolve_name(node.id)
        if not base.startswith("list:"):
            return []
        suffix = "".join(f".{attr}" for attr in reversed(attrs))
        return [f"{element}{suffix}" for element in base[5:].split(",")]

    def record_call(
        self,
        node: ast.Call,
        callee: str,
        *,
        context: str | None,
        assigned: ast.expr | None,
        awaited: bool,
    ) -> None:
        if self.function is None:
            return
        args = tuple(self.ref_or_list(a) for a in node.args)
        if not self.keep(callee, args, node):
            return
        keywords = tuple(
            (kw.arg or "**", self.keyword_value(kw.value, kw.arg)) for kw in node.keywords
        )
        first_string = _first_string(node)
        assigned_to: str | None = None
        if isinstance(assigned, ast.Name):
            assigned_to = (
                f"local:{assigned.id}"
                if self.scope is not self.module_scope
                and assigned.id not in self.scope.declared_global
                else f"{self.module}.{assigned.id}"
            )
        elif isinstance(assigned, (ast.Attribute, ast.Subscript)):
            assigned_to = self.dotted(assigned)  # (an item: only one of app state)
        guarded = (
            assigned_to is not None
            and _lasting(assigned_to)
            and any(assigned_to in g or GUARD_ONCE in g for g in self.guards)
        )
        if not guarded and isinstance(assigned, ast.Subscript):
            # ``if key not in registry: registry[key] = Redis(...)``: once per key.
            container = self.dotted(assigned.value)
            guarded = container is not None and any(f"{container}[]" in g for g in self.guards)
        if not guarded and isinstance(assigned, ast.Name):
            # What the local holds before this assignment: ``client = request.app.state.c``
            # binds it to app state, so ``if client is None:`` tests that place.
            alias = self.dotted(assigned)
            guarded = any(
                f"{self.module}.{assigned.id}" in g
                or f"local:{assigned.id}" in g
                or (alias is not None and alias in g)
                # A local made under a flag is once too, if it is stored somewhere lasting
                # (checked at the end of the function, as for ``if client is None:``).
                or GUARD_ONCE in g
                for g in self.guards
            )
        if guarded and assigned_to is not None and assigned_to.startswith("local:"):
            self.local_guarded.append((len(self.function.calls), assigned_to))
        # Under an ASGI lifespan test the call runs once per server whatever it makes (kept
        # out of ``local_guarded``: a local made there is once even if nothing stores it).
        lifespan_only = self.asgi_types == LIFESPAN_ONLY
        self.function.calls.append(
            CallSite(
                callee=callee,
                written=self.written(node.func),
                args=args,
                keywords=keywords,
                written_args=self.written_args(node),
                first_string=first_string,
                span=self.span(node),
                awaited=awaited,
                context=context,
                assigned_to=assigned_to,
                guarded=guarded or lifespan_only,
                after_yield=self.seen_yield,
                guard_refs=frozenset(
                    ref for g in self.guards for ref in g if ref == GUARD_ONCE or _lasting(ref)
                )
                | ({GUARD_LIFESPAN} if lifespan_only else set())
                | ({GUARD_WEBSOCKET} if self.asgi_types == WEBSOCKET_ONLY else set()),
            )
        )

    def keep(self, callee: str, args: tuple[str | None, ...], node: ast.Call) -> bool:
        """Only calls that can matter are kept: the summary of a large project stays small."""
        if _root(callee) in self.keep_roots or callee.startswith(
            ("local:", "param:", "builtins.super().")
        ):
            return True
        if _last_segment(callee) in self.keep_names:
            return True
        return any(
            _root(ref) in self.keep_roots for arg in args if arg is not None for ref in _refs(arg)
        )


#: The ASGI scope types. A pure ASGI middleware's ``__call__`` runs for each of them: per
#: request (``http``), per connection (``websocket``), and once per server (``lifespan``).
ASGI_TYPES = frozenset({"http", "websocket", "lifespan"})
LIFESPAN_ONLY = frozenset({"lifespan"})
WEBSOCKET_ONLY = frozenset({"websocket"})


def _asgi_split(test: ast.expr) -> tuple[frozenset[str], frozenset[str]]:
    """The scope types for which ``test`` may be true, and those for which it may be false.

    ``scope["type"] == "lifespan"`` -> ({lifespan}, {http, websocket}); ``!=`` swaps them;
    ``message["type"] in ("lifespan.startup", ...)`` (or ``.get("type")``) is true only under
    the lifespan scope but may be false under it too (``lifespan.shutdown``); ``not``, ``and``
    and ``or`` combine. A test that reads no type says nothing: every type, both ways.
    """
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        admitted, refused = _asgi_split(test.operand)
        return refused, admitted
    if isinstance(test, ast.BoolOp):
        splits = [_asgi_split(value) for value in test.values]
        trues, falses = [s[0] for s in splits], [s[1] for s in splits]
        if isinstance(test.op, ast.And):
            return frozenset.intersection(*trues), frozenset.union(*falses)
        return frozenset.union(*trues), frozenset.intersection(*falses)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return ASGI_TYPES, ASGI_TYPES
    op, left, right = test.ops[0], test.left, test.comparators[0]
    if isinstance(op, (ast.Eq, ast.NotEq)) and _reads_type(right):
        left, right = right, left  # ``"lifespan" == scope["type"]``
    if not (isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) and _reads_type(left)):
        return ASGI_TYPES, ASGI_TYPES
    values = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else [right]
    names = [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if not values or len(names) != len(values):
        return ASGI_TYPES, ASGI_TYPES
    # A message type names its scope type before the dot (``http.request``).
    matching = frozenset(name.split(".", 1)[0] for name in names) & ASGI_TYPES
    # Only scope types themselves exclude their scope when unequal (``!= "lifespan"``);
    # ``!= "lifespan.startup"`` may still be the lifespan (its shutdown message).
    other = ASGI_TYPES - matching if all("." not in name for name in names) else ASGI_TYPES
    if isinstance(op, (ast.Eq, ast.In)):
        return matching, other
    return other, matching


def _leaves(body: list[ast.stmt]) -> bool:
    """Does ``body`` never fall through to the statement after it (ends in ``return``,
    ``raise``, ``continue``, ``break``, or an ``if`` both of whose branches do)?"""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    return isinstance(last, ast.If) and _leaves(last.body) and _leaves(last.orelse)


def _reads_type(node: ast.expr) -> bool:
    """``X["type"]`` or ``X.get("type")``: the event or scope type of an ASGI message."""
    if isinstance(node, ast.Subscript):
        key = node.slice
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
    ):
        key = node.args[0]
    else:
        return False
    return isinstance(key, ast.Constant) and key.value == "type"


def _lasting(ref: str) -> bool:
    """A place that may outlive a call: not a local, and not the request's own state
    (``request.state.x``, Sanic's ``request.ctx.x``, Flask's and Quart's ``g.x``)."""
    if ref.startswith("local:") or ref.startswith(("flask.g.", "quart.g.")):
        return False
    segments = ref.split(".")
    return not (
        ref.startswith("param:")
        and len(segments) > 2
        and segments[0] != "param:app"
        and segments[1] in ("state", "ctx")
    )


def _refs(value: str) -> list[str]:
    """The references in an argument: one, or each element of a ``list:`` value."""
    if value.startswith("list:"):
        return [ref for ref in value[5:].split(",") if ref != "?"]
    return [value]


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


#: Module-level statements whose blocks bind module names (imports, assignments, definitions).
_BLOCK_STATEMENTS = (ast.If, ast.Try, ast.With, ast.For, ast.While)
#: The same, by class name: ``match`` is 3.10's, ``try``/``except*`` 3.11's.
_NEWER_BLOCKS = frozenset({"Match", "TryStar"})


def _branches(node: ast.expr) -> list[ast.expr]:
    """The decorators a decorator expression may be (PEP 614): both of ``@(a if flag else b)``,
    which registers the function when either does."""
    if isinstance(node, ast.IfExp):
        return [*_branches(node.body), *_branches(node.orelse)]
    return [node]


def _blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if block:
            yield block
    for handler in getattr(stmt, "handlers", []):
        yield handler.body
    for case in getattr(stmt, "cases", []):
        yield case.body


def _children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` as a list, without its two generators per node (the
    extraction asks this of every expression node)."""
    found: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, ast.AST))
    return found


def _is_generator(node: FunctionNode) -> bool:
    todo: list[ast.AST] = list(node.body)
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        todo.extend(_children(current))
    return False


_BUILTINS = frozenset(
    {
        "staticmethod",
        "classmethod",
        "property",
        "hasattr",
        "getattr",
        "setattr",
        "isinstance",
        "len",
        "print",
        "super",
        "object",
        "dict",
        "list",
        "set",
        "tuple",
        "str",
        "int",
        "type",
        "range",
        "open",
    }
)


def extract(
    source: SourceFile,
    tree: ast.Module,
    module: str,
    *,
    is_package: bool,
    is_test: bool,
    keep_roots: frozenset[str],
    keep_names: frozenset[str],
) -> ModuleSummary:
    """Summarise one parsed module."""
    extractor = _Extractor(source, module, is_package, is_test, keep_roots, keep_names)
    return extractor.run(tree)


def _walk_function_body(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that does not enter nested functions, lambdas or classes: what they assign
    happens when they run, not when the enclosing body does."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
            ):
                stack.append(child)


def _shadowed_defs(body: list[ast.stmt]) -> set[int]:
    """The ``def`` statements of ``body`` that a later ``def`` or ``class`` of the same name in
    the same body rebinds (``id()`` of the nodes)."""
    last: dict[str, int] = {}
    for index, stmt in enumerate(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            last[stmt.name] = index
    return {
        id(stmt)
        for index, stmt in enumerate(body)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and last[stmt.name] != index
    }
