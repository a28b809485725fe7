"""What the text of the project's files says, before any parsing.

Per-file facts (``FileFacts``: does the file import a Redis package, use app state, import
relatively...) and the project's inverted indexes (``TextIndex``: which files have which words,
which may import which top-level names), saved in the cache and patched where files changed.
``demand`` asks these questions to decide which files to parse.

Every test errs on the side of including a file: a word in a comment or a string counts.
"""

from __future__ import annotations

import array
import bisect
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any, NamedTuple

from . import redis_api
from .frameworks import STATE_ITEM_OWNERS
from .lines import line_end_of, line_start_of, next_line

#: Word tests work on bytes: source encodings are ASCII-compatible (PEP 263), so an ASCII word
#: is found in the raw file whatever its encoding.
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_REDIS_WORDS = tuple(package.encode() for package in redis_api.PACKAGES)
#: ``.state`` as an attribute, whitespace, line continuations and comments allowed around the dot.
#: (The alternatives cannot match the same text two ways, so the scan stays linear.)
_STATE_ATTRIBUTE = re.compile(rb"\.(?:[ \t\r\n\f\v\\]|#[^\r\n]*[\r\n])*state\b")
#: An item of an object whose items are app state (``frameworks.STATE_ITEM_OWNERS`` but
#: ``state``, found above): the owner's name, then ``[`` (closing parentheses, whitespace,
#: continuations and comments allowed between). Each pattern starts with its literal name, so
#: the scan skips to it. (A longer name ending in it, ``myapp[``, counts: a superset will do.)
STATE_ITEMS = tuple(
    (
        owner.encode(),
        re.compile(re.escape(owner.encode()) + rb"(?:[)\s\\]|#[^\r\n]*[\r\n])*\["),
    )
    for owner in sorted(STATE_ITEM_OWNERS - {"state"})
)
#: (No ``\b`` before ``from``: it makes the scan several times slower, and a word ending in
#: ``from`` only makes the test include a file it need not.)
_RELATIVE = re.compile(rb"from[\s\\]+\.")
_RELATIVE_LEVEL = re.compile(rb"from[\s\\]+(\.+)")
#: ``noqa: ... RPL001`` (lower-cased): a directive that names one of our codes.
_NOQA_RPL = re.compile(rb"noqa:[^\r\n]*rpl[0-9]")


#: ``import redis``, ``import os, redis.asyncio as r``, ``from redis import ...`` (whitespace and
#: backslash continuations allowed): the only ways a module binds a name to the package itself;
#: everything else reaches it through a module that does this (a re-export).
_IMPORTS = {
    word: re.compile(
        rb"\b(?:import[\s\\]+(?:[\w.]+(?:[\s\\]+as[\s\\]+\w+)?[\s\\]*,[\s\\]*)*"
        rb"|from[\s\\]+)" + word + rb"\b"
    )
    for word in _REDIS_WORDS
}


#: The packages whose names contain ``redis``: the scan for ``redis`` finds them all.
_NAMED_REDIS = tuple(word for word in _REDIS_WORDS if b"redis" in word)


def _redis_test(data: bytes) -> tuple[bool, bool]:
    """Do the file's bytes contain ``redis``, and does it import a Redis-family package (the
    sound text test)?"""
    # One scan for ``redis`` covers ``aioredis`` too: most files have neither, and a scan of
    # the whole text is what this costs.
    contains = b"redis" in data
    if contains and any(_imports_package(data, package) for package in _NAMED_REDIS):
        return True, True
    return contains, (b"valkey" in data and _imports_package(data, b"valkey")) or (
        b"arq" in data and _imports_package(data, b"arq")
    )


