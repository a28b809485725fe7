"""Full route paths for messages: ``GET /products/{id}``, not the ``/{id}`` written on the route.

FastAPI joins the prefix given to ``include_router(router, prefix=...)`` (for each level of
nesting), the router's own ``APIRouter(prefix=...)`` and the path of the route; Django Ninja the
prefix of ``add_router("/orders/", router)`` and the route's. Which methods mount a router, and
where their router and prefix are, is in the framework tables (``Framework.mounts``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..frameworks.base import Mount
from .model import ProjectModel
from .summary import CallSite, FunctionSummary

PREFIX_KEYWORD = "prefix"
#: How the extractor keeps a literal string keyword (see ``extract.keyword_value``).
STRING = "str:"
_MAX_NESTING = 8


def string_keyword(call: CallSite, name: str) -> str | None:
    for keyword, value in call.keywords:
        if keyword == name and value is not None and value.startswith(STRING):
            return value[len(STRING) :]
    return None


class RoutePrefixes:
    def __init__(
        self, model: ProjectModel, app_classes: frozenset[str], mounts: Mapping[str, Mount]
    ) -> None:
        self.model = model
        #: Router -> the prefix its constructor was given.
        self.own: dict[str, str] = {}
        #: Router -> (the router or app it is included in, the prefix it is included with).
        self.parent: dict[str, tuple[str, str]] = {}
        for function in model.functions.values():
            for call in function.calls:
                self._read(call, function, app_classes, mounts)

    def _read(
        self,
        call: CallSite,
        function: FunctionSummary,
        app_classes: frozenset[str],
        mounts: Mapping[str, Mount],
    ) -> None:
        callee = self.model.resolve(call.callee, function.local_types)
        mount = mounts.get(callee)
        if mount is not None:
            child = _mounted(call, mount)
            if child is not None and not child.startswith("list:"):
                keyword = mount.prefix_keyword
                prefix = string_keyword(call, keyword) if keyword else None
                if prefix is None and mount.prefix_first:
                    prefix = call.first_string
                including = call.callee.rpartition(".")[0]
                self.parent.setdefault(
                    self.identity(child, function),
                    (self.identity(including, function), prefix or ""),
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
        # Django Ninja joins ``add_router("/orders/", r)`` and ``@r.get("/")`` with a slash and
        # then collapses repeated ones; FastAPI's prefixes never end with one.
        joined = prefix + path
        while "//" in joined:
            joined = joined.replace("//", "/")
        return joined


def _mounted(call: CallSite, mount: Mount) -> str | None:
    """The reference of the router a mount call mounts: by keyword, else by position."""
    for name, value in call.keywords:
        if name == mount.keyword:
            return value
    if mount.position is not None and mount.position < len(call.args):
        return call.args[mount.position]
    return None
