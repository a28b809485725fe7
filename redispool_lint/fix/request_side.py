"""The request side of a fix, planned per finding: the code that made a client per request uses
the shared one.

``async with <client> as r:`` becomes ``r = <shared>`` and the block, dedented; an assigned
client loses its closes; a dependency that yielded the client returns the shared one; a handler
with no ``Request`` in reach gets a ``request`` parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

import libcst as cst

from ..diagnostics import Applicability
from .apps import App
from .clients import Target
from .context import FixContext, Rewrite
from .cst_tools import CannotFix, FileOps, ParsedFile, Replace, dotted_name, free_name
from .lifespan import AppPlan
from .naming import local_names, private_spellings, resolve_name, spell
from .syntax import (
    CLOSE_NAMES,
    count_name,
    is_close_of,
    lines_above,
    suite_statements,
    walk_statements,
    yields_in,
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
#: The class a new parameter is annotated with, per (framework, websocket handler).
REQUEST_CLASS = {
    ("fastapi", False): "fastapi.Request",
    ("fastapi", True): "fastapi.WebSocket",
    ("starlette", False): "starlette.requests.Request",
    ("starlette", True): "starlette.websockets.WebSocket",
}
#: Return annotations of a generator (``-> AsyncIterator[Redis]``): a dependency made a plain
#: function returns the item type.
_ITERATOR_TYPES = frozenset(
    {"Iterator", "AsyncIterator", "Generator", "AsyncGenerator", "Iterable", "AsyncIterable"}
)


class RequestRewriter:
    """Plans the request side of each per-request client, given its app's ``AppPlan``."""

    def __init__(self, ctx: FixContext) -> None:
        self.ctx = ctx

    def _texts_with(self, needle: str) -> Iterator[str]:
        return (source.text for source in self.ctx.sources.with_text(needle))

    def rewrite(self, target: Target, plan: AppPlan) -> Rewrite:
        """The whole fix of one finding: its request side, and the app's lifespan side."""
        parsed = self.ctx.file(target.module.path)
        node = target.use or self.ctx.call_node(parsed, target.call)
        fdef = parsed.function_of(node)
        if fdef is None:
            raise CannotFix("the client is not created inside a function")
        ops = FileOps(parsed)
        for statement in target.removals:
            ops.remove(statement)
        shared = self.shared_expression(target, plan, parsed, fdef, ops)
        returned = rewrite_use(ops, parsed, node, fdef, shared, self._texts_with)
        unsafe = target.unsafe_reason or returned
        if target.function.is_generator and self.ctx.apps.is_entry(target.function.qualname):
            # A dependency that yielded its client now returns the shared one.
            ops.on(fdef, _yield_to_return(self._return_annotation(target, parsed, fdef)))
        # A fresh copy of the lifespan ops: they are shared by every finding of the app.
        all_ops: dict[str, FileOps] = {}
        if plan.ops is not None:
            merged = FileOps(plan.ops.parsed)
            merged.merge(plan.ops)
            all_ops[plan.ops.parsed.source.display] = merged
        mine = all_ops.setdefault(parsed.source.display, FileOps(parsed))
        mine.merge(ops)
        applicability = Applicability.SAFE
        message = f"Use the shared client `{shared}` ({plan.summary})"
        if unsafe:
            applicability = Applicability.UNSAFE
            message += f"; unsafe: {unsafe}"
        return Rewrite(applicability, message, list(all_ops.values()))

    def _return_annotation(
        self, target: Target, parsed: ParsedFile, fdef: cst.FunctionDef
    ) -> str | None:
        """``Redis`` for ``-> Redis`` on a former generator dependency without an annotation,
        when the module can write the class without a new import."""
        if target.spec.kind != "pool" or fdef.returns is not None:
            return None
        try:
            returns, needed = spell(
                self.ctx.model,
                [target.spec.cls, *private_spellings(target.spec.cls)],
                target.module,
                parsed,
                set(),
            )
        except CannotFix:
            return None
        return None if needed else returns

    def shared_expression(
        self,
        target: Target,
        plan: AppPlan,
        parsed: ParsedFile,
        fdef: cst.FunctionDef,
        ops: FileOps,
    ) -> str:
        """How ``fdef`` reads the shared client (adding a ``request`` parameter if need be)."""
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
        """The parameter of ``fdef`` that holds the request (or websocket), if one does."""
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
                canonical = resolve_name(self.ctx.model, head, target.module, set())
            except CannotFix:
                continue
            if (f"{canonical}.{rest}" if rest else canonical) in REQUEST_TYPES:
                return param.name.value
        if (
            target.app.framework == "starlette"
            and self.ctx.apps.is_entry(target.function.qualname)
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
        """Add ``request: Request`` (``websocket: WebSocket``) to a FastAPI route or dependency,
        which FastAPI fills in; returns the parameter's name."""
        qualname = target.function.qualname
        if not self.ctx.apps.is_entry(qualname) or app.framework != "fastapi":
            raise CannotFix(
                f"no `Request` in reach: `{target.function.name}` is not a route or dependency "
                "(thread the shared client through its callers by hand)"
            )
        if self.ctx.apps.called_directly(qualname) or target.function.class_qualname is not None:
            raise CannotFix(
                f"`{target.function.name}` is also called directly; a new parameter "
                "would break those calls"
            )
        websocket = self.ctx.apps.is_websocket(qualname)
        canonical = REQUEST_CLASS[(app.framework, websocket)]
        candidates = [canonical, *(t for t in REQUEST_TYPES if t.endswith(canonical[-8:]))]
        annotation, needed = spell(self.ctx.model, candidates, target.module, parsed, local)
        ops.imports += needed
        preferred = "websocket" if websocket else "request"
        name = preferred if preferred not in local else free_name(f"http_{preferred}", local)
        ops.on(fdef, _add_param(name, annotation))
        return name


def rewrite_use(
    ops: FileOps,
    parsed: ParsedFile,
    call: cst.Call,
    fdef: cst.FunctionDef,
    shared: str,
    texts_with: Callable[[str], Iterable[str]],
) -> str | None:
    """Make the code that used the per-request client use ``shared`` instead; returns why the
    rewrite is unsafe, if it is."""
    node: cst.CSTNode = call
    parent = parsed.parent(node)
    if isinstance(parent, cst.Await):
        node, parent = parent, parsed.parent(parent)
    if isinstance(parent, cst.WithItem) and parent.item is node:
        unwrap_with_item(ops, parsed, parent, shared)
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
        dotted_name(parent.targets[0].target)
        if isinstance(parent, cst.Assign)
        and parent.value is node
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Attribute)
        else None
    )
    if attribute is not None and attribute.split(".", 1)[0] in local_names(fdef):
        # ``request.state.redis = Redis(...)`` (middleware): the attribute takes the shared
        # client and its closes in this function go; unsafe when other code closes it too.
        why_not = f"`{attribute}` is closed in a way the fix does not rewrite"
        closed_here = _hold_shared(ops, fdef, node, attribute, shared, why_not)
        return _closed_elsewhere(attribute, closed_here, texts_with)
    if name is not None:
        _hold_shared(
            ops,
            fdef,
            node,
            name,
            shared,
            f"`{name}` is closed or used as a context manager in a way the fix does not rewrite",
        )
        return None
    if isinstance(parent, cst.Return) and parent.value is node:
        ops.on(node, _replace_expr(shared))
        return (
            "the function now returns the shared client, and code that closes what it returns "
            "would close the shared client"
        )
    raise CannotFix("the client is neither a `with` item, assigned, nor returned")


