"""Reading Python source files: bytes to text, with every way a file can be bad named clearly."""

from __future__ import annotations

import ast
import codecs
import io
import os
import stat
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from .lines import newline_of, split_lines


class SourceError(Exception):
    """A file that cannot be read as Python source. The message names the problem, not the file."""


@dataclass
class SourceFile:
    """One file's text, as the tool sees it."""

    path: Path
    #: The path as shown to the user (relative to the working directory where possible).
    display: str
    text: str
    encoding: str = "utf-8"
    has_bom: bool = False
    #: The first line ending in the file, kept so that fixes write the same one back.
    newline: str = "\n"
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    def line(self, row: int) -> str:
        """The text of a 1-based line, or '' past the end."""
        lines = self.lines
        return lines[row - 1] if 0 < row <= len(lines) else ""

    def column(self, row: int, byte_offset: int) -> int:
        """The 0-based character column of a UTF-8 byte offset (what ``ast`` reports) on a line."""
        line = self.line(row)
        if line.isascii():
            return byte_offset
        return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def decode(data: bytes) -> tuple[str, str, bool]:
    """Decode source bytes as Python does (PEP 263 cookie, BOM), returning text, encoding, BOM."""
    if b"\0" in data:
        raise SourceError("file contains a NUL byte: not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"bad encoding declaration: {error.msg}") from None
    has_bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode as {encoding}: {error}") from None
    if has_bom and text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding, has_bom


def check_decodes(data: bytes) -> None:
    """Raise SourceError where ``decode`` would, without making the text when it need not: an
    ASCII file with no encoding cookie (what most files are) decodes as UTF-8."""
    # A cookie is on one of the first two lines, as ``tokenize`` reads them.
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first != -1 else -1
    head = data if second == -1 else data[: second + 1]
    if data.isascii() and b"coding" not in head and b"\0" not in data:
        return
    decode(data)


#: A file larger than this is not source code anyone wrote (generated data, a dump): its syntax
#: tree would cost gigabytes. It is still read and text-tested; it is parsed only if it must be,
#: and then refused with a message.
MAX_PARSE_SIZE = 16 * 1024 * 1024


def check_parse_size(data: bytes) -> None:
    if len(data) > MAX_PARSE_SIZE:
        raise SourceError(
            f"too large to analyse ({len(data) // (1024 * 1024)} MiB; "
            f"the limit is {MAX_PARSE_SIZE // (1024 * 1024)} MiB)"
        )


def read_bytes(path: str | Path) -> bytes:
    """A file's bytes; raises SourceError with a user-facing message.

    Only regular files are read: a FIFO or a socket named like a Python file would block or fail,
    and a directory is not a file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise SourceError("no such file (deleted, or a dangling link)") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except IsADirectoryError:
        raise SourceError("is a directory, not a file") from None
    except OSError as error:
        raise SourceError(_os_message(error)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("not a regular file (a FIFO, socket or device)")
        # One byte more than the size: a short read is the end of a regular file, so the
        # usual file needs one read, not two (a file that grew since is read to its end).
        want = max(info.st_size + 1, 65536)
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, want)
            chunks.append(chunk)
            if len(chunk) < want:
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as error:
        raise SourceError(_os_message(error)) from None
    finally:
        os.close(fd)


def _os_message(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    return f"cannot read: {error.strerror or error}"


def read_source(path: Path, display: str) -> SourceFile:
    """Read one file; raises SourceError with a user-facing message."""
    return source_from_bytes(path, display, read_bytes(path))


def source_from_bytes(path: Path, display: str, data: bytes) -> SourceFile:
    text, encoding, has_bom = decode(data)
    return SourceFile(
        path=path,
        display=display,
        text=text,
        encoding=encoding,
        has_bom=has_bom,
        newline=newline_of(text),
    )


@dataclass(frozen=True)
class ParseFailure:
    message: str
    row: int
    column: int
    #: Valid code for a newer Python than the one running the tool (LibCST's parser, which knows
    #: the grammars up to 3.13, accepts it): not the user's syntax error.
    newer_syntax: bool = False


def parse(source: SourceFile) -> ast.Module | ParseFailure:
    """Parse with the standard library's parser; a failure carries the parser's own position."""
    try:
        return ast.parse(source.text, filename=source.display, type_comments=False)
    except SyntaxError as error:
        row = error.lineno or 1
        column = max((error.offset or 1) - 1, 0)
        message = error.msg or "invalid syntax"
        # "too many nested parentheses", "too many levels of indentation": limits of CPython's
        # parser, which LibCST does not have; not syntax from a newer Python.
        newer = not message.startswith("too many") and _valid_for_newer_python(source)
        return ParseFailure(message, row, column, newer_syntax=newer)
    except RecursionError:
        return ParseFailure("nested too deeply for Python's parser", 1, 0)
    except (ValueError, MemoryError) as error:
        # ValueError: NUL bytes (caught earlier, kept for safety); MemoryError: absurd input.
        return ParseFailure(f"{type(error).__name__}: {error}", 1, 0)


def _valid_for_newer_python(source: SourceFile) -> bool:
    """Ask LibCST's parser (imported only now: this is rare) whether newer grammar accepts it."""
    if sys.version_info >= (3, 13):
        return False  # this interpreter already knows every grammar LibCST does
    try:
        import libcst

        libcst.parse_module(source.text)
    except Exception:  # any refusal of LibCST's means: a real syntax error
        return False
    return True