def _imports_package(data: bytes, package: bytes) -> bool:
    """Does an import statement name ``package`` (``_IMPORTS``)?

    Tried on the logical line of each occurrence of the name, not over the whole text: the
    pattern does not start with a literal, so searching a whole file costs the regular
    expression engine a try at every byte (in a virtualenv, the files that contain ``redis``
    cost more that way than reading every file). An import statement is one logical line.
    """
    pattern = _IMPORTS[package]
    at = data.find(package)
    while at != -1:
        start = line_start_of(data, at)
        # Backslash continuations join physical lines into the logical line.
        while data.endswith((b"\\\n", b"\\\r\n", b"\\\r"), 0, start):
            start = line_start_of(data, start - 2)
        # (One byte past the name, for the pattern's closing ``\b``.)
        if pattern.search(data, start, at + len(package) + 1):
            return True
        at = data.find(package, at + len(package))
    return False


#: A backslash and the line end it continues over.
_CONTINUATION = rb"\\(?:\r\n|\r|\n)"
#: Space inside a statement: a line end only after a backslash.
_SPACE = rb"(?:[ \t\f]|" + _CONTINUATION + rb")"
#: ``from NAME`` (an absolute import's package).
_FROM_PACKAGE = re.compile(rb"from" + _SPACE + rb"+([A-Za-z_][A-Za-z0-9_]*)")
#: ``import A.B as C, D`` with the rest of its logical line (backslash continuations included).
_IMPORT_NAMES = re.compile(rb"import" + _SPACE + rb"+((?:[^\r\n;#\\]|" + _CONTINUATION + rb")*)")


#: The UTF-8 byte order mark: the first line's statements start after it.
_BOM = b"\xef\xbb\xbf"
#: ``from`` and ``import``, each with the space after it. (Two patterns, not one alternation:
#: a pattern that starts with a literal is searched for an order of magnitude faster.)
_FROM = re.compile(rb"from" + _SPACE)
_IMPORT = re.compile(rb"import" + _SPACE)


def _starts_statement(data: bytes, start: int) -> bool:
    """Does a keyword at ``start`` begin a statement: at a line's start (after indentation),
    or after ``;`` or the ``:`` of a one-line block (``try: import x``)? Prose that says "taken
    from the cache" in a comment or a docstring is then not an import of ``the``."""
    line = data.rfind(b"\n", 0, start) + 1
    if line == 0 and data.startswith(_BOM):
        line = len(_BOM)
    before = data[line:start].rstrip(b" \t\f")
    # (After a ``\r``: at the start of a line that ends the old Mac way. Finding the line's start
    # costs more, and this is asked of every ``import`` and ``from`` of every file.)
    return not before or before[-1:] in (b";", b":", b"\r")


class ImportFacts(NamedTuple):
    """What a file's import statements say, read from the text (a superset: an import-like
    line of a docstring counts too)."""

    #: The top-level names it may import absolutely (``from a.b import c``, ``import a.b``: a).
    roots: frozenset[bytes]
    #: Every word of its import statements (modules, names, aliases).
    words: frozenset[bytes]
    #: The top-level names of plain ``import`` statements (each binds a module object).
    plain_roots: frozenset[bytes]
    #: The words after ``import`` in ``from ... import`` statements: the names imported (``*``
    #: included), their aliases, and any words of comments among them.
    from_names: frozenset[bytes]


_NO_IMPORTS = ImportFacts(frozenset(), frozenset(), frozenset(), frozenset())


