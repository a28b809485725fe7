"""Reading Python source files: bytes to text, with every way a file can be bad named clearly."""

from __future__ import annotations

import ast
import codecs
import io
import os
import stat
import sys
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .lines import newline_of, split_lines

if TYPE_CHECKING:
    import libcst


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


def parse_text(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` without the warnings Python's compiler gives about the code (3.12's
    SyntaxWarning for ``"\\d"``: printed on stderr mid-report, or an error under ``-W error``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=filename, type_comments=False)


def parse(source: SourceFile) -> ast.Module | ParseFailure:
    """Parse with the standard library's parser; a failure carries the parser's own position."""
    try:
        return parse_text(source.text, source.display)
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


#: LibCST's parser takes about a second per 100 KB (and more than linearly beyond): a larger
#: file with a syntax error is not asked about newer grammar (no app module is that large).
MAX_NEWER_SYNTAX_CHECK = 512 * 1024


def _valid_for_newer_python(source: SourceFile) -> bool:
    """Whether LibCST's parser (imported only now: this is rare), which knows newer grammars,
    accepts the text, and what it accepts uses syntax newer than the running Python. LibCST
    accepts some real syntax errors too (``[*a for a in b]``), so its yes alone proves nothing."""
    if len(source.text) > MAX_NEWER_SYNTAX_CHECK:
        return False
    try:
        import libcst

        module = libcst.parse_module(source.text)
        return _newest_syntax(module) > sys.version_info[:2]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # any refusal of LibCST's means: a real syntax error
        # (BaseException: a panic of LibCST's native parser is one, not an Exception.)
        return False


def _newest_syntax(module: libcst.Module) -> tuple[int, int]:
    """The newest Python version whose syntax the module uses, as far as the tool knows it."""
    newest = (3, 9)
    todo: list[libcst.CSTNode] = [module]
    while todo:
        node = todo.pop()
        todo.extend(node.children)
        version = _syntax_version(module, node)
        if version > newest:
            newest = version
    return newest


def _syntax_version(module: libcst.Module, node: libcst.CSTNode) -> tuple[int, int]:
    """The first Python version whose parser accepts this node's own syntax (3.9 by default).
    By class name: an older LibCST does not have the newer node classes."""
    kind = type(node).__name__
    if kind == "Match":
        return (3, 10)
    if kind in ("TryStar", "ExceptStarHandler"):
        version = (3, 11)
        handler_type = getattr(node, "type", None)
        if _bare_tuple(handler_type):
            version = (3, 14)  # ``except* A, B:`` (PEP 758)
        return version
    if kind == "ExceptHandler":
        return (3, 14) if _bare_tuple(getattr(node, "type", None)) else (3, 9)
    if kind == "Index":
        if getattr(node, "star", None):
            return (3, 11)  # ``a[*b]`` (PEP 646)
        value = getattr(node, "value", None)
        if type(value).__name__ == "NamedExpr" and not getattr(value, "lpar", True):
            return (3, 10)  # ``a[b := 0]``
    if kind == "Annotation" and type(getattr(node, "annotation", None)).__name__ == (
        "StarredElement"
    ):
        return (3, 11)  # ``*args: *Ts`` (PEP 646)
    if kind == "TypeParam":
        return (3, 13) if getattr(node, "default", None) is not None else (3, 12)
    if kind in ("TypeAlias", "TypeParameters"):
        return (3, 12)
    if kind == "TemplatedString":
        return (3, 14)
    if kind == "FormattedString":
        return _f_string_version(module, node)
    return (3, 9)


def _bare_tuple(node: object) -> bool:
    """A tuple written without parentheses (``except A, B:``)."""
    return type(node).__name__ == "Tuple" and not getattr(node, "lpar", True)


def _f_string_version(module: libcst.Module, string: libcst.CSTNode) -> tuple[int, int]:
    """3.12 for an f-string with a replacement field that only PEP 701 allows: a backslash, a
    comment or the string's own quote in its expression, a line break there in a single-quoted
    f-string, or fields nested three deep."""
    start = str(getattr(string, "start", ""))
    quote = start.lstrip("fFrRbBuU")
    triple = len(quote) == 3
    todo = [(part, 0) for part in getattr(string, "parts", ())]
    while todo:
        part, depth = todo.pop()
        if type(part).__name__ != "FormattedStringExpression":
            continue
        if depth >= 2:
            return (3, 12)  # ``f"{x:{y:{z}}}"``: nested too deeply before
        todo += [(inner, depth + 1) for inner in getattr(part, "format_spec", None) or ()]
        # The field without its format spec (``{x:#x}`` is fine before 3.12, ``{x  # c}`` not).
        text = module.code_for_node(part.with_changes(format_spec=None))
        if "\\" in text or "#" in text or quote in text or (not triple and "\n" in text):
            return (3, 12)
    return (3, 9)
