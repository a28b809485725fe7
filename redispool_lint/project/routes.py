"""Full route paths for messages: ``GET /products/{id}``, not the ``/{id}`` written on the route.

A route's path is joined to the prefixes of what it is registered on, level by level (the
frameworks' tables say where each writes its prefix, ``frameworks.base.RoutePrefix``):

* a router's own prefix: ``APIRouter(prefix=)``, ``Blueprint(url_prefix=)``, Litestar's
  ``Router(path=)``, a Litestar Controller's ``path`` attribute for its handlers;
* the prefix it is included with: ``include_router(router, prefix=)`` (before the router's
  own), ``register_blueprint(bp, url_prefix=)`` (instead of it), Django Ninja's
  ``add_router("/orders/", router)``;
* a router that lists the handler (Litestar's ``route_handlers=[...]``), or whose parentheses
  hold the registration (``Mount("/api", routes=[Route("/items", ...)])``).

Only literal strings are read; a prefix from a variable or a call is left out of the label.
"""

from __future__ import annotations

from typing import NamedTuple

from ..frameworks import Knowledge
from ..frameworks.base import RoutePrefix
from .model import ProjectModel
from .summary import CallSite, ClassSummary, FunctionSummary, Span

#: How the extractor keeps a literal string keyword (see ``extract.keyword_value``).
STRING = "str:"
_MAX_NESTING = 8


class _Link(NamedTuple):
    """What a router (a handler, a class, a registration) is registered on, and how."""

    parent: str
    prefix: str
    #: The prefix given here replaces the child's own (Flask's ``register_blueprint``).
    replaces: bool


def string_keyword(call: CallSite, name: str) -> str | None:
    for keyword, value in call.keywords:
        if keyword == name and value is not None and value.startswith(STRING):
            return value[len(STRING) :]
    return None


def join(prefix: str, path: str) -> str:
    """``/v1`` + ``/items`` -> ``/v1/items``, one slash between (as the frameworks join)."""
    if not prefix:
        return path
    if not path:
        return prefix
    return prefix.rstrip("/") + "/" + path.lstrip("/")


