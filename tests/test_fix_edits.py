"""The fix machinery below the planner: imports added in the file's style, imports a rewrite
left unused removed, old/new text turned into edits that reproduce the new text exactly, and
the fix loop's choice of non-overlapping fixes."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from redispool_lint.diagnostics import Applicability, Edit, Finding, Fix, Position
from redispool_lint.fix import _choose, cst_tools
from redispool_lint.fix.cst_tools import (
    ParsedFile,
    _slice_statements,
    add_import,
    child_parents,
    drop_unused_imports,
    parse_module,
    text_edits,
    tidy_imports,
)
from redispool_lint.fix.edits import apply_edits, encode
from redispool_lint.layout import stdlib_from_files
from redispool_lint.lines import split_lines_keepends
from redispool_lint.source import SourceError, read_source, source_from_bytes

from .helpers import FIXTURES

FIRST_PARTY = frozenset({"app"})


def added(source: str, spec: tuple[str, str, str]) -> str:
    return add_import(cst.parse_module(source), spec, FIRST_PARTY).code


@pytest.mark.parametrize(
    ("source", "spec", "expected"),
    [
        # An existing `from m import ...` gains the name, sorted in.
        (
            "from fastapi import APIRouter, Depends\n\nx = 1\n",
            ("fastapi", "Request", ""),
            "from fastapi import APIRouter, Depends, Request\n\nx = 1\n",
        ),
        (
            "from fastapi import Depends, APIRouter\n",
            ("fastapi", "Request", ""),
            "from fastapi import Depends, APIRouter, Request\n",
        ),
        (
            "from fastapi import FastAPI, Request\n",
            ("fastapi", "Request", ""),
            "from fastapi import FastAPI, Request\n",
        ),
        # Parenthesised, one name a line: appended in the same style.
        (
            "from fastapi import (\n    APIRouter,\n    Depends,\n)\n",
            ("fastapi", "Request", ""),
            "from fastapi import (\n    APIRouter,\n    Depends,\n    Request,\n)\n",
        ),
        # A stdlib import goes to the stdlib section, before third-party code.
        (
            "from fastapi import FastAPI\n\nfrom app import routes\n",
            ("contextlib", "asynccontextmanager", ""),
            "from contextlib import asynccontextmanager\n\nfrom fastapi import FastAPI\n\n"
            "from app import routes\n",
        ),
        # Third party next to third party, sorted; `import x` lines before `from x` lines.
        (
            "import os\n\nfrom fastapi import FastAPI\n\nfrom app import routes\n",
            ("redis.asyncio", "", "redis"),
            "import os\n\nimport redis.asyncio as redis\nfrom fastapi import FastAPI\n\n"
            "from app import routes\n",
        ),
        # First party after the last first-party import.
        (
            "from fastapi import FastAPI\n\nfrom app import routes\n",
            ("app.settings", "REDIS_URL", ""),
            "from fastapi import FastAPI\n\nfrom app import routes\nfrom app.settings import "
            "REDIS_URL\n",
        ),
        # No imports at all: after the docstring.
        (
            '"""Doc."""\n\nx = 1\n',
            ("fastapi", "Request", ""),
            '"""Doc."""\n\nfrom fastapi import Request\n\nx = 1\n',
        ),
    ],
)
def test_add_import(source: str, spec: tuple[str, str, str], expected: str) -> None:
    assert added(source, spec) == expected


def test_add_import_keeps_crlf() -> None:
    source = "from fastapi import FastAPI\r\n\r\napp = FastAPI()\r\n"
    result = added(source, ("contextlib", "asynccontextmanager", ""))
    assert result == (
        "from contextlib import asynccontextmanager\r\n\r\nfrom fastapi import FastAPI\r\n"
        "\r\napp = FastAPI()\r\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # `Redis` was used, is not any more: it goes, its neighbour stays.
        (
            "from redis.asyncio import ConnectionPool, Redis\nx = Redis(ConnectionPool())\n",
            "from redis.asyncio import ConnectionPool, Redis\nx = ConnectionPool()\n",
            "from redis.asyncio import ConnectionPool\nx = ConnectionPool()\n",
        ),
        # A whole line goes, and the blank line that separated its section with it.
        (
            "import os\n\nimport redis\nx = redis.from_url(os.environ['U'])\n",
            "import os\n\nimport redis\nx = 1\n",
            "x = 1\n",
        ),
        # Never used before: not ours to remove. `redis` in `state.redis` is not a use.
        (
            "import json\nfrom redis import Redis\nr = Redis()\n",
            "import json\nfrom redis import Redis\nr = request.app.state.redis\n",
            "import json\nr = request.app.state.redis\n",
        ),
    ],
)
def test_drop_unused_imports(old: str, new: str, expected: str) -> None:
    assert drop_unused_imports(cst.parse_module(old), cst.parse_module(new)).code == expected


lines = st.lists(
    st.sampled_from(
        # (With old Mac line ends, and what ``str.splitlines`` takes for line ends and Python not.)
        ["a\n", "b\n", "\n", "    c = 1\n", "d\r\n", "é\n", "x", "e\r", "\x0c\n", "f\x0cg\x85\n"]
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(old=lines, new=lines)
def test_text_edits_reproduce_the_new_text(old: list[str], new: list[str]) -> None:
    before, after = "".join(old), "".join(new)
    edits = text_edits("f.py", before, after)
    assert apply_edits(before, edits) == after
    if before == after:
        assert edits == []


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_text_edits_name_the_parser_s_rows(newline: str) -> None:
    """Edits are read by people and tools (``--diff``, JSON): their rows are Python's."""
    old = "\x0c\nimport a\n\x0cdef f():\n    return 1\n".replace("\n", newline)
    new = old.replace("return 1", "return 2")
    row = next(n.lineno for n in ast.walk(ast.parse(old)) if isinstance(n, ast.Return))
    edits = text_edits("f.py", old, new)
    assert [(e.start.row, e.end.row) for e in edits] == [(row, row + 1)]
    assert apply_edits(old, edits) == new


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_fixed_text_is_written_with_the_file_s_line_ends(newline: str) -> None:
    source = source_from_bytes(Path("f.py"), "f.py", f"x = 1{newline}".encode())
    # (New code comes from LibCST and the planner with ``\n``.)
    fixed = f"x = 1{newline}y = 2\n"
    assert encode(source, fixed) == f"x = 1{newline}y = 2{newline}".encode()


