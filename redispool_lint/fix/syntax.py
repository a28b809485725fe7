"""Questions about LibCST statements that every side of a fix asks.

Read-only helpers: which statements a block holds (without entering nested functions), where
the yields are, whether a statement closes a client. Builders that only one side uses live with
that side (``lifespan.py``, ``request_side.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from .cst_tools import dotted_name

#: Methods that close a client or a pool: a per-request close of the shared client must go.
CLOSE_NAMES = frozenset({"aclose", "close", "disconnect"})


def walk_statements(block: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """Every statement below a node, not entering nested functions or classes."""
    todo: list[cst.CSTNode] = [block]
    while todo:
        current = todo.pop(0)
        for child in current.children:
            if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(child, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                yield child
            todo.append(child)


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call below a node, nested functions included."""
    found: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(_Calls())
    return found


def yields_in(node: cst.CSTNode) -> list[cst.Yield]:
    """The yields of this function body (a nested function's yields are its own)."""
    found: list[cst.Yield] = []

    class _Yields(cst.CSTVisitor):
        def visit_FunctionDef(self, _: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, _: cst.Lambda) -> bool:
            return False

        def visit_Yield(self, y: cst.Yield) -> None:
            found.append(y)

    node.visit(_Yields())
    return found


def count_name(node: cst.CSTNode, name: str) -> int:
    """How often ``name`` appears below a node (keyword names included, attribute names not):
    a name seen more often than the fix accounts for is used in ways it does not rewrite."""
    count = 0

    class _Count(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)  # ``x.cache`` is not a use of ``cache``
            return False

        def visit_Name(self, n: cst.Name) -> None:
            nonlocal count
            if n.value == name:
                count += 1

    node.visit(_Count())
    return count


def lines_above(statement: cst.CSTNode) -> list[cst.EmptyLine]:
    """Comments and blank lines above a statement (simple or compound)."""
    return list(getattr(statement, "leading_lines", ()))


def suite_statements(suite: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    """The statements of a one-line suite (``with x: a; b``)."""
    body = suite.body
    return [s for s in body if isinstance(s, cst.BaseSmallStatement)]


def close_call(statement: cst.CSTNode) -> cst.Call | None:
    """The call of ``[await] X.aclose()/close()/disconnect()`` when that is the whole statement."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Expr):
        return None
    value = small.value
    if isinstance(value, cst.Await):
        value = value.expression
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in CLOSE_NAMES
    ):
        return value
    return None


def is_close_statement(statement: cst.CSTNode) -> bool:
    """``[await] X.aclose()`` (or ``close()``/``disconnect()``) as a statement of its own."""
    return close_call(statement) is not None


def is_close_of(statement: cst.CSTNode, receiver: str) -> bool:
    """A close statement of ``receiver`` or of its ``connection_pool``."""
    call = close_call(statement)
    if call is None:
        return False
    assert isinstance(call.func, cst.Attribute)
    written = dotted_name(call.func.value)
    return written is not None and written.removesuffix(".connection_pool") == receiver
