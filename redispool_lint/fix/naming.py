"""Names across modules: what a name means (canonical dotted name) and how another module writes it.

Moving a constructor call from a router module into the lifespan's module, or comparing the
calls of two modules, needs every name in canonical form (``redis.asyncio.Redis``); writing it
back in the target module reuses that module's imports, or says which import to add.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import libcst as cst

from ..project.model import ProjectModel
from ..project.summary import ModuleSummary
from .cst_tools import (
    CannotFix,
    ImportSpec,
    ParsedFile,
    VariableVisitor,
    dotted_name,
    names_in,
)

_BUILTINS = frozenset(dir(builtins))
#: Modules (not attributes) among the names a moved expression may need: ``import x as y``.
_KNOWN_MODULES = frozenset(
    {"redis", "redis.asyncio", "valkey", "valkey.asyncio", "fastapi", "starlette", "contextlib"}
)


def resolve_name(
    model: ProjectModel, name: str, module: ModuleSummary, local: set[str], where: str = ""
) -> str:
    """The canonical dotted name a module-level name refers to (locals refused)."""
    if name in local:
        raise CannotFix(f"`{name}` is local to {where or 'the function'}")
    key = f"{module.name}.{name}"
    if key in module.imports:
        return module.imports[key]
    if key in model.variables or key in model.functions or key in model.classes:
        return key
    if name in _BUILTINS:
        return f"builtins.{name}"
    raise CannotFix(f"`{name}` cannot be resolved")


def spell(
    model: ProjectModel,
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
            if canonical.startswith(target + ".") and "." not in rest and is_module(model, target):
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
    if is_module(model, canonical):
        return local, [(canonical, "", local)]
    return local, [(owner, short, local)]


def is_module(model: ProjectModel, dotted: str) -> bool:
    return dotted in model.modules or dotted in _KNOWN_MODULES


def public_class(qualname: str) -> str:
    """``redis.asyncio.client.Redis.from_pool`` -> ``redis.asyncio.Redis`` (the public name)."""
    cls = qualname.removesuffix(".from_pool").removesuffix(".from_url")
    return cls.replace(".client.", ".")


def private_spellings(canonical: str) -> list[str]:
    """Other names of a redis-py/valkey class (``redis.asyncio.client.Redis``): an import of
    either spelling can be reused."""
    package, _, short = canonical.rpartition(".")
    if package.split(".", 1)[0] in ("redis", "valkey"):
        return [f"{package}.client.{short}"]
    return []


class _Rename(cst.CSTTransformer):
    """Rename variables only: attribute names (``x.redis``) and keywords (``f(redis=1)``) stay."""

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


def renamed_code(node: cst.BaseExpression, mapping: dict[str, str]) -> str:
    """The code of ``node`` with the variables in ``mapping`` replaced by their new spelling."""
    renamed = node.visit(_Rename(mapping))
    assert isinstance(renamed, cst.BaseExpression)
    return cst.Module([]).code_for_node(renamed)


def reference_names(node: cst.CSTNode) -> list[str]:
    """Names an expression reads (not attribute names, not keyword names), in order."""
    # Names bound inside the expression (lambda, comprehension) would be renamed as if global.
    if _has_scopes(node):
        raise CannotFix("the expression has a lambda or comprehension")
    found: list[str] = []

    class _Refs(VariableVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            if name.value not in found:
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


def evaluated_parts(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Calls and subscripts: the parts that do work (or may fail) each time they are evaluated."""
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
                found.add((dotted_name(node.name) or "").split(".", 1)[0])

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            targets(node.target)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.add(node.name.value)

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            found.add(node.name.value)

    fdef.params.visit(_Locals())
    fdef.body.visit(_Locals())
    return found
