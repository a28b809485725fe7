"""The project model: every module's summary joined, with names resolved across modules.

``resolve`` turns a module-local dotted reference into its canonical form: imports and
re-exports are followed to where a thing is defined (``app.deps.get_redis`` re-exported from
``app/__init__.py`` is still ``app.deps.get_redis``), module-level variables to what they hold
(``app.main.app`` -> ``fastapi.FastAPI()``), and methods of project classes to their definition
(``app.svc.Cache().get`` -> ``app.svc.Cache.get``, through base classes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .summary import ClassSummary, FunctionSummary, ModuleSummary

_MAX_STEPS = 24


def _join(head: str, rest: list[str]) -> str:
    return ".".join([head, *rest]) if rest else head


class ProjectModel:
    def __init__(self, summaries: Iterable[ModuleSummary], aliases: dict[str, str]) -> None:
        self.modules: dict[str, ModuleSummary] = {}
        self.functions: dict[str, FunctionSummary] = {}
        self.classes: dict[str, ClassSummary] = {}
        #: Names that refer to something else: imports, re-exports, module aliases.
        self.references: dict[str, str] = dict(aliases)
        #: Module-level variables and what they hold (None: opaque, e.g. ``x = None``).
        self.variables: dict[str, str | None] = {}
        self.annotated_dependencies: dict[str, tuple[str, ...]] = {}
        #: Module -> the modules it star-imports, in order (``from .orders import *``).
        self.star_imports: dict[str, list[str]] = {}
        for summary in summaries:
            self.modules[summary.name] = summary
            for function in summary.functions:
                self.functions[function.qualname] = function
            for cls in summary.classes:
                self.classes[cls.qualname] = cls
            for name, target in summary.imports.items():
                if name.startswith(f"{summary.name}.*."):
                    self.star_imports.setdefault(summary.name, []).append(target)
                elif name != target:
                    self.references[name] = target
            for name, value in summary.variables.items():
                if value is not None and value.startswith(("local:", "param:", "list:")):
                    value = None
                self.variables[name] = value
            self.annotated_dependencies.update(summary.annotated_dependencies)
        #: The most segments any name the model defines has: a longer prefix of a reference
        #: cannot name anything (references grow long through self-referring variables).
        self._depth = 1 + max(
            (
                name.count(".")
                for table in (
                    self.references,
                    self.variables,
                    self.classes,
                    self.functions,
                    self.modules,
                )
                for name in table
            ),
            default=0,
        )
        self._resolved: dict[tuple[str, bool], str] = {}
        #: Walks without local types: (end, steps that changed the reference, reached a fixed
        #: point), for resolving references whose ``local:`` head has been replaced.
        self._walked: dict[tuple[str, bool], tuple[str, int, bool]] = {}
        #: Functions whose product is being resolved (a factory returning its own call).
        self._producing: set[str] = set()

    # ----- lookups ------------------------------------------------------------------------

    def module_of(self, function: FunctionSummary) -> ModuleSummary:
        return self.modules[function.module]

    def enclosing_function(self, function: FunctionSummary) -> FunctionSummary | None:
        """The function a nested function or method is defined in (the module for top level)."""
        parent = function.class_qualname or function.qualname
        while "." in parent:
            parent = parent.rsplit(".", 1)[0]
            if parent in self.functions:
                return self.functions[parent]
            if parent == function.module:
                return self.functions.get(f"{function.module}.<module>")
        return None

    def find_method(self, cls: str, name: str, seen: set[str] | None = None) -> str | None:
        """The qualified name of method ``name`` of project class ``cls``, through its bases."""
        summary = self.classes.get(cls)
        if summary is None:
            return None
        if name in summary.methods:
            return f"{cls}.{name}"
        seen = seen if seen is not None else set()
        seen.add(cls)
        for base in summary.bases:
            resolved = self.resolve(base)
            if resolved in self.classes and resolved not in seen:
                found = self.find_method(resolved, name, seen)
                if found:
                    return found
        return None

    def ancestors(self, cls: str) -> Iterator[str]:
        """Every base class of a project class, resolved, nearest first (project and external)."""
        todo = [cls]
        seen = {cls}
        while todo:
            current = todo.pop(0)
            summary = self.classes.get(current)
            if summary is None:
                continue
            for base in summary.bases:
                resolved = self.resolve(base)
                if resolved not in seen:
                    seen.add(resolved)
                    yield resolved
                    todo.append(resolved)

    def methods_of(self, cls: str) -> Iterator[str]:
        """The qualified names of every method a project class has, own and inherited."""
        seen: set[str] = set()
        for owner in [cls, *self.ancestors(cls)]:
            summary = self.classes.get(owner)
            if summary is None:
                continue
            for method in summary.methods:
                if method not in seen:
                    seen.add(method)
                    yield f"{owner}.{method}"

    def variable_of(self, dotted: str) -> str | None:
        """The module-level variable a reference starts with (``db.client.get``: ``db.client``)."""
        canonical = self.resolve(dotted, follow_variables=False)
        segments = canonical.split(".")
        for end in range(len(segments), 0, -1):
            prefix = ".".join(segments[:end])
            if prefix in self.variables:
                return prefix
        return None

    # ----- resolution ---------------------------------------------------------------------

    def resolve(
        self,
        dotted: str,
        local_types: dict[str, str] | None = None,
        *,
        follow_variables: bool = True,
    ) -> str:
        if local_types is None:
            key = (dotted, follow_variables)
            cached = self._resolved.get(key)
            if cached is not None:
                return cached
            current = self._walk(dotted, None, follow_variables, _MAX_STEPS)[0]
            self._resolved[key] = current
            return current
        # Only a ``local:`` head needs the function's types: once the reference has left them,
        # the rest of the walk is the same for every function, and is looked up (exactly: with
        # the steps it took, against the steps left).
        current = dotted
        budget = _MAX_STEPS
        while current.startswith("local:") and budget > 0:
            following = self._step(current, local_types, follow_variables)
            budget -= 1
            if following == current:
                return current
            current = following
        if self._producing or budget <= 0:
            return self._walk(current, local_types, follow_variables, budget)[0]
        key = (current, follow_variables)
        walked = self._walked.get(key)
        if walked is None:
            walked = self._walk(current, None, follow_variables, _MAX_STEPS)
            self._walked[key] = walked
        result, changes, converged = walked
        if not result.startswith("local:") and (
            (converged and changes <= budget) or (not converged and budget == _MAX_STEPS)
        ):
            return result
        return self._walk(current, local_types, follow_variables, budget)[0]

    def _walk(
        self,
        dotted: str,
        local_types: dict[str, str] | None,
        follow_variables: bool,
        budget: int,
    ) -> tuple[str, int, bool]:
        """At most ``budget`` steps from ``dotted``: where they lead, how many changed it, and
        whether it ended at a fixed point."""
        current = dotted
        changes = 0
        for _ in range(budget):
            following = self._step(current, local_types, follow_variables)
            if following == current:
                return current, changes, True
            current = following
            changes += 1
        return current, changes, False

    def _step(self, dotted: str, local_types: dict[str, str] | None, follow_variables: bool) -> str:
        if dotted.startswith("local:"):
            head, _, rest = dotted.partition(".")
            called = head.endswith("()")
            held = (local_types or {}).get(head.removesuffix("()"))
            if held is None:
                return dotted
            return held + ("()" if called else "") + (f".{rest}" if rest else "")
        segments = dotted.split(".")
        for end in range(min(len(segments), self._depth), 0, -1):
            head = segments[end - 1]
            called = head.endswith("()")
            key = ".".join([*segments[: end - 1], head.removesuffix("()")])
            tail = segments[end:]
            target = self.references.get(key)
            if target is None and follow_variables and key in self.variables:
                target = self.variables[key]
                if target is None:
                    return dotted  # an opaque variable: its name is all we know
            if target is not None and target != key:
                return _join(target + ("()" if called else ""), tail)
            if key in self.classes:
                if called and tail:
                    method = self.find_method(key, tail[0])
                    if method is not None:
                        return _join(method, tail[1:])
                return dotted
            if key in self.functions:
                if called:
                    # A project factory (``app = create_app()``): what it returns.
                    produced = self._produced(key)
                    if produced is not None:
                        return _join(produced, tail)
                return dotted
            if key in self.modules:
                if tail:
                    # ``pkg.name`` that ``pkg`` does not define: one of its star imports may.
                    name = tail[0].removesuffix("()")
                    found = self._from_star(key, name, {key})
                    if found is not None:
                        return _join(found + tail[0][len(name) :], tail[1:])
                return dotted
        return dotted

    def _defines(self, qualname: str) -> bool:
        return (
            qualname in self.references
            or qualname in self.variables
            or qualname in self.functions
            or qualname in self.classes
            or qualname in self.modules
        )

    def _from_star(self, module: str, name: str, seen: set[str]) -> str | None:
        """What ``name`` is in ``module`` through its star imports (the last one wins)."""
        external: str | None = None
        for target in reversed(self.star_imports.get(module, ())):
            qualname = f"{target}.{name}"
            if target not in self.modules:
                # Another package's names are unknown: the last such import is the best guess.
                external = external or qualname
                continue
            if self._defines(qualname):
                return qualname
            if target not in seen:
                seen.add(target)
                found = self._from_star(target, name, seen)
                if found is not None:
                    return found
        return external

    def _produced(self, qualname: str) -> str | None:
        """The instance a project function returns, when it returns one (``fastapi.FastAPI()``)."""
        if qualname in self._producing:
            return None
        function = self.functions[qualname]
        self._producing.add(qualname)
        try:
            for result in function.returns:
                resolved = self.resolve(result, function.local_types)
                if resolved.endswith("()") and not resolved.startswith(("param:", "local:")):
                    return resolved
        finally:
            self._producing.discard(qualname)
        return None

    def annotation_dependencies(self, annotation: str) -> tuple[str, ...]:
        """``callee|ref`` pairs for an annotation that is an ``Annotated`` alias with Depends."""
        if annotation.startswith("dep:"):
            return (annotation[4:],)
        resolved = self.resolve(annotation, follow_variables=False)
        return self.annotated_dependencies.get(resolved, ())