class RoutePrefixes:
    def __init__(self, model: ProjectModel, knowledge: Knowledge) -> None:
        self.model = model
        self.knowledge = knowledge
        #: Router -> the prefix its constructor (or class attribute) gives it.
        self.own: dict[str, str] = {}
        #: Router, handler or registration -> what it is registered on.
        self.parent: dict[str, _Link] = {}
        # The last names of the callees read here: a call named otherwise is not resolved (a
        # warm pre-commit run resolves only these, not every call of the model: 20 ms on a
        # 5,000-module tree). A router constructor renamed through a module variable
        # (``R = APIRouter``) is not seen: its routes are labelled without its prefix.
        names = {
            callee.rsplit(".", 1)[-1].removesuffix("()")
            for callee in (*knowledge.include_prefixes, *knowledge.router_prefixes)
        }
        for function in model.functions.values():
            routers: list[tuple[Span, str]] = []
            for call in function.calls:
                if call.callee.rsplit(".", 1)[-1].removesuffix("()") in names:
                    self._read(call, function, routers)
            if routers:
                self._nest(function, routers)
        if knowledge.class_prefixes:
            for cls in model.classes.values():
                self._read_class(cls)

    def call_identity(self, call: CallSite, function: FunctionSummary) -> str:
        """A name for one call (a registration, a router not assigned to a name)."""
        return f"{function.qualname}@{call.span.row}:{call.span.column}"

    def _read(
        self, call: CallSite, function: FunctionSummary, routers: list[tuple[Span, str]]
    ) -> None:
        callee = self.model.resolve(call.callee, function.local_types)
        include = self.knowledge.include_prefixes.get(callee)
        if include is not None:
            child = _included(call, include)
            if child is not None and not child.startswith("list:"):
                given = string_keyword(call, include.keyword)
                if given is None and include.positional:
                    given = call.first_string
                self.parent.setdefault(
                    self.identity(child, function),
                    _Link(
                        self.identity(call.callee.rpartition(".")[0], function),
                        given or "",
                        include.replaces and given is not None,
                    ),
                )
            return
        made = self.knowledge.router_prefixes.get(callee)
        if made is None:
            return
        identity = (
            self.identity(call.assigned_to, function)
            if call.assigned_to is not None
            else self.call_identity(call, function)
        )
        prefix = string_keyword(call, made.keyword)
        if prefix is None and made.positional and call.args and call.first_string is not None:
            prefix = call.first_string
        if prefix:
            self.own[identity] = prefix
        routers.append((call.span, identity))
        if made.children is None:
            return
        for name, value in call.keywords:
            if name != made.children or value is None or not value.startswith("list:"):
                continue
            for element in value[5:].split(","):
                if element != "?":
                    child = self._routed(element, function)
                    self.parent.setdefault(child, _Link(identity, "", False))

    def _routed(self, ref: str, function: FunctionSummary) -> str:
        """A handler or controller listed by a router, by its qualified name; another router,
        by the name it is assigned to."""
        resolved = self.model.resolve(ref, function.local_types)
        if resolved in self.model.functions or resolved in self.model.classes:
            return resolved
        return self.identity(ref, function)

    def _nest(self, function: FunctionSummary, routers: list[tuple[Span, str]]) -> None:
        """Calls written inside a router's parentheses are registered on it: the innermost
        router around each call (``Mount("/api", routes=[Route(...), Mount("/v1", ...)])``)."""
        for call in function.calls:
            inside = [
                (span, identity)
                for span, identity in routers
                if span != call.span and contains(span, call.span)
            ]
            if not inside:
                continue
            _, parent = min(inside, key=lambda pair: _size(pair[0]))
            identity = next(
                (identity for span, identity in routers if span == call.span),
                self.call_identity(call, function),
            )
            self.parent.setdefault(identity, _Link(parent, "", False))

    def _read_class(self, cls: ClassSummary) -> None:
        """A Controller's ``path = "/items"``: the prefix of the handlers it defines."""
        for base in self.model.ancestors(cls.qualname):
            attribute = self.knowledge.class_prefixes.get(base)
            if attribute is None:
                continue
            for name, value in cls.attributes:
                if name == attribute and value is not None and value.startswith(STRING):
                    self.own[cls.qualname] = value[len(STRING) :]
            for method in self.model.methods_of(cls.qualname):
                self.parent.setdefault(method, _Link(cls.qualname, "", False))
            return

    def identity(self, ref: str, function: FunctionSummary | None) -> str:
        """One name for a router wherever it is reached from (imports followed, not values)."""
        if ref.startswith("local:") and function is not None:
            return f"{function.qualname}:{ref.split('.', 1)[0]}"
        return self.model.resolve(ref, follow_variables=False)

    def full_path(
        self, router: str, function: FunctionSummary | None, path: str, handler: str | None = None
    ) -> str:
        """``path`` as served: the prefixes of ``router`` (a reference in ``function``) added;
        or those of ``handler`` (the registered function, or the registering call's
        ``call_identity``) where a router lists or holds it."""
        if handler is not None and (handler in self.parent or handler in self.own):
            identity = handler
        else:
            identity = self.identity(router, function)
        for _ in range(_MAX_NESTING):
            link = self.parent.get(identity)
            if link is None or not link.replaces:
                path = join(self.own.get(identity, ""), path)
            if link is None:
                break
            identity = link.parent
            path = join(link.prefix, path)
        return path


def _included(call: CallSite, include: RoutePrefix) -> str | None:
    """The reference of the router an include method includes: by keyword, else by position."""
    for name, value in call.keywords:
        if name == include.child_keyword:
            return value
    if include.child_position < len(call.args):
        return call.args[include.child_position]
    return None


def contains(outer: Span, inner: Span) -> bool:
    return (outer.row, outer.column) <= (inner.row, inner.column) and (
        inner.end_row,
        inner.end_column,
    ) <= (outer.end_row, outer.end_column)


def _size(span: Span) -> tuple[int, int]:
    return (span.end_row - span.row, span.end_column - span.column)
