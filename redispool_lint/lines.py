"""Lines as Python counts them: a line ends at ``\\r\\n``, ``\\r`` or ``\\n``, and nowhere else.

Rows that ``ast``, ``tokenize`` and LibCST report are counted that way. ``str.splitlines`` also
splits at ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029`` (a form
feed is whitespace to Python; the others may be in strings and comments), and counting ``\\n``
alone misses old Mac line ends (``\\r``): either way the rows drift from the parser's. Every
mapping between rows and offsets goes through here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

#: One line end.
LINE_END = re.compile(r"\r\n|\r|\n")
#: What ``str.splitlines`` also splits at, and Python does not: inside a line, a form feed is
#: whitespace, and the others are text of a string or a comment.
NOT_LINE_ENDS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
#: One line with its end (or the last line, without one).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their ends (as ``str.splitlines()``: a final line end
    starts no empty line)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # (``str.split`` at one character: as fast as ``str.splitlines``, which is wrong here.)
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()
    return lines


def split_lines_keepends(text: str) -> list[str]:
    """The lines of ``text``, each with its line end (the last may have none)."""
    return _LINE.findall(text)


def line_starts(text: str) -> list[int]:
    """The offset where each line starts (row ``r`` at index ``r - 1``), and after a final line
    end, ``len(text)``."""
    return [0, *(match.end() for match in LINE_END.finditer(text))]


def count_line_ends(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def newline_of(text: str) -> str:
    """The file's first line end (``\\n`` when it has none): what fixes write back."""
    first = text.find("\n")
    # A ``\r`` before the first ``\n`` (looked for on the first line only: a search to the end
    # of the file would cost a scan of every file without one).
    before = text.find("\r", 0, len(text) if first == -1 else first)
    if before == -1:
        return "\n"
    return "\r\n" if before + 1 == first else "\r"


def readline(text: str) -> Callable[[], str]:
    """A ``readline`` for ``tokenize`` that ends lines where Python does (``io.StringIO``'s own
    ends them at ``\\n`` only: a file of ``\\r`` line ends would be one line). Universal newlines
    turn each line end into ``\\n``, as CPython's tokenizer does: rows and columns stay."""
    return io.StringIO(text, newline=None).readline


# ----- the same on bytes (the text tests read raw files) ---------------------------------------


def line_start_of(data: bytes, at: int) -> int:
    """Where the line that holds offset ``at`` starts."""
    start = data.rfind(b"\n", 0, at) + 1
    # A ``\r`` is looked for back to that ``\n`` only: searching further would scan back to
    # the file's start at every call in a file without one.
    before = data.rfind(b"\r", start, at)
    return start if before == -1 else before + 1


def line_end_of(data: bytes, at: int) -> int:
    """Where the line that holds offset ``at`` ends: the offset of its line end, or
    ``len(data)``."""
    end = data.find(b"\n", at)
    if end == -1:
        end = len(data)
    before = data.find(b"\r", at, end)
    return end if before == -1 else before


def next_line(data: bytes, end: int) -> int:
    """The start of the line after the line end at ``end`` (from ``line_end_of``)."""
    return end + 2 if data.startswith(b"\r\n", end) else end + 1
