"""Applying text edits to a file's text, and writing files back safely."""

from __future__ import annotations

import codecs
import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..diagnostics import Edit
from ..lines import LINE_END, line_starts
from ..source import SourceFile


class OverlappingEdits(Exception):
    pass


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (positions: 1-based rows and columns) to text.

    Overlapping edits raise ``OverlappingEdits``: the caller applies the first fix and leaves the
    rest for the next round of the fix loop.
    """
    offsets = line_starts(text)

    def offset(row: int, column: int) -> int:
        if row - 1 >= len(offsets):
            return len(text)
        return min(offsets[row - 1] + column - 1, len(text))

    spans = sorted(
        (
            (offset(e.start.row, e.start.column), offset(e.end.row, e.end.column), e.content)
            for e in edits
        ),
        key=lambda s: (s[0], s[1]),
    )
    pieces: list[str] = []
    position = 0
    for start, end, content in spans:
        if start < position:
            raise OverlappingEdits
        pieces.append(text[position:start])
        pieces.append(content)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def encode(source: SourceFile, text: str) -> bytes:
    """Text back to bytes the way the file had them: encoding, BOM, line endings."""
    if source.newline != "\n":
        # Every line end as the file's own: LibCST and the planner write ``\n`` in new code.
        text = LINE_END.sub(source.newline, text)
    data = text.encode(source.encoding)
    if source.has_bom and not data.startswith(codecs.BOM_UTF8):
        data = codecs.BOM_UTF8 + data
    return data


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename: never a half file."""
    target = path.resolve()
    mode = None
    with contextlib.suppress(OSError):
        mode = target.stat().st_mode & 0o7777
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