def test_a_parsed_file_of_old_mac_line_ends() -> None:
    """Statement rows count ``\\r`` line ends, and the final one is kept (LibCST's own
    module drops it)."""
    text = "import a\r\r\rdef f():\r    return g(1)\r\r\rx = h(2)\r"
    parsed = ParsedFile(source_from_bytes(Path("f.py"), "f.py", text.encode()))
    assert parsed.code_of(parsed.module) == text
    for call in (n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)):
        node = parsed.find(cst.Call, call.lineno, call.col_offset)
        assert node is not None
        assert parsed.code(node) == ast.get_source_segment(text, call)
    old, new = "from redis import Redis\rx = Redis()\r", "from redis import Redis\rx = 1\r"
    assert tidy_imports(old, new) == "x = 1\r"


def test_a_parsed_file_with_form_feeds_before_code() -> None:
    """LibCST leaves out a form feed before code at column 0 (its code for the module drops
    it; its columns do not count it, Python's do): untouched statements keep their text, and
    nodes on those lines are found at Python's columns."""
    text = (
        "from redis import Redis\nimport a\n\f\n\fdef f(r=g(1)):\n    return h(2)\n\n"
        "\f@d(3)\n\fasync def k(x=m(4)):\n    pass\n\fx = n(5)\n"
    )
    parsed = ParsedFile(source_from_bytes(Path("f.py"), "f.py", text.encode()))
    assert parsed.module.code != text  # (what this works around)
    assert parsed.code_of(parsed.module) == text
    calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)]
    assert len(calls) == 5
    for call in calls:
        node = parsed.find(cst.Call, call.lineno, call.col_offset)
        assert node is not None, (call.lineno, call.col_offset)
        assert parsed.code(node) == ast.get_source_segment(text, call)
    assert parsed.function_at(8) is not None  # ``\fasync def k``
    # Removing an import the rewrite left unused keeps the other statements' form feeds.
    old = "from redis import Redis\n\fdef f():\n    return Redis()\n"
    assert tidy_imports(old, "from redis import Redis\n\fdef f():\n    return 1\n") == (
        "\fdef f():\n    return 1\n"
    )


def test_parents_are_libcsts_on_every_fixture_file() -> None:
    """``child_parents`` gives every node the parent LibCST's ``ParentNodeProvider`` does."""
    compared = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            module = parse_module(read_source(path, str(path)).text)
        except (SourceError, cst.ParserSyntaxError):
            continue
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        expected = dict(wrapper.resolve(ParentNodeProvider))
        assert dict(child_parents(module)) == expected, path
        compared += len(expected)
    assert compared > 10_000


def _finding(path: str, *edits: Edit) -> Finding:
    return Finding(
        "RPL001",
        "m",
        path,
        Position(1, 1),
        Position(1, 2),
        1,
        fix=Fix(Applicability.SAFE, "fix", tuple(edits)),
    )


def test_choose_shares_identical_edits_and_defers_overlaps() -> None:
    lifespan = Edit("main.py", Position(10, 1), Position(11, 1), "    app.state.redis = ...\n")
    first = _finding("a.py", lifespan, Edit("a.py", Position(3, 1), Position(5, 1), "x\n"))
    second = _finding("b.py", lifespan, Edit("b.py", Position(3, 1), Position(4, 1), "y\n"))
    clash = _finding("a.py", Edit("a.py", Position(4, 1), Position(6, 1), "z\n"))
    insertion = _finding("a.py", Edit("a.py", Position(3, 1), Position(3, 1), "w\n"))
    chosen = _choose([first, second, clash, insertion], unsafe=False, failures={})
    assert chosen == [first, second]


