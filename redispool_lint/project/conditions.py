"""When a registration that depends on a keyword's value holds (``frameworks.base.Condition``).

Dishka registers a provider per request only in a per-request scope, and the scope may be given
where the provider is registered, as its class's attribute, to the constructor of the provider
instance (or by that class's ``__init__`` to ``super().__init__``), or to the instance a
function is handed. This module finds which, for ``requests.RequestAnalysis``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..frameworks.base import Condition
from .model import ProjectModel
from .routes import contains
from .summary import CallSite, FunctionSummary

if TYPE_CHECKING:
    # (Only in annotations: ``str | None`` cannot be evaluated on Python 3.9.)
    #: A call's keywords, as the summaries keep them.
    Keywords = tuple[tuple[str, str | None], ...]


class Conditions:
    def __init__(
        self,
        model: ProjectModel,
        param_origins: dict[str, dict[str, list[tuple[str, FunctionSummary]]]],
    ) -> None:
        self.model = model
        #: Function -> ``param:NAME`` -> the references its callers pass there, with the
        #: caller (``RequestAnalysis.param_origins``).
        self.param_origins = param_origins
        #: Project class -> the keywords and local types of each call constructing it
        #: (``_instances_of``), built when first asked.
        self._constructions: dict[str, list[tuple[Keywords, dict[str, str]]]] | None = None

    def holds(
        self,
        condition: Condition,
        keywords: Keywords,
        local_types: dict[str, str],
        cls: str | None,
        receiver: tuple[str, FunctionSummary] | None,
    ) -> bool:
        """Does ``condition`` hold for a registration with these keywords, written in class
        ``cls`` (its body or a method's decorator), or made by a method of ``receiver`` (the
        object's reference and the function it is written in)?"""
        for name, value in keywords:
            if name == condition.keyword:
                return value is not None and self._is_one_of(value, local_types, condition)
        if cls is not None and any(
            ancestor in condition.default_classes for ancestor in self.model.ancestors(cls)
        ):
            # An instance made with the keyword overrides the class's attribute (Dishka's
            # ``Provider.__init__``: ``self.scope = scope or self.scope``), so an instance
            # ``PoolProvider(scope=Scope.REQUEST)`` of a class without one runs its bare
            # ``@provide`` methods per request.
            made = self._instances_of(cls, condition.keyword)
            if any(
                value is not None and self._is_one_of(value, types, condition)
                for value, types in made
            ):
                return True
            if made and all(value is not None for value, _ in made):
                return False
            for owner in [cls, *self.model.ancestors(cls)]:
                summary = self.model.classes.get(owner)
                for name, value in summary.attributes if summary is not None else ():
                    if name == condition.keyword:
                        return value is not None and self._is_one_of(value, {}, condition)
        if receiver is not None:
            for made_class, made_keywords, made_types in self._constructor_calls(*receiver):
                # ``tags = RepoProvider(); tags.provide(TagIndex)``: the keyword given to the
                # constructor, else the attribute of the class constructed (when a project one).
                keyword_given = any(name == condition.keyword for name, _ in made_keywords)
                if keyword_given or made_class not in self.model.classes:
                    if self.holds(condition, made_keywords, made_types, None, None):
                        return True
                elif self.holds(condition, (), {}, made_class, None):
                    return True
        return False

    def _super_keyword(self, cls: str, keyword: str) -> tuple[str, dict[str, str]] | None:
        """The value a class's ``__init__`` passes as ``keyword`` to ``super().__init__``
        (``super().__init__(scope=Scope.REQUEST)``: every instance gets it, whatever its
        constructor is given), with that method's local types; "?" for a value that is no
        reference."""
        init = self.model.find_method(cls, "__init__")
        summary = self.model.functions.get(init) if init is not None else None
        if summary is None:
            return None
        for call in summary.calls:
            if call.callee == "builtins.super().__init__":
                for name, value in call.keywords:
                    if name == keyword:
                        return value or "?", summary.local_types
        return None

    def _instances_of(self, cls: str, keyword: str) -> list[tuple[str | None, dict[str, str]]]:
        """Every construction in the project of ``cls`` or of a subclass: the value given to
        ``keyword`` (None where not given) and the local types of the function it is in."""
        if self._constructions is None:
            # Indexed once, by the last segment of the class constructed: a call is resolved
            # only when it is written with the name of a project class.
            by_name: dict[str, set[str]] = {}
            for name in self.model.classes:
                by_name.setdefault(name.rsplit(".", 1)[-1], set()).add(name)
            index: dict[str, list[tuple[Keywords, dict[str, str]]]] = {}
            for function in self.model.functions.values():
                for call in function.calls:
                    if call.callee.rsplit(".", 1)[-1] not in by_name:
                        continue
                    resolved = self.model.resolve(call.callee, function.local_types)
                    if resolved in self.model.classes:
                        index.setdefault(resolved, []).append((call.keywords, function.local_types))
            self._constructions = index
        found: list[tuple[str | None, dict[str, str]]] = []
        for made, calls in self._constructions.items():
            if made != cls and cls not in self.model.ancestors(made):
                continue
            fixed = self._super_keyword(made, keyword)
            for keywords, types in calls:
                if fixed is not None:
                    found.append(fixed)
                    continue
                given = [value for name, value in keywords if name == keyword]
                # (A value that is no reference, ``scope=pick()``, is given but unknown: "?",
                # which resolves to no scope.)
                found.append(((given[0] or "?") if given else None, types))
        return found

    def _is_one_of(self, ref: str, local_types: dict[str, str], condition: Condition) -> bool:
        return self.model.resolve(ref, local_types) in condition.values

    def _constructor_calls(
        self, ref: str, function: FunctionSummary, depth: int = 0
    ) -> list[tuple[str, Keywords, dict[str, str]]]:
        """The class (resolved), keywords and local types of the call that made ``ref``
        (``provider = Provider(scope=...)``), in ``function`` or at module level; for a
        parameter (``def register(provider): provider.provide(A)``), of each object its callers
        pass there."""
        if ref.startswith("param:"):
            origins = self.param_origins.get(function.qualname, {}).get(ref, [])
            return [
                made
                for origin, caller in origins
                if depth < 4
                for made in self._constructor_calls(origin, caller, depth + 1)
            ]
        made = self._constructor_call(ref, function)
        return [made] if made is not None else []

    def _constructor_call(
        self, ref: str, function: FunctionSummary
    ) -> tuple[str, Keywords, dict[str, str]] | None:
        """The class (resolved), keywords and local types of the call that made ``ref``, in
        ``function`` or at module level."""
        module = self.model.functions.get(f"{function.module}.<module>")
        for where in (function, module) if module is not function else (function,):
            if where is None:
                continue
            for call in where.calls:
                if call.assigned_to == ref:
                    made = self.model.resolve(call.callee, where.local_types)
                    return made, call.keywords, where.local_types
        return None

    def class_around(self, call: CallSite, function: FunctionSummary) -> str | None:
        """The class whose body holds ``call`` (``x = provide(Source)`` in a class body is a call
        of the function the class is written in)."""
        around: tuple[tuple[int, int], str] | None = None
        prefix = f"{function.qualname.removesuffix('.<module>')}."
        for cls in self.model.classes.values():
            if cls.qualname.startswith(prefix) and contains(cls.span, call.span):
                size = (cls.span.end_row - cls.span.row, cls.span.end_column - cls.span.column)
                if around is None or size < around[0]:
                    around = (size, cls.qualname)
        return around[1] if around is not None else None
