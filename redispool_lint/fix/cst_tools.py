"""LibCST plumbing for the fix planner: parsed files, node lookup by position, one transformer.

A fix is planned as *operations* on the original syntax tree of each file it touches (replace a
node, remove a statement, insert statements before or after one, add an import). ``render``
applies them in one LibCST pass, so everything the operations do not touch keeps its exact text,
then turns the old and new text into line-range ``Edit`` objects: the fix loop, ``--diff`` and
the JSON output only ever see plain edits.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import libcst as cst
from libcst.metadata import (
    CodePosition,
    CodeRange,
    MetadataWrapper,
    PositionProvider,
)

from ..diagnostics import Edit, Position
from ..layout import STDLIB_NAMES
from ..lines import count_line_ends, line_starts, split_lines_keepends
from ..source import SourceFile, parse_text

NodeResult = Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]
Replace = Callable[[cst.CSTNode], NodeResult]


class CannotFix(Exception):
    """The planner met a shape it does not rewrite; the message says why (for notes and docs)."""


def parse_module(text: str) -> cst.Module:
    """``cst.parse_module``, with the final line end of a file of old Mac line ends kept: LibCST
    looks for a final ``\\n`` only, and its code for the module would drop the final ``\\r``."""
    module = cst.parse_module(text)
    if not module.has_trailing_newline and text.endswith("\r"):
        module = module.with_changes(has_trailing_newline=True)
    return module


class ParsedFile:
    """One source file parsed with LibCST, with positions and parents of its original nodes.

    Positions and parents cost LibCST several times the parse itself, so they are worked out
    one top-level statement at a time, when a node of that statement is first asked about: a
    fix to a 3,000-line app module pays for the few statements it looks into.
    """

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.module = parse_module(source.text)
        self._positions: dict[cst.CSTNode, CodeRange] = {}
        self._parents: dict[cst.CSTNode, cst.CSTNode] = {s: self.module for s in self.module.body}
        #: The first line of each top-level statement's text (its leading comments included),
        #: or None when the statements' texts do not add up to the file (then every statement
        #: is resolved at once).
        self._first_lines: list[int] | None = None
        self._resolved: set[int] = set()
        self._all_resolved = False
        self._names: set[str] | None = None
        self._starts: dict[tuple[int, int], list[cst.CSTNode]] = {}
        self._statement_texts: dict[cst.CSTNode, str] | None = None
        self._header_text = ""
        #: Top-level packages of the project (for placing imports in the right section).
        self.first_party: frozenset[str] = frozenset()

    # ----- positions and parents, resolved lazily ---------------------------------------------

    def position(self, node: cst.CSTNode) -> CodeRange:
        where = self._positions.get(node)
        if where is None:
            self._resolve_all()
            where = self._positions[node]
        return where

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        found = self._parents.get(node)
        if found is None and node is not self.module and not self._all_resolved:
            self._resolve_all()
            found = self._parents.get(node)
        return found

    def _statement_lines(self) -> list[int] | None:
        if self._first_lines is None:
            if self._statement_texts is None:
                self._statement_texts = self._split_statements()
            if self._statement_texts:
                line = count_line_ends(self._header_text) + 1
                self._first_lines = []
                for statement in self.module.body:
                    self._first_lines.append(line)
                    line += count_line_ends(self._statement_texts[statement])
        return self._first_lines

    def _resolve_row(self, row: int) -> None:
        """Resolve the top-level statement that holds line ``row``."""
        lines = self._statement_lines()
        if lines is None:
            self._resolve_all()
            return
        index = bisect.bisect_right(lines, row) - 1
        if index >= 0:
            self._resolve(index)

    def _resolve(self, index: int) -> None:
        if index in self._resolved or self._all_resolved:
            return
        statement = self.module.body[index]
        lines = self._statement_lines()
        offset = lines[index] - 1 if lines is not None else 0
        # The statement alone in a module of the same style: its nodes' positions there are the
        # real ones shifted by the lines above it (top-level statements start at column 0).
        alone = self.module.with_changes(header=(), body=(statement,), footer=())
        wrapper = MetadataWrapper(alone, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
        self._parents.update(child_parents(statement))
        shifts = self._form_feed_shifts(statement, offset + 1)
        for node, where in positions.items():
            if node is alone:
                continue
            if offset or shifts:
                start, end = where.start.line + offset, where.end.line + offset
                where = CodeRange(
                    CodePosition(start, where.start.column + shifts.get(start, 0)),
                    CodePosition(end, where.end.column + shifts.get(end, 0)),
                )
            self._positions[node] = where
            self._starts.setdefault((where.start.line, where.start.column), []).append(node)
        # (Only now: a statement too deeply nested for LibCST fails again when asked again.)
        self._resolved.add(index)

    def _form_feed_shifts(self, statement: cst.CSTNode, first_row: int) -> dict[int, int]:
        """The rows of a top-level statement whose line starts with form feeds that LibCST
        leaves out (before a line of code at column 0: ``\\fdef``, ``\\f@app.get``, ``\\felse:``),
        and how many: Python counts them as columns, LibCST's positions do not."""
        texts = self._statement_texts
        text = texts.get(statement) if texts else None
        if text is None or "\f" not in text:
            return {}
        original = split_lines_keepends(text)
        generated = split_lines_keepends(self.module.code_for_node(statement))
        if len(original) != len(generated):
            return {}
        shifts: dict[int, int] = {}
        for row, (mine, theirs) in enumerate(zip(original, generated), start=first_row):
            if mine != theirs:
                stripped = mine.lstrip("\f")
                if stripped != theirs:
                    return {}  # not the difference this accounts for
                shifts[row] = len(mine) - len(stripped)
        return shifts

    def _resolve_all(self) -> None:
        if self._all_resolved:
            return
        if self._statement_lines() is not None:
            for index in range(len(self.module.body)):
                self._resolve(index)
        else:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._parents.update(child_parents(self.module))
            self._starts = {}
            for node, where in wrapper.resolve(PositionProvider).items():
                self._positions[node] = where
                self._starts.setdefault((where.start.line, where.start.column), []).append(node)
        self._all_resolved = True

    def find(self, kind: type[cst.CSTNode], row: int, column: int) -> cst.CSTNode | None:
        """The outermost node of ``kind`` starting at (1-based row, 0-based column)."""
        self._resolve_row(row)
        found: cst.CSTNode | None = None
        for node in self._starts.get((row, column), ()):
            if isinstance(node, kind) and (found is None or self._contains(node, found)):
                found = node
        return found

    def find_ending(
        self, kind: type[cst.CSTNode], row: int, column: int, end_row: int, end_column: int
    ) -> cst.CSTNode | None:
        """The node of ``kind`` that starts and ends where a span of the project model does,
        else the outermost one starting there (``find``). A call on the result of a call starts
        where that call does (``from_url(u).get(k)``): only the end tells them apart."""
        self._resolve_row(row)
        for node in self._starts.get((row, column), ()):
            if isinstance(node, kind):
                end = self.position(node).end
                if (end.line, end.column) == (end_row, end_column):
                    return node
        return self.find(kind, row, column)

    def _contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        a, b = self.position(outer), self.position(inner)
        return (a.start.line, a.start.column) <= (b.start.line, b.start.column) and (
            a.end.line,
            a.end.column,
        ) >= (b.end.line, b.end.column)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        """The statement (simple line or compound) that contains a node."""
        for ancestor in [node, *self.ancestors(node)]:
            if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return ancestor
        return None

    def function_of(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
        return None

    def function_at(self, row: int) -> cst.FunctionDef | None:
        """The function whose ``def`` (or ``async def``) line is ``row``."""
        self._resolve_row(row)
        for (line, _), nodes in self._starts.items():
            if line == row:
                for node in nodes:
                    if isinstance(node, cst.FunctionDef):
                        return node
        return None

    @property
    def plain_imports(self) -> set[str]:
        """Modules imported whole at top level (``import redis.asyncio``): usable dotted."""
        found: set[str] = set()
        for statement in self.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Import):
                        found.update(
                            dotted_name(a.name) or "" for a in small.names if a.asname is None
                        )
        return found

    @property
    def names(self) -> set[str]:
        """Every identifier the module uses anywhere: a new name must avoid all of them."""
        if self._names is None:
            self._names = names_in(self.module)
        return self._names

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def code_of(self, module: cst.Module) -> str:
        """``module.code`` for a rewrite of this file's module, reusing the original text of
        the top-level statements the rewrite kept (by identity): a fix to a 3,000-line app
        module generates code for the statements it changed, not for the whole file."""
        if self._statement_texts is None:
            self._statement_texts = self._split_statements()
        same_header = len(module.header) == len(self.module.header) and all(
            mine is theirs for mine, theirs in zip(module.header, self.module.header)
        )
        if not self._statement_texts or not same_header or not module.body:
            return module.code
        known = self._statement_texts
        parts = [self._header_text]
        for statement in module.body:
            text = known.get(statement)
            parts.append(text if text is not None else module.code_for_node(statement))
        parts += [module.code_for_node(line) for line in module.footer]
        return _trailing_newline(module, "".join(parts))

    def _split_statements(self) -> dict[cst.CSTNode, str]:
        """The text of each original top-level statement; empty when the pieces do not add
        up to the file's text exactly (then ``code_of`` generates the whole module)."""
        sliced = _slice_statements(self.module, self.source.text)
        if sliced is not None:
            self._header_text, texts = sliced
            return texts
        return self._generate_statements()

    def _generate_statements(self) -> dict[cst.CSTNode, str]:
        """``_split_statements`` by generating each statement's code (LibCST's own account of
        where statements end, at the cost of generating the whole file)."""
        module = self.module
        self._header_text = "".join(module.code_for_node(line) for line in module.header)
        texts: dict[cst.CSTNode, str] = {s: module.code_for_node(s) for s in module.body}
        return texts if _adds_up(module, self._header_text, texts, self.source.text) else {}

    def statement(self, code: str) -> cst.BaseStatement:
        return cst.parse_statement(code, config=self.module.config_for_parsing)