def read_imports(data: bytes) -> ImportFacts:
    """The file's import statements, read from its text."""
    if b"import" not in data:
        return _NO_IMPORTS
    roots: set[bytes] = set()
    words: set[bytes] = set()
    plain_roots: set[bytes] = set()
    from_names: set[bytes] = set()
    if b"from" in data:
        for match in _FROM.finditer(data):
            start = match.start()
            if not _starts_statement(data, start):
                continue
            package = _FROM_PACKAGE.match(data, start)
            if package is not None:
                roots.add(package.group(1))
            text = data[start : line_end_of(data, start)]
            if b"(" in text or text.rstrip().endswith(b"\\"):
                text = data[start : _statement_end(data, start)]
            tokens = _WORD.findall(text)
            words.update(tokens)
            # The module's path has no keyword in it: the first ``import`` is the keyword.
            if b"import" in tokens:
                from_names.update(tokens[tokens.index(b"import") + 1 :])
                from_names.discard(b"as")
                if b"*" in text:
                    from_names.add(b"*")
    for match in _IMPORT.finditer(data):
        start = match.start()
        if not _starts_statement(data, start):
            continue
        names = _IMPORT_NAMES.match(data, start)
        if names is None:
            continue
        for item in names.group(1).split(b","):
            first = _WORD.search(item)
            if first is not None:
                roots.add(first.group())
                plain_roots.add(first.group())
        words.update(_WORD.findall(names.group(1)))
    return ImportFacts(
        frozenset(roots), frozenset(words), frozenset(plain_roots), frozenset(from_names)
    )


def _statement_end(data: bytes, start: int) -> int:
    """Where the statement starting at ``start`` ends: its logical line, backslash
    continuations and open parentheses (``from x import (...)``) included. (A ``#`` in an
    import statement always starts a comment: a comment's ``(`` or ``\\`` does not count.)"""
    depth = 0
    position = start
    while True:
        line_end = line_end_of(data, position)
        code = data[position:line_end]
        comment = code.find(b"#")
        if comment != -1:
            code = code[:comment]
        depth += code.count(b"(") - code.count(b")")
        if line_end == len(data):
            return line_end
        if depth > 0 or code.rstrip(b" \t\f").endswith(b"\\"):
            position = next_line(data, line_end)
            continue
        return line_end


def mentions_state_attribute(data: bytes) -> bool:
    """Does the text mention app or request state: ``.state``, or an item of an object whose
    items are app state (``app["redis"]``, ``request.config_dict["redis"]``)?"""
    if b"state" in data and _STATE_ATTRIBUTE.search(data) is not None:
        return True
    return any(owner in data and pattern.search(data) is not None for owner, pattern in STATE_ITEMS)


class FileFacts:
    """What the text of one file says, before any parsing.

    Each fact costs a scan of the text, and most runs need only the first (no file imports
    Redis: nothing else is asked), so each is computed when first asked for.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        #: The bytes ``redis`` anywhere (the scan the import test makes first; the walk asks
        #: it again of modules called ``redis``, ``redis_cache``...).
        self.contains_redis, self.redis = _redis_test(data)

    @cached_property
    def state(self) -> bool:
        return mentions_state_attribute(self._data)

    @cached_property
    def relative_import(self) -> bool:
        """``from .``: a relative import."""
        return b"from" in self._data and _RELATIVE.search(self._data) is not None

    @cached_property
    def relative_level(self) -> int:
        """The most dots of the file's relative imports (``from ..x`` is 2)."""
        levels = _RELATIVE_LEVEL.findall(self._data) if self.relative_import else []
        return max((len(dots) for dots in levels), default=0)

    @property
    def noqa(self) -> bool:
        """A suppression comment (any case): it may silence a finding."""
        return self._suppressions[0]

    @property
    def noqa_rpl(self) -> bool:
        """A suppression comment that may name an ``RPL`` code: it may be reported as unused
        (RPL100)."""
        return self._suppressions[1]

    @cached_property
    def _suppressions(self) -> tuple[bool, bool]:
        lower = self._data.lower()  # (not kept: it would double the memory held per file)
        noqa = b"noqa" in lower
        return noqa, noqa and _NOQA_RPL.search(lower) is not None


