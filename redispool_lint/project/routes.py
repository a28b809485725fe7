"""Full route paths for messages: ``GET /products/{id}``, not the ``/{id}`` written on the route.

FastAPI joins the prefix given to ``include_router(router, prefix=...)`` (for each level of
nesting), the router's own ``APIRouter(prefix=...)`` and the path of the route.
"""

from __future__ import annotations

from .model import ProjectModel
from .summary import CallSite, FunctionSummary

PREFIX_KEYWORD = "prefix"
INCLUDE_METHOD = "include_router"
#: How the extractor keeps a literal string keyword (see ``extract.keyword_value``).
STRING = "str:"
_MAX_NESTING = 8


def string_keyword(call: CallSite, name: str) -> str | None:
    for keyword, value in call.keywords:
        if keyword == name and value is not None and value.startswith(STRING):
            return value[len(STRING) :]
    return None


class RoutePrefixes:
    def __init__(self, model: ProjectModel, app_classes: frozenset[str]) -> None:
        self.model = model
        #: Router -> the prefix its constructor was given.
        self.own: dict[str, str] = {}
        #: Router -> (the router or app it is included in, the prefix it is included with).
        self.parent: dict[str, tuple[str, str]] = {}
        for function in model.functions.values():
            for call in function.calls:
                self._read(call, function, app_classes)

    def _read(self, call: CallSite, function: FunctionSummary, app_classes: frozenset[str]) -> None:
        callee = self.model.resolve(call.callee, function.local_types)
        receiver, _, method = callee.rpartition(".")
        if method == INCLUDE_METHOD and receiver.removesuffix("()") in app_classes:
            child = call.args[0] if call.args else None
            if child is not None and not child.startswith("list:"):
                including = call.callee.rpartition(".")[0]
                self.parent.setdefault(
                    self.identity(child, function),
                    (
                        self.identity(including, function),
                        string_keyword(call, PREFIX_KEYWORD) or "",
                    ),
                )
        elif callee in app_classes and call.assigned_to is not None:
            prefix = string_keyword(call, PREFIX_KEYWORD)
            if prefix:
                self.own[self.identity(call.assigned_to, function)] = prefix

    def identity(self, ref: str, function: FunctionSummary | None) -> str:
        """One name for a router wherever it is reached from (imports followed, not values)."""
        if ref.startswith("local:") and function is not None:
            return f"{function.qualname}:{ref.split('.', 1)[0]}"
        return self.model.resolve(ref, follow_variables=False)

    def full_path(self, router: str, function: FunctionSummary | None, path: str) -> str:
        """``path`` as served: the prefixes of ``router`` (a reference in ``function``) added."""
        identity = self.identity(router, function)
        prefix = ""
        for _ in range(_MAX_NESTING):
            prefix = self.own.get(identity, "") + prefix
            included = self.parent.get(identity)
            if included is None:
                break
            identity, included_prefix = included
            prefix = included_prefix + prefix
        return prefix + path