def child_parents(root: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
    """Every node below ``root`` with its parent: what LibCST's ``ParentNodeProvider`` gives,
    without its batched-visitor machinery (which looks up its visitor methods on every use:
    about ten times the cost for one statement, and most of the cost of planning a fix)."""
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            yield child, node
            stack.append(child)


def _slice_statements(module: cst.Module, text: str) -> tuple[str, dict[cst.CSTNode, str]] | None:
    """The header's text and each top-level statement's, cut from the file's text where the
    standard parser says each statement's first line of code is (less the comment and blank
    lines LibCST gives the statement before it): generating the code of every statement of a
    large app module costs more than parsing it. None where a boundary cannot be confirmed
    (each must be a line at column 0 that is code, after exactly the statement's own comment
    and blank lines); then the code is generated."""
    try:
        body = parse_text(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    starts = line_starts(text)
    if starts[-1] == len(text):
        starts.pop()  # (no line after the final line end)
    lines = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)])]

    def blank_or_comment(row: int) -> bool:
        stripped = lines[row - 1].strip()
        return not stripped or stripped.startswith("#")

    firsts: list[int] = []
    position = 0
    for statement in module.body:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if position + count > len(body):
            return None
        node = body[position]
        position += count
        code = node.lineno
        decorated = isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and bool(
            statement.decorators
        )
        if decorated:
            decorators = getattr(node, "decorator_list", [])
            if not decorators:
                return None
            code = min(decorator.lineno for decorator in decorators)
        first = code - len(statement.leading_lines)
        if (
            not 1 <= first <= code <= len(lines)
            or (firsts and first <= firsts[-1])
            # (Form feeds before code at column 0 are whitespace Python counts as columns.)
            or lines[code - 1].lstrip("\f")[:1] in ("", " ", "\t", "#", "\r", "\n")
            or (decorated and not lines[code - 1].lstrip("\f").startswith("@"))
            or not all(blank_or_comment(row) for row in range(first, code))
        ):
            return None
        firsts.append(first)
    footer = len(lines) + 1 - len(module.footer)
    header_rows = len(module.header)
    if (
        position != len(body)
        or not firsts
        or firsts[0] != header_rows + 1
        or not all(blank_or_comment(row) for row in range(1, firsts[0]))
        or not all(blank_or_comment(row) for row in range(footer, len(lines) + 1))
        or footer <= firsts[-1]
    ):
        return None
    bounds = [starts[row - 1] for row in firsts]
    bounds.append(starts[footer - 1] if footer <= len(lines) else len(text))
    texts: dict[cst.CSTNode, str] = {
        statement: text[bounds[index] : bounds[index + 1]]
        for index, statement in enumerate(module.body)
    }
    last = module.body[-1]
    if not texts[last].endswith(("\n", "\r")):
        # A file without a final line end: LibCST's statement ends with one all the same
        # (``code_of`` takes it off the whole file again), and what is put after it needs it.
        texts[last] += module.default_newline
    # The ends as LibCST has them (a few lines).
    header = "".join(module.code_for_node(line) for line in module.header)
    return (header, texts) if _adds_up(module, header, texts, text) else None


