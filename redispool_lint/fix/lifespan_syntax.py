"""LibCST builders for the lifespan side: find the lifespan's ``yield``, write the shared
client's assignment and close, move ``on_event`` bodies, add ``lifespan=`` and state-dict keys.

Generated code follows the file's style (its indent and newline) and black's line width, so a
fixed project stays formatted.
"""

from __future__ import annotations

from typing import TypeVar

import libcst as cst

from ..redis_api import Flavor
from .cst_tools import CannotFix, FileOps, ParsedFile, Replace
from .syntax import is_close_of, lines_above, suite_statements, walk_statements, yields_in

#: Generated lines longer than this are wrapped (black's and ruff's default width).
LINE_LENGTH = 88


def find_single_yield(
    fdef: cst.FunctionDef,
) -> tuple[cst.SimpleStatementLine, cst.BaseExpression | None]:
    """The lifespan's ``yield`` statement and what it yields: the client goes before it, its
    close after it."""
    yields = yields_in(fdef.body)
    if len(yields) != 1:
        raise CannotFix("the lifespan does not have exactly one `yield`")
    for statement in walk_statements(fdef.body):
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and statement.body[0].value is yields[0]
        ):
            value = yields[0].value
            if isinstance(value, cst.From):
                raise CannotFix("the lifespan uses `yield from`")
            return statement, value
    raise CannotFix("the lifespan's `yield` is not a statement of its own")


def dict_key(element: cst.BaseDictElement) -> str | None:
    """The key of a ``{"key": value}`` element when it is a plain string."""
    if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
        value = element.key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def dict_value_code(node: cst.Dict, key: str) -> str:
    """The variable a yielded state dict holds under ``key`` (the pool the client is made over)."""
    for element in node.elements:
        if dict_key(element) == key and isinstance(element, cst.DictElement):
            if not isinstance(element.value, cst.Name):
                raise CannotFix(f"the lifespan state's `{key}` is not a plain variable")
            return element.value.value
    raise CannotFix(f"the lifespan state has no `{key}`")


def indent_of(parsed: ParsedFile, statement: cst.CSTNode) -> str:
    """The indentation of the line a statement starts on."""
    line = parsed.source.line(parsed.position(statement).start.line)
    return line[: len(line) - len(line.lstrip())]


def assignment(parsed: ParsedFile, target: str, value: str, indent: str) -> cst.BaseStatement:
    """``target = value``; a long call is wrapped one argument per line, like black does."""
    newline = parsed.module.default_newline
    code = f"{target} = {value}"
    expr = cst.parse_expression(value)
    if len(indent) + len(code) <= LINE_LENGTH or not isinstance(expr, cst.Call) or not expr.args:
        return parsed.statement(code + newline)
    # Continuation lines are written relative to the block: LibCST adds the block's indent.
    inner = parsed.module.default_indent
    empty = cst.Module([])
    args = [empty.code_for_node(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in expr.args]
    if len(indent + inner) + len(", ".join(args)) <= LINE_LENGTH:
        lines = [inner + ", ".join(args)]
    else:
        lines = [f"{inner}{a}," for a in args]
    body = newline.join(lines)
    return parsed.statement(
        f"{target} = {empty.code_for_node(expr.func)}({newline}{body}{newline}){newline}"
    )


def close_code(flavor: Flavor, client: str) -> str:
    """The shutdown statement that closes the shared client."""
    return f"await {client}.aclose()\n" if flavor is Flavor.ASYNC else f"{client}.close()\n"


def closing_statements(
    parsed: ParsedFile, fdef: cst.FunctionDef, receiver: str, *, after: cst.CSTNode
) -> list[cst.CSTNode]:
    start = parsed.position(after).start.line
    return [
        s
        for s in walk_statements(fdef.body)
        if parsed.position(s).start.line > start and is_close_of(s, receiver)
    ]


def creation_place(parsed: ParsedFile, yield_line: cst.CSTNode) -> cst.CSTNode:
    """The statement the shared client is made before: the ``yield``; the ``try`` itself when
    the ``yield`` opens a ``try`` whose ``finally`` closes things (``place_close`` puts the
    client's close there: made inside the ``try``, a failure before it would leave that close
    an ``AttributeError`` hiding the failure)."""
    block = parsed.parent(yield_line)
    owner = parsed.parent(block) if block is not None else None
    if (
        isinstance(owner, cst.Try)
        and owner.finalbody is not None
        and isinstance(block, cst.IndentedBlock)
        and block.body
        and block.body[0] is yield_line
    ):
        return owner
    return yield_line


def place_close(
    ops: FileOps, parsed: ParsedFile, yield_line: cst.CSTNode, close: cst.BaseStatement
) -> None:
    """After the yield; at the end of the ``finally`` when the yield is inside a ``try``."""
    block = parsed.parent(yield_line)
    owner = parsed.parent(block) if block is not None else None
    if isinstance(owner, cst.Try) and owner.finalbody is not None:
        final_block = owner.finalbody.body
        ops.on(final_block, lambda b: b.with_changes(body=[*b.body, close]))  # type: ignore[attr-defined]
        return
    ops.after.setdefault(yield_line, []).append(close)


def body_without_docstring(fdef: cst.FunctionDef) -> list[cst.BaseStatement]:
    """The statements of an ``on_event`` handler that move into the new lifespan."""
    if not isinstance(fdef.body, cst.IndentedBlock):
        return [cst.SimpleStatementLine(suite_statements(fdef.body))]
    body = list(fdef.body.body)
    if body and isinstance(body[0], cst.SimpleStatementLine):
        small = body[0].body[0]
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
            body = body[1:]
    return [s for s in body if not _is_pass(s)]


def _is_pass(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Pass)
    )