class _Postings:
    """Which files have which words, from each file's words; patched file by file."""

    def __init__(self, per_file: list[tuple[bytes, ...] | bytes], index: dict[bytes, Any]) -> None:
        #: Each file's words: a tuple, or as saved (joined by NUL bytes).
        self.per_file = per_file
        #: Word -> the files that have it, ascending: a list, or as saved (packed integers).
        self.index = index

    @classmethod
    def build(cls, per_file: list[tuple[bytes, ...]]) -> _Postings:
        return cls(list(per_file), _invert(enumerate(per_file)))

    def files(self, word: bytes) -> Sequence[int]:
        found = self.index.get(word, ())
        return _unpack(found) if isinstance(found, bytes) else found

    def words(self, member: int) -> tuple[bytes, ...]:
        words = self.per_file[member]
        if isinstance(words, bytes):
            return tuple(words.split(b"\0")) if words else ()
        return words

    def replace(self, member: int, words: tuple[bytes, ...]) -> None:
        for word in self.words(member):
            bucket = list(self.files(word))
            bucket.remove(member)
            if bucket:
                self.index[word] = bucket
            else:
                del self.index[word]
        for word in words:
            bucket = list(self.files(word))
            bisect.insort(bucket, member)
            self.index[word] = bucket
        self.per_file[member] = words

    def saved(self) -> tuple[tuple[bytes, ...], dict[bytes, bytes]]:
        # Packed: a few large byte strings load an order of magnitude faster than hundreds of
        # thousands of small integers and tuples.
        per_file = tuple(w if isinstance(w, bytes) else b"\0".join(w) for w in self.per_file)
        index = {
            word: files if isinstance(files, bytes) else array.array("I", files).tobytes()
            for word, files in self.index.items()
        }
        return per_file, index


def _invert(files: Iterable[tuple[int, Iterable[bytes]]]) -> dict[bytes, Any]:
    """Word -> the files that have it, in the order given."""
    index: dict[bytes, Any] = {}
    for member, words in files:
        for word in words:
            bucket = index.get(word)
            if bucket is None:
                index[word] = [member]
            else:
                bucket.append(member)
    return index


def _unpack(packed: bytes) -> Sequence[int]:
    found = array.array("I")
    found.frombytes(packed)
    return found


def _words_of(data: bytes | None) -> tuple[bytes, ...]:
    return tuple(set(_WORD.findall(data))) if data is not None else ()


#: Bumped whenever what ``TextIndex.export`` writes changes meaning.
_SAVED_FORMAT = 3