def _adds_up(module: cst.Module, header: str, texts: dict[cst.CSTNode, str], text: str) -> bool:
    """Do the header, the statements' texts and the footer make the file's text, as
    ``code_of`` puts them together?"""
    footer = "".join(module.code_for_node(line) for line in module.footer)
    return _trailing_newline(module, header + "".join(texts.values()) + footer) == text


def _trailing_newline(module: cst.Module, text: str) -> str:
    # As ``Module.code`` does: a file that did not end with a newline does not gain one.
    if not module.has_trailing_newline and text.endswith(module.default_newline):
        return text[: -len(module.default_newline)]
    return text


class VariableVisitor(cst.CSTVisitor):
    """Visits the names used as variables: not attribute names (the ``redis`` of ``x.redis``)
    nor keyword names (``f(redis=...)``). Subclasses define ``visit_Name``."""

    def visit_Attribute(self, attribute: cst.Attribute) -> bool:
        attribute.value.visit(self)
        return False

    def visit_Arg(self, arg: cst.Arg) -> bool:
        arg.value.visit(self)
        return False


def names_in(node: cst.CSTNode) -> set[str]:
    """Identifiers used as variables below a node (not attribute or keyword names, not the
    dotted module paths of imports): what a new name must not shadow or be shadowed by."""
    found: set[str] = set()

    class _Names(VariableVisitor):
        def visit_ImportFrom(self, statement: cst.ImportFrom) -> bool:
            if not isinstance(statement.names, cst.ImportStar):
                for alias in statement.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    found.add(dotted_name(bound) or "")
            return False

        def visit_Import(self, statement: cst.Import) -> bool:
            for alias in statement.names:
                bound = alias.asname.name if alias.asname else alias.name
                found.add((dotted_name(bound) or "").split(".", 1)[0])
            return False

        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(_Names())
    return found