def _hold_shared(
    ops: FileOps, fdef: cst.FunctionDef, node: cst.CSTNode, holder: str, shared: str, why_not: str
) -> int:
    """``holder = <client>`` -> ``holder = <shared>`` and the closes of ``holder`` in ``fdef``
    removed (how many are returned); ``CannotFix(why_not)`` when it is closed another way."""
    closes = [s for s in walk_statements(fdef.body) if is_close_of(s, holder)]
    if _closing_uses(fdef, holder) > len(closes):
        raise CannotFix(why_not)
    ops.on(node, _replace_expr(shared))
    for statement in closes:
        ops.remove(statement)
    return len(closes)


def _closed_elsewhere(
    attribute: str, closed_here: int, texts_with: Callable[[str], Iterable[str]]
) -> str | None:
    """Why holding the shared client in ``attribute`` is unsafe: other code closes it too."""
    # Closes of the same attribute reached from another request object elsewhere
    # (``request.state.redis.aclose()``); the app's own ``app.state.redis`` is not it.
    owner, _, last = attribute.rpartition(".")
    holder = owner.rsplit(".", 1)[-1]
    pattern = re.compile(
        rf"(\w+)\.{re.escape(holder)}\.{re.escape(last)}\.(?:aclose|close|disconnect)\("
        rf"|with\s+(\w+)\.{re.escape(holder)}\.{re.escape(last)}\b"
    )
    elsewhere = -closed_here
    # (``.holder.last`` is in both alternatives: the texts without it need no pattern.)
    for text in texts_with(f".{holder}.{last}"):
        for match in pattern.finditer(text):
            if (match.group(1) or match.group(2)) != "app":
                elsewhere += 1
    if elsewhere > 0:
        return f"other code closes `.{last}` too; after the fix that would close the shared client"
    return None


