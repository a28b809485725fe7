"""The on-disk cache: one module summary per file content, under ``.redispool_lint_cache/``,
and the project's text indexes.

A summary depends only on the file's bytes, its module name and path, and what the extractor
keeps (``context_digest``), so the key is a hash of those: an edited file misses, an unchanged one
hits, whichever run wrote it. The folder is versioned by the tool's version, a digest of the
tool's own code and the Python version (``ast`` differs between versions).

Safe under concurrent runs (pre-commit in two terminals, an editor and a hook): every entry is
written to a temporary file and renamed into place (atomic on POSIX and Windows), so a reader sees
a whole entry or none; a corrupt or truncated entry (a crash, a full disk) reads as a miss. Any
error of the cache itself disables it for the run; the lint never fails because of the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__
from .project.summary import ModuleSummary
from .source import ParseFailure

CACHE_DIR = ".redispool_lint_cache"
_GITIGNORE = "# Created by redispool-lint: nothing here belongs in version control.\n*\n"
#: The words and imports of every file of the project (see ``text.TextIndex``): a warm run
#: re-reads the words of the files that changed only.
_TEXT_INDEX = "text-index.marshal"
#: The module layout of the project (``layout.Layout``): the same while no file is added,
#: removed or renamed.
_LAYOUT = "layout.pickle"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This is a cache of redispool-lint.\n"


@dataclass(frozen=True)
class CachedSummary:
    summary: ModuleSummary | None
    failure: ParseFailure | None


def _code_digest() -> str:
    """Changes whenever the tool's code does (an editable install under development too)."""
    package = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package.rglob("*.py")):
        try:
            info = path.stat()
        except OSError:
            continue
        digest.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()


def version_tag() -> str:
    implementation = sys.implementation.name
    major, minor = sys.version_info[:2]
    return f"v{__version__}-{implementation}{major}.{minor}-{_code_digest()}"


def context_digest(keep_roots: frozenset[str], keep_names: frozenset[str]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for name in sorted(keep_roots):
        digest.update(name.encode() + b"\0")
    digest.update(b"\1")
    for name in sorted(keep_names):
        digest.update(name.encode() + b"\0")
    return digest.hexdigest()


def summary_key(
    data: bytes, module: str, display: str, is_package: bool, is_test: bool, context: str
) -> str:
    digest = hashlib.blake2b(data, digest_size=20)
    digest.update(f"\0{module}\0{display}\0{is_package:d}{is_test:d}\0{context}".encode())
    return digest.hexdigest()


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self.enabled = True

    @classmethod
    def open(cls, root: Path) -> Cache | None:
        """The cache of a project root, created if needed; None when it cannot be used."""
        base = root / CACHE_DIR
        try:
            base.mkdir(exist_ok=True)
            _write_once(base / ".gitignore", _GITIGNORE)
            _write_once(base / "CACHEDIR.TAG", _TAG)
            folder = base / version_tag()
            folder.mkdir(exist_ok=True)
        except OSError:
            return None  # a read-only checkout: lint without a cache
        return cls(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key[2:]}.pickle"

    def summary(self, key: str) -> CachedSummary | None:
        if not self.enabled:
            return None
        try:
            with open(self._path(key), "rb") as handle:
                value = pickle.load(handle)
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # a corrupt or foreign entry: a miss, rewritten below
            self.misses += 1
            return None
        if not isinstance(value, CachedSummary):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def store_summary(
        self, key: str, summary: ModuleSummary | None, failure: ParseFailure | None
    ) -> None:
        if not self.enabled:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(exist_ok=True)
            _atomic_write(path, pickle.dumps(CachedSummary(summary, failure), protocol=4))
        except OSError:
            self.enabled = False  # a full disk or a read-only folder: stop trying

    def text_index(self) -> object:
        """The text indexes saved by the last run (``TextIndex.export``), or None."""
        return self._load(_TEXT_INDEX, marshal.load)

    def store_text_index(self, saved: tuple[Any, ...]) -> None:
        # (marshal, not pickle: the indexes are plain tuples, dicts and bytes, and marshal
        # loads them several times faster; the folder is per Python version.)
        self._store(_TEXT_INDEX, saved, marshal.dumps)

    def layout(self) -> object:
        """The module layout saved by the last run (``layout.saved_layout``), or None."""
        return self._load(_LAYOUT, pickle.load)

    def store_layout(self, saved: object) -> None:
        self._store(_LAYOUT, saved, lambda value: pickle.dumps(value, protocol=4))

    def _load(self, name: str, load: Callable[[BinaryIO], object]) -> object:
        if not self.enabled:
            return None
        try:
            with open(self.folder / name, "rb") as handle:
                return load(handle)
        except Exception:  # missing, corrupt, truncated, or of another Python: rebuilt
            return None

    def _store(self, name: str, value: Any, dump: Callable[[Any], bytes]) -> None:
        if not self.enabled:
            return
        try:
            _atomic_write(self.folder / name, dump(value))
        except (OSError, ValueError):  # (ValueError: marshal meets a value it cannot write)
            self.enabled = False

    def close(self) -> None:
        """Nothing is held open; kept so that callers say when they are done."""


def _write_once(path: Path, text: str) -> None:
    if not path.exists():
        _atomic_write(path, text.encode())


def _atomic_write(path: Path, data: bytes) -> None:
    import tempfile  # (4 ms to import: only for runs that store something)

    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