def free_name(preferred: str, taken: Iterable[str]) -> str:
    """``preferred`` unless taken, else ``preferred_2``, ``preferred_3``..."""
    used = set(taken)
    if preferred not in used:
        return preferred
    index = 2
    while f"{preferred}_{index}" in used:
        index += 1
    return f"{preferred}_{index}"


def dotted_name(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


# ----- operations ---------------------------------------------------------------------------


@dataclass
class FileOps:
    """What one fix does to one file, keyed by *original* nodes of its ParsedFile."""

    parsed: ParsedFile
    replace: dict[cst.CSTNode, list[Replace]] = field(default_factory=dict)
    before: dict[cst.CSTNode, list[cst.BaseStatement]] = field(default_factory=dict)
    after: dict[cst.CSTNode, list[cst.BaseStatement]] = field(default_factory=dict)
    #: Imports the rewrite needs (see ``ImportSpec``).
    imports: list[tuple[str, str, str]] = field(default_factory=list)

    def signature(self) -> Hashable:
        """Equal for two ``FileOps`` that hold the same operations (by identity)."""
        return (
            id(self.parsed),
            tuple((id(node), tuple(map(id, changes))) for node, changes in self.replace.items()),
            tuple((id(node), tuple(map(id, added))) for node, added in self.before.items()),
            tuple((id(node), tuple(map(id, added))) for node, added in self.after.items()),
            tuple(self.imports),
        )

    def on(self, node: cst.CSTNode, change: Replace) -> None:
        self.replace.setdefault(node, []).append(change)

    def remove(self, node: cst.CSTNode) -> None:
        self.on(node, lambda _: cst.RemovalSentinel.REMOVE)

    def merge(self, other: FileOps) -> None:
        for node, changes in other.replace.items():
            for change in changes:
                if change not in self.replace.get(node, []):
                    self.on(node, change)
        for mine, theirs in ((self.before, other.before), (self.after, other.after)):
            for node, statements in theirs.items():
                present = mine.setdefault(node, [])
                present += [s for s in statements if not any(s is p for p in present)]
        for item in other.imports:
            if item not in self.imports:
                self.imports.append(item)


class _Apply(cst.CSTTransformer):
    def __init__(self, ops: FileOps) -> None:
        super().__init__()
        self.ops = ops
        # Only the paths down to the nodes the operations touch are walked: every other
        # subtree is handed back as it is (a large module's untouched statements cost nothing,
        # and keep their identity, which ``render`` uses to reuse their text).
        self.on_path: set[cst.CSTNode] = set()
        for node in (*ops.replace, *ops.before, *ops.after):
            for ancestor in ops.parsed.ancestors(node):
                if ancestor in self.on_path:
                    break  # its own ancestors are in already
                self.on_path.add(ancestor)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node in self.on_path

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result: NodeResult = updated_node
        for change in self.ops.replace.get(original_node, ()):
            if not isinstance(result, cst.CSTNode):
                break
            result = change(result)
        # A block we emptied gets a ``pass``; a ``finally`` is left empty for its ``try`` to unwrap.
        if (
            isinstance(result, cst.IndentedBlock)
            and not result.body
            and not isinstance(self.ops.parsed.parent(original_node), cst.Finally)
        ):
            result = result.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        if isinstance(result, cst.Try):
            result = _unwrap_try(result)
        before = self.ops.before.get(original_node, [])
        after = self.ops.after.get(original_node, [])
        if not before and not after:
            return result
        middle: list[cst.CSTNode] = []
        if isinstance(result, cst.FlattenSentinel):
            middle = list(result.nodes)
        elif isinstance(result, cst.CSTNode):
            middle = [result]
        return cst.FlattenSentinel([*before, *middle, *after])


def _unwrap_try(node: cst.Try) -> NodeResult:
    """``try: BODY finally: <emptied>`` -> BODY; with ``except`` clauses, drop the finally."""
    final = node.finalbody
    if final is None or not isinstance(final.body, cst.IndentedBlock) or final.body.body:
        return node
    if node.handlers:
        return node.with_changes(finalbody=None)
    statements = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
    if not statements:
        return cst.SimpleStatementLine([cst.Pass()], leading_lines=node.leading_lines)
    first = statements[0]
    if isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        statements[0] = first.with_changes(
            leading_lines=[*node.leading_lines, *first.leading_lines]
        )
    return cst.FlattenSentinel(statements)


def render(ops: FileOps) -> str:
    """The file's new text: the operations applied, then the imports they need added."""
    module = ops.parsed.module.visit(_Apply(ops))
    for spec in ops.imports:
        module = add_import(module, spec, ops.parsed.first_party)
    return ops.parsed.code_of(module)


def tidy_imports(old: str, new: str) -> str:
    """``new`` without the ``from`` imports that ``old`` used and ``new`` no longer does.

    Run once on the final text of each fixed file: one fix alone cannot know whether another
    fix of the same file still uses a name.
    """
    try:
        parsed = ParsedFile(SourceFile(Path("<fixed>"), "<fixed>", new))
        tidied = drop_unused_imports(parse_module(old), parsed.module)
    except cst.ParserSyntaxError:
        return new
    # (Only the import statements it changed are generated: LibCST's code for a whole module
    # drops a form feed at the start of a top-level statement's line.)
    return new if tidied is parsed.module else parsed.code_of(tidied)


def _reference_counts(module: cst.Module) -> dict[str, int]:
    counts: dict[str, int] = {}

    # ``request.app.state.redis`` does not use a module named ``redis``: variables only.
    class _Count(VariableVisitor):
        def visit_Import(self, _: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, _: cst.ImportFrom) -> bool:
            return False

        def visit_Name(self, name: cst.Name) -> None:
            counts[name.value] = counts.get(name.value, 0) + 1

    module.visit(_Count())
    return counts


def drop_unused_imports(original: cst.Module, module: cst.Module) -> cst.Module:
    """Remove top-level ``from x import y`` names the rewrite made unused."""
    before, after = _reference_counts(original), _reference_counts(module)
    gone = {name for name, count in before.items() if count and not after.get(name)}
    if not gone:
        return module
    body: list[cst.BaseStatement] = []
    #: Comments and blank lines of a dropped import, handed on to the next statement.
    pending: list[cst.EmptyLine] | None = None
    for statement in module.body:
        if pending is not None:
            lines = list(getattr(statement, "leading_lines", ()))
            if not body or (pending and pending[-1].comment is None):
                while lines and lines[0].comment is None:
                    lines.pop(0)
            moved = [*pending, *lines]
            if len(moved) != len(statement.leading_lines) or any(
                a is not b for a, b in zip(moved, statement.leading_lines)
            ):
                # (A statement left as it was keeps its text: ``ParsedFile.code_of``.)
                statement = statement.with_changes(leading_lines=moved)
            pending = None
        small = (
            statement.body[0]
            if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            else None
        )
        if isinstance(small, cst.Import):
            kept_plain = [
                alias
                for alias in small.names
                if (
                    dotted_name(alias.asname.name)
                    if alias.asname
                    else (dotted_name(alias.name) or "").split(".", 1)[0]
                )
                not in gone
            ]
            if len(kept_plain) == len(small.names):
                body.append(statement)
            elif kept_plain:
                kept_plain[-1] = kept_plain[-1].with_changes(comma=small.names[-1].comma)
                body.append(statement.with_changes(body=[small.with_changes(names=kept_plain)]))
            else:
                pending = list(statement.leading_lines)
            continue
        if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
            body.append(statement)
            continue
        kept = [
            alias
            for alias in small.names
            if (dotted_name(alias.asname.name) if alias.asname else dotted_name(alias.name))
            not in gone
        ]
        if len(kept) == len(small.names):
            body.append(statement)
        elif kept:
            last_comma = small.names[-1].comma
            kept[-1] = kept[-1].with_changes(comma=last_comma)
            body.append(statement.with_changes(body=[small.with_changes(names=kept)]))
        else:
            pending = list(statement.leading_lines)
    return module.with_changes(body=body)


def text_edits(path: str, old: str, new: str) -> list[Edit]:
    """Line-range edits turning ``old`` into ``new`` (small, readable hunks)."""
    # (Rows as Python counts them: ``apply_edits`` and every reader of the edits do.)
    before = split_lines_keepends(old)
    after = split_lines_keepends(new)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(Edit(path, Position(i1 + 1, 1), Position(i2 + 1, 1), "".join(after[j1:j2])))
    return edits


# ----- imports ------------------------------------------------------------------------------


def _top_module(statement: cst.BaseStatement) -> str | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom):
        if small.relative:
            return "."
        return dotted_name(small.module) if small.module is not None else None
    if isinstance(small, cst.Import):
        return dotted_name(small.names[0].name)
    return None