def test_choose_skips_unsafe_without_unsafe_fixes() -> None:
    unsafe = Finding(
        "RPL002",
        "m",
        "a.py",
        Position(1, 1),
        Position(1, 2),
        1,
        fix=Fix(Applicability.UNSAFE, "fix", (Edit("a.py", Position(1, 1), Position(2, 1), ""),)),
    )
    assert _choose([unsafe], unsafe=False, failures={}) == []
    assert _choose([unsafe], unsafe=True, failures={}) == [unsafe]


# ----- statement texts cut from the file (``cst_tools._slice_statements``) ---------------------

_SHAPES = [
    ("x = 1\n", True),
    ("x = 1", True),  # no final line end
    ("# header\n\n# leading\nx = 1\n\n\n# footer\n", True),
    ("a = 1; b = 2\nc = 3\n", True),
    ("@decorator\n@other(\n    1,\n)\ndef f():\n    return 1\n\n\nclass C:\n    pass\n", True),
    ("if x:\n    y = 1\n    # in the block\n# at column 0\nelse:\n    y = 2\nz = 3\n", True),
    ("def f():\n    pass\n    # the block's last comment\n\n\n# the next one's\ng = 1\n", True),
    ("x = (\n    1,\n)  # trailing\ny = '''\ntext\n'''\n", True),
    ("x = 1\r\ny = 2\r\n", True),
    ("x = 1\r\n\r\n# c\r\ny = 2\r\n", True),
    ("x = 1\ry = 2\r", True),
    ("x = 1\r\r# c\ry = 2\r", True),
    ('"""Docstring."""\n\nfrom __future__ import annotations\n\nimport os\n', True),
    # Form feeds (page breaks) before code at column 0, which LibCST leaves out.
    ("\x0cx = 1\n", True),
    (
        "import a\n\x0c\n\x0c@d\n\x0cdef f():\n    pass\n"
        "\x0cif x:\n    y = 1\n\x0celse:\n    y = 2\n",
        True,
    ),
    # Where the standard parser's positions do not show the first line: refused, generated.
    ("@(\n    deco\n)\nclass C:\n    pass\n", False),
    ("", False),
    ("# only a comment\n", False),
]


def _generated(module: cst.Module) -> tuple[str, dict[cst.CSTNode, str]]:
    header = "".join(module.code_for_node(line) for line in module.header)
    return header, {s: module.code_for_node(s) for s in module.body}


def _as_generated(
    sliced: tuple[str, dict[cst.CSTNode, str]],
) -> tuple[str, dict[cst.CSTNode, str]]:
    """Cut texts without the form feeds LibCST leaves out of its code: before code at the
    start of a line."""

    def strip(text: str) -> str:
        return "".join(
            line.lstrip("\f") if line.lstrip("\f")[:1] not in ("", "\n", "\r") else line
            for line in split_lines_keepends(text)
        )

    header, texts = sliced
    return strip(header), {node: strip(text) for node, text in texts.items()}


@pytest.mark.parametrize(("text", "cut"), _SHAPES)
def test_statement_texts_cut_from_the_file_equal_generated_ones(text: str, cut: bool) -> None:
    """Cut from the text where the standard parser says statements start, each top-level
    statement's text is what LibCST generates for it, but for the form feeds LibCST leaves out
    (or the cut is refused and the code is generated): fixes splice these texts into the files
    they rewrite."""
    module = parse_module(text)
    sliced = _slice_statements(module, text)
    assert (sliced is not None) is cut
    if sliced is not None:
        assert _as_generated(sliced) == _generated(module)
        header, texts = sliced
        # (The footer's comments follow; a last line without its line end gets one.)
        assert (text + "\n").startswith(header + "".join(texts[s] for s in module.body))


def test_statement_texts_of_every_fixture_file() -> None:
    cut = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            text = read_source(path, str(path)).text
            module = parse_module(text)
        except (SourceError, cst.ParserSyntaxError):
            continue
        sliced = _slice_statements(module, text)
        if sliced is None:
            assert not module.body, path
            continue
        assert _as_generated(sliced) == _generated(module), path
        cut += 1
    assert cut > 100


def test_an_added_import_joins_the_standard_library_section_without_its_names_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python 3.9 has no ``sys.stdlib_module_names``: the standard library's files tell its
    names (with only a handful known, ``json`` was third party, and ``contextlib`` went into a
    section of its own above it)."""
    found = stdlib_from_files()
    assert {"json", "logging", "contextlib", "asyncio", "sys", "dataclasses"} <= found
    assert "redis" not in found and "fastapi" not in found
    monkeypatch.setattr(cst_tools, "STDLIB_NAMES", found)
    source = "import json\nimport logging\n\nimport redis\nfrom fastapi import FastAPI\n"
    assert added(source, ("contextlib", "asynccontextmanager", "")) == (
        "import json\nimport logging\nfrom contextlib import asynccontextmanager\n\n"
        "import redis\nfrom fastapi import FastAPI\n"
    )