class TextIndex:
    """Which files have which words, and which may import which top-level names: inverted
    indexes over every file, built on first use (only a project that imports a Redis package
    at all pays for them) or restored from the cache and patched where files changed."""

    def __init__(self, datas: list[bytes | None]) -> None:
        self.datas = datas
        self._with_word: dict[str, frozenset[int]] = {}
        self._tokens: dict[int, frozenset[bytes]] = {}
        self._groups: dict[str, dict[bytes, list[int]]] = {}
        self._roots_of: dict[int, frozenset[str]] = {}
        self._words: _Postings | None = None
        self._roots: _Postings | None = None
        self._importers: dict[str, frozenset[int]] = {}
        self._scans: dict[bytes, list[int]] = {}
        self._imports: dict[int, ImportFacts] = {}
        self._digest_list: list[bytes] | None = None
        #: Each file's ``ImportFacts`` as saved (``_pack_imports``), where restored.
        self._saved_imports: list[bytes | None] | None = None
        #: Did this run build or patch the indexes (so that they are worth saving)?
        self.changed = False

    def _word_postings(self) -> _Postings:
        if self._words is None:
            self._words = _Postings.build(
                [tuple(self._file_words(index)) for index in range(len(self.datas))]
            )
            self.changed = True
        return self._words

    def _root_postings(self) -> _Postings:
        if self._roots is None:
            self._roots = _Postings.build(
                [tuple(self.imports_of(index).roots) for index in range(len(self.datas))]
            )
            self.changed = True
        return self._roots

    def mentions(self, index: int, word: str) -> bool:
        """Does file ``index`` have ``word`` as a word (or may it: a non-ASCII word)?

        From the word index when there is one (restored from the cache, or built because a
        question needed every file), else from the file's own words, read on first use: the
        walk of callers reads the words of the few files that import the modules it visits,
        not of the whole project.
        """
        if not word.isascii():
            return True
        if self._words is not None:
            return index in self.with_word(word)
        return word.encode() in self._file_words(index)

    def _file_words(self, index: int) -> frozenset[bytes]:
        tokens = self._tokens.get(index)
        if tokens is None:
            data = self.datas[index]
            tokens = frozenset(_WORD.findall(data)) if data is not None else frozenset()
            self._tokens[index] = tokens
        return tokens

    def words_in(self, index: int) -> Iterable[str]:
        """The (ASCII) words of file ``index``."""
        words = self._words.words(index) if self._words is not None else self._file_words(index)
        return (word.decode("ascii") for word in words)

    def with_word_among(
        self,
        group: str,
        members: frozenset[int] | set[int],
        word: str,
        words_of: Callable[[int], Iterable[bytes]],
    ) -> Iterable[int]:
        """The files of a group (``members``, named ``group`` for reuse) whose ``words_of`` (the
        group's own idea of a file's words) have ``word``.

        An inverted index over the group alone, built on first use: the walk of callers asks
        this of the files that import one top-level package, again and again.
        """
        if not word.isascii():
            return members
        index = self._groups.get(group)
        if index is None:
            index = _invert((member, words_of(member)) for member in members)
            self._groups[group] = index
        return index.get(word.encode(), ())

    def with_word(self, word: str) -> frozenset[int]:
        found = self._with_word.get(word)
        if found is None:
            found = frozenset(self.files_with(word))
            self._with_word[word] = found
        return found

    def roots_of(self, index: int) -> frozenset[str]:
        """The top-level names file ``index`` may import absolutely."""
        found = self._roots_of.get(index)
        if found is None:
            roots = (
                self._roots.words(index)
                if self._roots is not None
                else self.imports_of(index).roots
            )
            found = frozenset(root.decode("ascii") for root in roots)
            self._roots_of[index] = found
        return found

    def imports_of(self, index: int) -> ImportFacts:
        """What file ``index``'s import statements say (nothing, for an unreadable file)."""
        found = self._imports.get(index)
        if found is None:
            saved = self._saved_imports[index] if self._saved_imports is not None else None
            data = self.datas[index]
            if saved is not None:
                found = _unpack_imports(saved)
            else:
                found = read_imports(data) if data is not None else _NO_IMPORTS
            self._imports[index] = found
        return found

    def words_of(self, index: int) -> frozenset[bytes]:
        """Every (ASCII) word of file ``index``."""
        return self._file_words(index)

    def files_with(self, word: str) -> Sequence[int]:
        """Every file whose text has ``word`` as a word (or may: a non-ASCII word)."""
        if not word.isascii():
            return range(len(self.datas))
        return self._word_postings().files(word.encode())

    @property
    def has_word_index(self) -> bool:
        """Is there a word index of every file (restored from the cache, or built)?"""
        return self._words is not None

    def files_with_bytes(self, word: str) -> Sequence[int]:
        """The files whose bytes contain ``word`` (ASCII) anywhere, and the unreadable ones
        (nothing is known of them): a scan of the files, no index."""
        encoded = word.encode("ascii")
        found = self._scans.get(encoded)
        if found is None:
            # A word that contains a word scanned for before is in a subset of its files.
            pool: Sequence[int] = min(
                (files for known, files in self._scans.items() if known in encoded),
                key=len,
                default=range(len(self.datas)),
            )
            datas = self.datas
            found = [i for i in pool if (data := datas[i]) is None or encoded in data]
            self._scans[encoded] = found
        return found

    def know_bytes(self, word: str, files: list[int]) -> None:
        """Record a scan made elsewhere: ``files_with_bytes(word)`` is ``files``."""
        self._scans[word.encode("ascii")] = files

    def files_importing(self, root: str) -> frozenset[int]:
        """Every file whose text may hold an absolute import of the top-level name ``root``."""
        if not root.isascii():
            return frozenset(range(len(self.datas)))
        found = self._importers.get(root)
        if found is None:
            found = frozenset(self._root_postings().files(root.encode()))
            self._importers[root] = found
        return found

    # ----- saving and restoring (the cache) -------------------------------------------------

    def _digests(self) -> list[bytes]:
        """Each file's content digest (computed once: restoring and saving both compare)."""
        if self._digest_list is None:
            self._digest_list = [_digest(data) for data in self.datas]
        return self._digest_list

    def export(self, keys: list[str]) -> tuple[Any, ...]:
        """The indexes, for ``restore`` in a later run (``keys`` name the files, in order).

        The word index is saved only when it was restored, or when this run read the words of
        most files anyway (each file's import facts likewise, from a quarter of the files): in
        a large tree where the walk of callers reads a few hundred files' words (a
        virtualenv), reading them all to save an index would make every run slower than
        running without a cache.
        """
        words: tuple[Any, Any] = (None, None)
        if self._words is not None or 2 * len(self._tokens) >= len(self.datas):
            words = self._word_postings().saved()
        roots: tuple[Any, Any] = (None, None)
        if self._roots is not None or 2 * len(self._roots_of) >= len(self.datas):
            roots = self._root_postings().saved()
        # The import facts when the walk read those of a good part of the project (the files
        # that import its package: a service); reading the rest costs a tenth of that.
        imports = None
        if self._saved_imports is not None or 4 * len(self._imports) >= len(self.datas):
            saved = self._saved_imports or [None] * len(self.datas)
            imports = tuple(
                packed if packed is not None else _pack_imports(self.imports_of(index))
                for index, packed in enumerate(saved)
            )
        return (
            _SAVED_FORMAT,
            tuple(keys),
            b"".join(self._digests()),
            *words,
            *roots,
            imports,
        )

    def restore(self, saved: object, keys: list[str]) -> bool:
        """Take indexes saved by an earlier run over the same files, re-reading the words of
        the files whose content changed since. False (nothing taken) when the saved indexes
        are of other files or another format, or when most files changed."""
        if not (isinstance(saved, tuple) and len(saved) == 8 and saved[0] == _SAVED_FORMAT):
            return False
        _, saved_keys, digests, word_files, word_index, root_files, root_index, imports = saved
        if saved_keys != tuple(keys) or len(digests) != _DIGEST_SIZE * len(keys):
            return False
        changed = [
            member
            for member, digest in enumerate(self._digests())
            if digest != digests[member * _DIGEST_SIZE : (member + 1) * _DIGEST_SIZE]
        ]
        if len(changed) > max(16, len(keys) // 4):
            return False  # building afresh is as cheap as patching
        if root_files is not None:
            roots = _Postings(list(root_files), dict(root_index))
            for member in changed:
                roots.replace(member, tuple(self.imports_of(member).roots))
            self._roots = roots
        if word_files is not None:
            words = _Postings(list(word_files), dict(word_index))
            for member in changed:
                words.replace(member, _words_of(self.datas[member]))
            self._words = words
        if imports is not None:
            self._saved_imports = list(imports)
            for member in changed:
                self._saved_imports[member] = None
        self.changed = bool(changed)
        return True


_DIGEST_SIZE = 16


def _pack_imports(facts: ImportFacts) -> bytes:
    # Words joined by NUL, the four sets by \x01 (neither is in an identifier).
    return b"\x01".join(b"\0".join(sorted(part)) for part in facts)


def _unpack_imports(packed: bytes) -> ImportFacts:
    parts = [frozenset(part.split(b"\0")) - {b""} for part in packed.split(b"\x01")]
    return ImportFacts(*parts)


def _digest(data: bytes | None) -> bytes:
    # (An unreadable file has all-zero digest: it has no words.)
    if data is None:
        return bytes(_DIGEST_SIZE)
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()