def _section(module: str, first_party: frozenset[str]) -> int:
    """The import section an added import joins (``json`` is the standard library's, not
    third party)."""
    if module == "__future__":
        return 0
    if module == ".":
        return 4
    root = module.split(".", 1)[0]
    if root in first_party:
        return 3
    return 1 if root in STDLIB_NAMES else 2


#: ``(module, name, asname)``: ``from module import name [as asname]``, or with ``name`` empty
#: ``import module [as asname]``; ``asname`` empty when there is none.
ImportSpec = tuple[str, str, str]


def import_code(spec: ImportSpec) -> str:
    module, name, asname = spec
    alias = f" as {asname}" if asname else ""
    return f"from {module} import {name}{alias}" if name else f"import {module}{alias}"


def binds(module: cst.Module, spec: ImportSpec) -> bool:
    """True when a top-level import statement already binds what ``spec`` binds."""
    wanted = import_code(spec)
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        small = statement.body[0]
        if isinstance(small, cst.Import) and not spec[1]:
            for alias in small.names:
                asname = dotted_name(alias.asname.name) if alias.asname else ""
                if import_code((dotted_name(alias.name) or "", "", asname or "")) == wanted:
                    return True
        if (
            isinstance(small, cst.ImportFrom)
            and spec[1]
            and not small.relative
            and small.module is not None
            and dotted_name(small.module) == spec[0]
            and not isinstance(small.names, cst.ImportStar)
        ):
            for alias in small.names:
                asname = dotted_name(alias.asname.name) if alias.asname else ""
                if (dotted_name(alias.name), asname or "") == (spec[1], spec[2]):
                    return True
    return False


