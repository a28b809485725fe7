"""Fixes that need no lifespan: RPL005 (the shared client closed per request) and RPL008
(``close()`` on an asyncio client).
"""

from __future__ import annotations

import libcst as cst

from .. import redis_api
from ..diagnostics import Applicability, Finding
from ..project.objects import split_method
from .context import FixContext, Rewrite
from .cst_tools import CannotFix, FileOps
from .request_side import unwrap_with_item
from .syntax import is_close_statement


class CloseRewriter:
    """Plans RPL005 and RPL008 fixes: one file, one statement each."""

    def __init__(self, ctx: FixContext) -> None:
        self.ctx = ctx

    def drop_close(self, finding: Finding) -> Rewrite:
        """RPL005: ``async with <shared>`` loses the ``with``; ``await <shared>.aclose()`` goes."""
        module = self.ctx.modules_by_path.get(finding.path)
        if module is None:
            raise CannotFix("module not found")
        parsed = self.ctx.file(module.path)
        row, column = finding.start.row, finding.start.column - 1
        ops = FileOps(parsed)
        node = parsed.find(cst.BaseExpression, row, column)  # type: ignore[type-abstract]
        if node is None:
            raise CannotFix("the expression was not found")
        fdef = parsed.function_of(node)
        item = next((a for a in parsed.ancestors(node) if isinstance(a, cst.WithItem)), None)
        if item is not None and item.item is node:
            unwrap_with_item(ops, parsed, item, parsed.code(node))
            message = "Use the shared client without `async with`"
        else:
            statement = parsed.statement_of(node)
            if not isinstance(statement, cst.SimpleStatementLine) or not is_close_statement(
                statement
            ):
                raise CannotFix("the close is not a statement of its own")
            ops.remove(statement)
            message = "Remove the close: the lifespan closes the shared client at shutdown"
        if fdef is None:
            raise CannotFix("not inside a function")
        return Rewrite(Applicability.SAFE, message, [ops])

    def use_aclose(self, finding: Finding) -> Rewrite:
        """RPL008: ``close()`` -> ``aclose()``, awaited (aioredis 2.x: ``close()``, awaited)."""
        module, function, call = self.ctx.locate(finding)
        parsed = self.ctx.file(module.path)
        node = self.ctx.call_node(parsed, call)
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "close":
            raise CannotFix("not a `.close()` call")
        objects = self.ctx.objects
        held = split_method(call.callee)[0]
        getter = objects.unawaited_getter(held, call, function)
        if getter is not None:
            # ``get_client().close()`` with ``async def get_client``: the receiver is a
            # coroutine, and ``await get_client().aclose()`` would fail the same way.
            raise CannotFix(f"`{getter.name}()` is a coroutine here: await it first")
        ops = FileOps(parsed)
        # aioredis 2.x has no `aclose()`: its `close()` is the coroutine, and only wants `await`.
        constructor = objects.kind_of(held, function)
        name = "close" if constructor and not redis_api.has_aclose(constructor) else "aclose"
        if name == "aclose":
            ops.on(node.func, lambda n: n.with_changes(attr=cst.Name("aclose")))
        parent = parsed.parent(node)
        if not call.awaited:
            if not function.is_async or not isinstance(parent, cst.Expr):
                raise CannotFix("`close()` is not awaited and cannot be (not in an `async def`)")
            ops.on(node, lambda n: cst.Await(n))  # type: ignore[arg-type]
        message = f"Use `{name}()`" if call.awaited else f"Use `await ...{name}()`"
        return Rewrite(Applicability.SAFE, message, [ops])