def _closing_uses(fdef: cst.FunctionDef, name: str) -> int:
    """How many places close ``name`` or use it as a context manager."""
    count = 0

    class _Uses(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            nonlocal count
            base = dotted_name(node.value)
            if base == name and node.attr.value in CLOSE_NAMES:
                count += 1
            if base == f"{name}.connection_pool" and node.attr.value in CLOSE_NAMES:
                count += 1

        def visit_WithItem(self, node: cst.WithItem) -> None:
            nonlocal count
            if dotted_name(node.item) == name:
                count += 1

    fdef.body.visit(_Uses())
    return count


def unwrap_with_item(ops: FileOps, parsed: ParsedFile, item: cst.WithItem, value: str) -> None:
    """``with <client> as r:`` -> ``r = <value>`` and the block (the other items stay)."""
    with_node = parsed.parent(item)
    assert isinstance(with_node, cst.With)
    target = item.asname.name if item.asname is not None else None
    if target is not None and not isinstance(target, cst.Name):
        raise CannotFix("the `as` target is not a plain name")
    assign = parsed.statement(f"{target.value} = {value}\n") if target is not None else None
    drop_with_item(ops, with_node, item, assign)


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


def _flatten_with(assign: cst.BaseStatement | None) -> Replace:
    """``with X as r: BODY`` -> ``r = <shared>`` + BODY, dedented (LibCST re-indents)."""

    def change(node: cst.CSTNode) -> cst.FlattenSentinel[cst.CSTNode]:
        assert isinstance(node, cst.With)
        if isinstance(node.body, cst.IndentedBlock):
            body: list[cst.BaseStatement] = list(node.body.body)
        else:
            body = [cst.SimpleStatementLine(suite_statements(node.body))]
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
                leading_lines=[*node.leading_lines, *extra, *lines_above(body[0])]
            )
        return cst.FlattenSentinel([*statements, *body])

    return change


def _replace_expr(code: str) -> Replace:
    def change(node: cst.CSTNode) -> cst.CSTNode:
        return cst.parse_expression(code)

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


def _annotation_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value if isinstance(node.evaluated_value, str) else None
    return dotted_name(node)


def _yield_to_return(returns: str | None) -> Replace:
    """A dependency left as ``r = shared; yield r`` becomes ``return shared`` (no generator)."""

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.FunctionDef)
        if not isinstance(node.body, cst.IndentedBlock) or len(yields_in(node.body)) != 1:
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
            generic = (dotted_name(subscript.value) or "").rsplit(".", 1)[-1]
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