def add_import(
    module: cst.Module, spec: ImportSpec, first_party: frozenset[str] = frozenset()
) -> cst.Module:
    """Add an import once, in the file's style, next to its imports.

    An existing ``from module import ...`` gains the name (sorted in when the list is);
    otherwise a new line goes in the section it belongs to (stdlib, third party, first party),
    sorted in when that section is sorted, or starts that section.
    """
    if binds(module, spec):
        return module
    module_name, name, asname = spec
    body = list(module.body)
    if name and not asname:
        for index, statement in enumerate(body):
            if _top_module(statement) != module_name:
                continue
            assert isinstance(statement, cst.SimpleStatementLine)
            small = statement.body[0]
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                body[index] = statement.with_changes(body=[_extend_from(small, name)])
                return module.with_changes(body=body)
    new_line = cst.parse_statement(import_code(spec) + "\n", config=module.config_for_parsing)
    section = _section(module_name, first_party)
    imports = [(i, m) for i, m in ((i, _top_module(s)) for i, s in enumerate(body)) if m]
    if not imports:
        position = _after_docstring(body)
        if position < len(body):
            # The new line takes the blank lines above what follows; one blank line separates
            # the imports from the code, as isort does.
            following = body[position]
            new_line = new_line.with_changes(leading_lines=following.leading_lines)
            body[position] = following.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(position, new_line)
        return module.with_changes(body=body)
    same = [i for i, m in imports if _section(m, first_party) == section]
    if same:
        # isort/ruff order: ``import x`` lines before ``from x import y`` lines, by module.
        keys = [_sort_key(body[i]) for i in same]
        mine = (bool(name), module_name)
        position = same[-1] + 1
        if keys == sorted(keys):
            for i, existing in zip(same, keys):
                if existing > mine:
                    position = i
                    break
        if position == same[0]:
            first = body[position]
            new_line = new_line.with_changes(leading_lines=first.leading_lines)
            body[position] = first.with_changes(leading_lines=[])
        body.insert(position, new_line)
        return module.with_changes(body=body)
    later = [i for i, m in imports if _section(m, first_party) > section]
    if later:
        position = later[0]
        first = body[position]
        body[position] = first.with_changes(leading_lines=[cst.EmptyLine()])
        body.insert(position, new_line.with_changes(leading_lines=first.leading_lines))
        return module.with_changes(body=body)
    position = imports[-1][0] + 1
    body.insert(position, new_line.with_changes(leading_lines=[cst.EmptyLine()]))
    return module.with_changes(body=body)