def has_return_or_yield(fdef: cst.FunctionDef) -> bool:
    """A ``return`` or ``yield`` would mean something else once the body is in the lifespan."""
    found = bool(yields_in(fdef.body))

    class _Returns(cst.CSTVisitor):
        def visit_FunctionDef(self, _: cst.FunctionDef) -> bool:
            return False

        def visit_Return(self, _: cst.Return) -> None:
            nonlocal found
            found = True

    fdef.body.visit(_Returns())
    return found


def keep_only_comments(statement: cst.BaseStatement) -> cst.BaseStatement:
    """The statement without the blank lines above it (its comments stay)."""
    comments = [line for line in lines_above(statement) if line.comment is not None]
    return statement.with_changes(leading_lines=comments)


def replace_statement(new: cst.BaseStatement) -> Replace:
    """Replace a statement by ``new``, keeping the comments and blank lines above it."""

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        return new.with_changes(leading_lines=node.leading_lines)

    return change


def add_keyword(keyword: str, value: str) -> Replace:
    """``App(...)`` -> ``App(..., lifespan=lifespan)``."""

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        new = cst.Arg(
            value=cst.Name(value),
            keyword=cst.Name(keyword),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        args = _append(list(node.args), new, node.whitespace_before_args)
        return node.with_changes(args=args)

    return change


def add_dict_entry(key: str, value: str) -> Replace:
    """``{...}`` -> ``{..., "key": value}`` (the lifespan's state dict)."""

    def change(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Dict)
        new = cst.DictElement(cst.SimpleString(f'"{key}"'), cst.Name(value))
        elements = _append(list(node.elements), new, node.lbrace.whitespace_after)
        return node.with_changes(elements=elements)

    return change


_Element = TypeVar("_Element", cst.Arg, cst.BaseDictElement)


def _append(
    elements: list[_Element], new: _Element, first_whitespace: cst.BaseParenthesizableWhitespace
) -> list[_Element]:
    """Append ``new`` to ``elements`` (a copy), in the layout the list has: one element a line
    (the last one has a trailing comma) or all on one line."""
    if elements:
        last = elements[-1]
        if isinstance(last.comma, cst.Comma):
            # Multi-line: the new element takes the trailing comma; the old last one takes the
            # newline and indent that open the list.
            new = new.with_changes(comma=last.comma)
            elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=first_whitespace))
        else:
            elements[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
    elements.append(new)
    return elements
