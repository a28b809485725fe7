"""Reading source bytes: the quick decodability check agrees with the full decode; lines, rows
and offsets are Python's (``redispool_lint.lines``)."""

from __future__ import annotations

import ast
import sys
import tokenize
import warnings
from pathlib import Path

import pytest

from redispool_lint.lines import (
    NOT_LINE_ENDS,
    count_line_ends,
    line_starts,
    newline_of,
    readline,
    split_lines,
    split_lines_keepends,
)
from redispool_lint.source import (
    ParseFailure,
    SourceError,
    SourceFile,
    check_decodes,
    decode,
    parse,
    source_from_bytes,
)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"x = 1\n",
        b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
        b"#!/usr/bin/env python\n# coding: utf-8\nx = 1\n",
        # An unknown codec in a cookie of an otherwise ASCII file.
        b"# -*- coding: no-such-codec -*-\nx = 1\n",
        b"#!/usr/bin/env python\n# vim: set fileencoding=no-such-codec :\nx = 1\n",
        # On the third line it is no cookie: Python ignores it.
        b"\n\n# coding: no-such-codec\nx = 1\n",
        # Old Mac line ends: the "first line" is the whole file.
        b"x = 1\r# coding: no-such-codec\r",
        b"x = '\xe9'\n",  # latin-1 bytes, no cookie
        b"x = '\xc3\xa9'\n",  # UTF-8
        b"x = 1\0\n",
        b"\xef\xbb\xbfx = 1\n",
        b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
    ],
)
def test_check_decodes_agrees_with_decode(data: bytes) -> None:
    try:
        decode(data)
    except SourceError as error:
        with pytest.raises(SourceError) as raised:
            check_decodes(data)
        assert str(raised.value) == str(error)
    else:
        check_decodes(data)


# ----- lines as Python counts them (``redispool_lint.lines``) ---------------------------------

#: Statement ``xN`` on row N, between line ends of every kind; a form feed (whitespace to
#: Python) starts two rows, and a comment holds what else ``str.splitlines`` takes for a line end.
ROWS = f"x1 = 1\r\n\x0cx2 = 2  # {NOT_LINE_ENDS}\rx3 = 3\n\x0c\nx5 = 5\rx6 = 'caf\u00e9'; y6 = 6"


def _names(text: str) -> list[ast.Name]:
    return [
        target
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]


def test_rows_and_offsets_are_the_parser_s() -> None:
    lines, starts = split_lines(ROWS), line_starts(ROWS)
    assert len(lines) == count_line_ends(ROWS) + 1 == 6
    assert "".join(split_lines_keepends(ROWS)) == ROWS
    assert [line.rstrip("\r\n") for line in split_lines_keepends(ROWS)] == lines
    where: dict[str, tuple[int, int]] = {}
    for name in _names(ROWS):
        assert name.lineno == int(name.id[1:])
        line = lines[name.lineno - 1]
        column = len(line.encode()[: name.col_offset].decode())  # (``ast`` counts UTF-8 bytes)
        assert line.startswith(name.id, column)
        assert ROWS.startswith(name.id, starts[name.lineno - 1] + column)
        where[name.id] = (name.lineno, column)
    tokens = tokenize.generate_tokens(readline(ROWS))
    assert {t.string: t.start for t in tokens if t.type == tokenize.NAME} == where


def test_a_source_file_s_lines_and_columns_are_the_parser_s() -> None:
    source = source_from_bytes(Path("f.py"), "f.py", ROWS.encode("utf-8"))
    y6 = next(name for name in _names(ROWS) if name.id == "y6")
    assert source.line(2) == f"\x0cx2 = 2  # {NOT_LINE_ENDS}"
    assert source.line(4) == "\x0c"
    # (A byte offset on a line with a non-ASCII character: counted on the right line.)
    assert source.line(6)[source.column(6, y6.col_offset) :].startswith("y6")
    assert source.line(7) == ""
    assert split_lines("") == []
    assert split_lines("a\n") == ["a"]
    assert split_lines("a\r\r") == ["a", ""]


@pytest.mark.parametrize(
    ("text", "newline"),
    [
        ("x = 1\ny = 2\r\n", "\n"),
        ("x = 1\r\ny = 2\n", "\r\n"),
        ("x = 1\ry = 2\n", "\r"),
        ("x = 1\r", "\r"),
        ("x = 1", "\n"),
        ("", "\n"),
    ],
)
def test_newline_of_is_the_first_line_end(text: str, newline: str) -> None:
    assert newline_of(text) == newline
    assert source_from_bytes(Path("f.py"), "f.py", text.encode()).newline == newline


# Syntax newer than the running Python is a warning; a real syntax error is RPL999 on every
# Python. LibCST's parser (asked whether newer grammar accepts the file) accepts some real
# errors, so the file must also use something newer than this Python. (text, first Python
# whose parser accepts it, or None for an error on every one)
SYNTAX_VERSIONS = [
    ("x = [*a for a in b]\n", None),
    ("x = {**a for a in b}\n", None),
    ("x[y := 0]\n", (3, 10)),
    ("match x:\n    case 1:\n        pass\n", (3, 10)),
    ("try:\n    pass\nexcept* E:\n    pass\n", (3, 11)),
    ("x[*a]\n", (3, 11)),
    ("def f(*a: *Ts): pass\n", (3, 11)),
    ("type X = int\n", (3, 12)),
    ("def f[T](x: T): pass\n", (3, 12)),
    ("x = f'{'a'}'\n", (3, 12)),
    ("x = f'{a  # c\n}'\n", (3, 12)),
    ("x = f'{x:{y:{z}}}'\n", (3, 12)),
    # A real error next to f-strings that were fine before 3.12: still an error.
    ("x = f'{d[\"k\"]:#x}'\nx = [*a for a in b]\n", None),
    ("class C[T = int]: pass\n", (3, 13)),
]


@pytest.mark.parametrize(("text", "accepted_from"), SYNTAX_VERSIONS)
def test_newer_syntax_is_told_from_a_syntax_error(
    text: str, accepted_from: tuple[int, int] | None
) -> None:
    result = parse(SourceFile(Path("x.py"), "x.py", text))
    if accepted_from is not None and sys.version_info >= accepted_from:
        assert isinstance(result, ast.Module)
    else:
        assert isinstance(result, ParseFailure)
        assert result.newer_syntax is (accepted_from is not None)


def test_parsing_gives_no_warnings_about_the_code() -> None:
    """``"\\d"`` is a DeprecationWarning (3.11) or a SyntaxWarning (3.12) of the compiler's:
    printed on stderr in the middle of the report, or a SyntaxError under ``-W error``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = parse(SourceFile(Path("x.py"), "x.py", 'import redis\nx = "\\d"\n'))
    assert isinstance(result, ast.Module)