def _sort_key(statement: cst.BaseStatement) -> tuple[bool, str]:
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    return isinstance(small, cst.ImportFrom), _top_module(statement) or ""


def _after_docstring(body: Sequence[cst.BaseStatement]) -> int:
    if body and isinstance(body[0], cst.SimpleStatementLine):
        small = body[0].body[0]
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
            return 1
    return 0


def _extend_from(node: cst.ImportFrom, name: str) -> cst.ImportFrom:
    assert not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    new = cst.ImportAlias(name=cst.Name(name))
    multiline = any(
        isinstance(a.comma, cst.Comma)
        and isinstance(a.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for a in aliases
    )
    if multiline:
        # One name a line: the new name goes last; the old last takes the separator (newline
        # and indent) the others use, and a trailing comma moves to the new name.
        last = aliases[-1]
        separator = aliases[-2].comma if len(aliases) > 1 else cst.MaybeSentinel.DEFAULT
        if not isinstance(separator, cst.Comma):
            after = node.lpar.whitespace_after if node.lpar else cst.SimpleWhitespace(" ")
            separator = cst.Comma(whitespace_after=after)
        if isinstance(last.comma, cst.Comma):
            new = new.with_changes(comma=last.comma)
        aliases[-1] = last.with_changes(comma=separator)
        return node.with_changes(names=[*aliases, new])
    trailing = isinstance(aliases[-1].comma, cst.Comma)
    names = [dotted_name(a.name) or "" for a in aliases]
    position = len(aliases)
    if names == sorted(names):
        position = next((i for i, n in enumerate(names) if n > name), len(aliases))
    aliases.insert(position, new)
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    rebuilt = [a.with_changes(comma=comma) for a in aliases[:-1]]
    last_comma = cst.Comma() if trailing else cst.MaybeSentinel.DEFAULT
    rebuilt.append(aliases[-1].with_changes(comma=last_comma))
    return node.with_changes(names=rebuilt)
