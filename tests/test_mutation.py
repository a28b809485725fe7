"""Vary what must not matter, on every fixture project: the findings stay the same.

Comments, blank lines, parentheses, line continuations, redundant import aliases, CRLF and
old Mac (CR) line endings, form feeds, tabs for indentation, an encoding cookie. Rows may move (a
blank line, a cookie), so a finding is compared by file, rule and message with line numbers taken
out; the number of each stays the same. ``--fix`` on the mutated project rewrites the same files
as on the original, writes code that parses, and a second ``--fix`` changes nothing (it
converges).
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import tokenize
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from redispool_lint.config import Settings, find_config, load_config
from redispool_lint.engine import LintResult, lint
from redispool_lint.fix import fix_project

from .helpers import FIXTURES

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())
_ROW = re.compile(r"(\.py):\d+")


def _comments(text: str) -> str:
    """A comment at the end of every logical line and a comment line before each statement."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    ends = {t.start[0] for t in tokens if t.type == tokenize.NEWLINE}
    has_comment = {t.start[0] for t in tokens if t.type == tokenize.COMMENT}
    lines = text.splitlines(keepends=True)
    out = []
    for row, line in enumerate(lines, start=1):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if row in ends and row not in has_comment and not body.rstrip().endswith("\\"):
            body += "  # a comment"
        out.append(body + ending)
    return "".join(out)


def _blank_lines(text: str) -> str:
    """A blank line after every statement that ends a line at the top level."""
    tree = ast.parse(text)
    ends = {node.end_lineno for node in tree.body}
    lines = text.splitlines(keepends=True)
    return "".join(line + ("\n" if row in ends else "") for row, line in enumerate(lines, 1))


def _single_line_assignments(text: str) -> list[ast.Assign]:
    return [
        node
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Assign)
        and node.lineno == node.end_lineno
        and node.value.lineno == node.value.end_lineno
    ]


def _edit_values(text: str, wrap: Callable[[str, str], str]) -> str:
    """Rewrite the value of every single-line assignment (ASCII fixtures: byte = char offsets)."""
    lines = text.splitlines(keepends=True)
    for node in sorted(_single_line_assignments(text), key=lambda n: -n.lineno):
        line = lines[node.lineno - 1]
        start, end = node.value.col_offset, node.value.end_col_offset or 0
        indent = line[: len(line) - len(line.lstrip())]
        lines[node.lineno - 1] = line[:start] + wrap(line[start:end], indent) + line[end:]
    return "".join(lines)


def _parentheses(text: str) -> str:
    return _edit_values(text, lambda value, indent: f"(({value}))")


def _continuations(text: str) -> str:
    return _edit_values(text, lambda value, indent: f"\\\n{indent}    {value}")


def _aliases(text: str) -> str:
    """``from x import A`` -> ``from x import A as A`` (the same binding)."""
    lines = text.splitlines(keepends=True)
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.ImportFrom) or node.lineno != node.end_lineno:
            continue
        line = lines[node.lineno - 1]
        rest = line[node.end_col_offset :]
        names = ", ".join(f"{a.name} as {a.asname or a.name}" for a in node.names)
        if any(a.name == "*" for a in node.names):
            continue
        module = "." * node.level + (node.module or "")
        lines[node.lineno - 1] = line[: node.col_offset] + f"from {module} import {names}" + rest
    return "".join(lines)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _old_mac(text: str) -> str:
    """CR line endings: Python's tokenizer ends lines there too (``str.split("\\n")`` does not)."""
    return text.replace("\r\n", "\n").replace("\n", "\r")


def _form_feeds(text: str) -> str:
    """A form feed (a page break, as in older code) on a line before every top-level statement,
    and at the start of the line of every function definition: not line ends for Python, which
    ``str.splitlines`` splits at."""
    tree = ast.parse(text)
    starts = {node.lineno for node in tree.body}
    functions = {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.decorator_list
    }
    out = []
    for row, line in enumerate(text.splitlines(keepends=True), start=1):
        if row in starts:
            out.append("\f\n")
        out.append("\f" + line if row in functions and not line[:1].isspace() else line)
    return "".join(out)


def _tabs(text: str) -> str:
    """Indentation in tabs (every leading group of four spaces)."""
    out = []
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip(" ")
        count = len(line) - len(stripped)
        out.append("\t" * (count // 4) + " " * (count % 4) + stripped)
    return "".join(out)


def _cookie(text: str) -> str:
    return "# -*- coding: utf-8 -*-\n" + text


MUTATIONS: dict[str, Callable[[str], str]] = {
    "comments": _comments,
    "blank_lines": _blank_lines,
    "parentheses": _parentheses,
    "continuations": _continuations,
    "aliases": _aliases,
    "crlf": _crlf,
    "old_mac": _old_mac,
    "form_feeds": _form_feeds,
    "tabs": _tabs,
    "cookie": _cookie,
}


def _settings(folder: Path) -> Settings:
    config = find_config(folder)
    return load_config(config) if config and config.parent == folder else Settings()


def _summary(result: LintResult) -> Counter[tuple[str, str, str]]:
    return Counter(
        (Path(f.path).as_posix(), f.code, _ROW.sub(r"\1:N", f.message)) for f in result.findings
    )


def _mutate(folder: Path, target: Path, mutation: Callable[[str], str]) -> None:
    shutil.copytree(folder, target)
    for path in sorted(target.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            mutated = mutation(text)
        except SyntaxError:
            continue  # a fixture that does not parse on purpose stays as it is
        path.write_bytes(mutated.encode("utf-8"))


@pytest.mark.parametrize("mutation", sorted(MUTATIONS), ids=str)
@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_findings_survive(folder: Path, mutation: str, tmp_path: Path) -> None:
    settings = _settings(folder)
    original = lint([folder], settings, root=folder, cwd=folder)
    target = tmp_path / folder.name
    _mutate(folder, target, MUTATIONS[mutation])
    for path in target.rglob("*.py"):
        if (folder / path.relative_to(target)).read_text(encoding="utf-8") != path.read_text(
            encoding="utf-8"
        ):
            break
    else:
        if mutation not in ("crlf", "old_mac"):
            pytest.skip("the mutation changes nothing in this fixture")
    mutated = lint([target], settings, root=target, cwd=target)
    assert _summary(mutated) == _summary(original)
    assert mutated.errors == original.errors == []


# Fixing is slower than linting: each project gets one of these mutations, in turn.
_FIX_MUTATIONS = ["comments", "crlf", "old_mac", "form_feeds", "tabs", "cookie", "aliases"]


@pytest.mark.parametrize(
    ("folder", "mutation"),
    [(p, _FIX_MUTATIONS[i % len(_FIX_MUTATIONS)]) for i, p in enumerate(PROJECTS)],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_fix_output_parses_and_converges(folder: Path, mutation: str, tmp_path: Path) -> None:
    settings = _settings(folder)
    # (A copy: this repository's own settings exclude its fixtures.)
    unchanged = tmp_path / "unchanged" / folder.name
    shutil.copytree(folder, unchanged)
    original = fix_project([unchanged], settings, unsafe=True, cwd=unchanged)
    target = tmp_path / folder.name
    _mutate(folder, target, MUTATIONS[mutation])
    first = fix_project([target], settings, unsafe=True, cwd=target)
    assert sorted(first.changes) == sorted(original.changes)
    for _display, (source, text) in first.changes.items():
        ast.parse(text, str(source.path))
        source.path.write_bytes(text.encode(source.encoding))
    second = fix_project([target], settings, unsafe=True, cwd=target)
    assert second.changes == {}, sorted(second.changes)
