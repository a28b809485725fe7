"""Which files the analysis needs: decided from text first, then from module summaries.

Most files of a repository cannot matter to a Redis linter. This module decides, without parsing,
which files *can* hold a finding (``candidates``) and, from there, which other files the project
model needs to answer the rules' questions about them exactly as the full analysis would:

* **Redis-reachable** files: a file that names a Redis-family package (``redis``, ``valkey``,
  ``aioredis``) as a word, and every file that may import one of those, transitively. A name
  can only resolve to a Redis constructor through such a chain of imports.
* **Callers**: whether a function runs per request is decided by the modules that can reference
  it (they call it, register it as a route, name it in ``Depends``). A module can only reference
  another by writing its name (``from app import deps``; ``deps.get_redis``) or by a relative
  import of one of its own ancestor packages, so "may reference" is a word test on the text,
  and the callers are the closure of that test backwards.
* **Resolution**: the modules whose names the needed modules' summaries refer to (imports,
  re-exports, base classes), forwards, exactly, from the summaries.
* **Shared state**: app state attributes (``app.state.NAME``) and module variables that the
  needed summaries use: every file that mentions ``NAME`` may store or close them.

Every test here errs on the side of including a file: a word in a comment or a string counts.
``tests/test_demand_equivalence.py`` checks that the findings equal the full analysis's.
"""

from __future__ import annotations

import array
import bisect
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .project.summary import FunctionSummary, ModuleSummary

#: Word tests work on bytes: source encodings are ASCII-compatible (PEP 263), so an ASCII word
#: is found in the raw file whatever its encoding.
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_REDIS_WORDS = (b"redis", b"valkey", b"aioredis")
#: ``.state`` as an attribute, whitespace, line continuations and comments allowed around the dot.
#: (The alternatives cannot match the same text two ways, so the scan stays linear.)
_STATE_ATTRIBUTE = re.compile(rb"\.(?:[ \t\r\n\f\v\\]|#[^\n]*\n)*state\b")
#: (No ``\b`` before ``from``: it makes the scan several times slower, and a word ending in
#: ``from`` only makes the test include a file it need not.)
_RELATIVE = re.compile(rb"from[\s\\]+\.")
_RELATIVE_LEVEL = re.compile(rb"from[\s\\]+(\.+)")
#: ``noqa: ... RPL001`` (lower-cased): a directive that names one of our codes.
_NOQA_RPL = re.compile(rb"noqa:[^\n]*rpl[0-9]")
#: A ``.state.NAME`` segment of a dotted reference.
_STATE_NAME = re.compile(r"\.state\.(\w+)")


def has_word(data: bytes, word: bytes) -> bool:
    """True when ``word`` occurs in ``data`` not as part of a longer identifier."""
    start = data.find(word)
    size = len(word)
    while start != -1:
        before = data[start - 1 : start] if start else b""
        after = data[start + size : start + size + 1]
        if not _is_word_byte(before) and not _is_word_byte(after):
            return True
        start = data.find(word, start + 1)
    return False


def _is_word_byte(byte: bytes) -> bool:
    # A non-ASCII byte may be part of an identifier: treat it as a word character, so that a
    # word next to it does not count (a miss here is harmless: only ASCII names are searched,
    # and an identifier that merely contains one is not that name).
    return bool(byte) and (byte.isalnum() or byte == b"_" or byte[0] >= 0x80)


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


def mentions_redis(data: bytes) -> bool:
    """The sound text test: does the file import a Redis-family package?"""
    # One scan for ``redis`` covers ``aioredis`` too: most files have neither, and a scan of
    # the whole text is what this costs.
    if b"redis" in data and (_IMPORTS[b"redis"].search(data) or _IMPORTS[b"aioredis"].search(data)):
        return True
    return b"valkey" in data and _IMPORTS[b"valkey"].search(data) is not None


#: Space inside a statement: a newline only after a backslash.
_SPACE = rb"(?:[ \t\f]|\\\r?\n)"
#: ``from NAME`` (an absolute import's package).
_FROM_PACKAGE = re.compile(rb"from" + _SPACE + rb"+([A-Za-z_][A-Za-z0-9_]*)")
#: ``import A.B as C, D`` with the rest of its logical line (backslash continuations included).
_IMPORT_NAMES = re.compile(rb"import" + _SPACE + rb"+((?:[^\n;#\\]|\\\r?\n)*)")
_IMPORTED_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def _starts_statement(data: bytes, start: int) -> bool:
    """Does a keyword at ``start`` begin a statement: at a line's start (after indentation),
    or after ``;`` or the ``:`` of a one-line block (``try: import x``)? Prose that says "taken
    from the cache" in a comment or a docstring is then not an import of ``the``."""
    line = data.rfind(b"\n", 0, start) + 1
    before = data[line:start].rstrip(b" \t\f")
    return not before or before[-1:] in (b";", b":")


def imported_roots(data: bytes) -> set[bytes]:
    """The top-level names a file may import absolutely: a superset, read from the text (an
    import-like line of a docstring counts too)."""
    # (Two literal-led patterns and a look back, not one pattern anchored at statement starts:
    # regular expressions that start with a literal are an order of magnitude faster here.)
    roots: set[bytes] = set()
    if b"from" in data:
        for match in _FROM_PACKAGE.finditer(data):
            if _starts_statement(data, match.start()):
                roots.add(match.group(1))
    if b"import" in data:
        for match in _IMPORT_NAMES.finditer(data):
            if _starts_statement(data, match.start()):
                for item in match.group(1).split(b","):
                    first = _IMPORTED_NAME.search(item)
                    if first is not None:
                        roots.add(first.group())
    return roots


def mentions_state_attribute(data: bytes) -> bool:
    return b"state" in data and _STATE_ATTRIBUTE.search(data) is not None


class FileFacts:
    """What the text of one file says, before any parsing.

    Each fact costs a scan of the text, and most runs need only the first (no file imports
    Redis: nothing else is asked), so each is computed when first asked for.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.redis = mentions_redis(data)

    @cached_property
    def state(self) -> bool:
        return mentions_state_attribute(self._data)

    @cached_property
    def global_(self) -> bool:
        """``global`` statements: a per-request function may store a local in a module
        variable."""
        return b"global" in self._data and has_word(self._data, b"global")

    @cached_property
    def relative_import(self) -> bool:
        """``from .``: a relative import."""
        return b"from" in self._data and _RELATIVE.search(self._data) is not None

    @cached_property
    def relative_level(self) -> int:
        """The most dots of the file's relative imports (``from ..x`` is 2)."""
        levels = _RELATIVE_LEVEL.findall(self._data) if self.relative_import else []
        return max((len(dots) for dots in levels), default=0)

    @cached_property
    def yields(self) -> bool:
        """``yield``: lifespan state (``yield {"redis": client}``)."""
        return b"yield" in self._data

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


@dataclass(frozen=True)
class ModuleInfo:
    """A file's place in the module namespace (from its path, no parsing)."""

    name: str
    #: Every name the model may know it by: the canonical name and its effective aliases.
    names: tuple[str, ...]
    is_package: bool

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def root(self) -> str:
        return self.name.split(".", 1)[0]


class _Postings:
    """Which files have which words, from each file's words; patched file by file."""

    def __init__(self, per_file: list[tuple[bytes, ...] | bytes], index: dict[bytes, Any]) -> None:
        #: Each file's words: a tuple, or as saved (joined by NUL bytes).
        self.per_file = per_file
        #: Word -> the files that have it, ascending: a list, or as saved (packed integers).
        self.index = index

    @classmethod
    def build(cls, per_file: list[tuple[bytes, ...]]) -> _Postings:
        index: dict[bytes, Any] = {}
        for member, words in enumerate(per_file):
            for word in words:
                bucket = index.get(word)
                if bucket is None:
                    index[word] = [member]
                else:
                    bucket.append(member)
        return cls(list(per_file), index)

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


def _unpack(packed: bytes) -> Sequence[int]:
    found = array.array("I")
    found.frombytes(packed)
    return found


def _words_of(data: bytes | None) -> tuple[bytes, ...]:
    return tuple(set(_WORD.findall(data))) if data is not None else ()


def _roots_of(data: bytes | None) -> tuple[bytes, ...]:
    return tuple(imported_roots(data)) if data is not None and b"import" in data else ()


#: Bumped whenever what ``TextIndex.export`` writes changes meaning.
_SAVED_FORMAT = 1


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
        #: Did this run build or patch the indexes (so that they are worth saving)?
        self.changed = False

    def _word_postings(self) -> _Postings:
        if self._words is None:
            self._words = _Postings.build([_words_of(data) for data in self.datas])
            self.changed = True
        return self._words

    def _root_postings(self) -> _Postings:
        if self._roots is None:
            self._roots = _Postings.build([_roots_of(data) for data in self.datas])
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
            tokens = self._tokens[index] = frozenset(_words_of(self.datas[index]))
        return tokens

    def words_in(self, index: int) -> Iterable[str]:
        """The (ASCII) words of file ``index``."""
        words = self._words.words(index) if self._words is not None else self._file_words(index)
        return (word.decode("ascii") for word in words)

    def with_word_among(
        self, group: str, members: frozenset[int] | set[int], word: str
    ) -> Iterable[int]:
        """The files of a group (``members``, named ``group`` for reuse) that have ``word``.

        An inverted index over the group alone, built on first use: the walk of callers asks
        this of the files that import one top-level package, again and again.
        """
        if not word.isascii():
            return members
        if self._words is not None:
            return self.with_word(word) & members
        index = self._groups.get(group)
        if index is None:
            index = {}
            for member in members:
                for token in self._file_words(member):
                    bucket = index.get(token)
                    if bucket is None:
                        index[token] = [member]
                    else:
                        bucket.append(member)
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
            postings = self._root_postings()
            found = frozenset(root.decode("ascii") for root in postings.words(index))
            self._roots_of[index] = found
        return found

    def files_with(self, word: str) -> Sequence[int]:
        """Every file whose text has ``word`` as a word (or may: a non-ASCII word)."""
        if not word.isascii():
            return range(len(self.datas))
        return self._word_postings().files(word.encode())

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

    def export(self, keys: list[str]) -> tuple[Any, ...]:
        """The indexes, for ``restore`` in a later run (``keys`` name the files, in order)."""
        words, roots = self._word_postings().saved(), self._root_postings().saved()
        return (
            _SAVED_FORMAT,
            tuple(keys),
            b"".join(_digest(data) for data in self.datas),
            *words,
            *roots,
        )

    def restore(self, saved: object, keys: list[str]) -> bool:
        """Take indexes saved by an earlier run over the same files, re-reading the words of
        the files whose content changed since. False (nothing taken) when the saved indexes
        are of other files or another format, or when most files changed."""
        if not (isinstance(saved, tuple) and len(saved) == 7 and saved[0] == _SAVED_FORMAT):
            return False
        _, saved_keys, digests, word_files, word_index, root_files, root_index = saved
        if saved_keys != tuple(keys) or len(digests) != _DIGEST_SIZE * len(keys):
            return False
        changed = [
            member
            for member, data in enumerate(self.datas)
            if _digest(data) != digests[member * _DIGEST_SIZE : (member + 1) * _DIGEST_SIZE]
        ]
        if len(changed) > max(16, len(keys) // 4):
            return False  # building afresh is as cheap as patching
        words = _Postings(list(word_files), dict(word_index))
        roots = _Postings(list(root_files), dict(root_index))
        for member in changed:
            words.replace(member, _words_of(self.datas[member]))
            roots.replace(member, _roots_of(self.datas[member]))
        self._words, self._roots = words, roots
        self.changed = bool(changed)
        return True


_DIGEST_SIZE = 16


def _digest(data: bytes | None) -> bytes:
    # (An unreadable file has all-zero digest: it has no words.)
    if data is None:
        return bytes(_DIGEST_SIZE)
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


class Namespace:
    """Module names of every project file, for mapping references and words to files."""

    def __init__(self, modules: list[ModuleInfo], library: frozenset[int] = frozenset()) -> None:
        self.modules = modules
        #: Files that are not modules of the project (see ``Demand``).
        self.library = library
        members = [(index, info) for index, info in enumerate(modules) if index not in library]
        self.by_name: dict[str, int] = {}
        for index, info in members:
            for name in info.names:
                self.by_name.setdefault(name, index)
        self.by_root: dict[str, list[int]] = {}
        for index, info in members:
            self.by_root.setdefault(info.root, []).append(index)
        self.packages: dict[str, list[int]] = {}
        for index, info in members:
            parts = info.name.split(".")
            for end in range(1, len(parts)):
                self.packages.setdefault(".".join(parts[:end]), []).append(index)

    def ancestors(self, index: int) -> Iterator[int]:
        """The package modules (``__init__``) above a module."""
        parts = self.modules[index].name.split(".")
        for end in range(1, len(parts)):
            found = self.by_name.get(".".join(parts[:end]))
            if found is not None and self.modules[found].is_package:
                yield found

    def referenced(self, ref: str) -> Iterator[int]:
        """Every module a dotted reference may pass through (each of its prefixes)."""
        if ref.startswith(("param:", "local:", "dep:")):
            return
        segments = [segment.removesuffix("()") for segment in ref.split(".")]
        for end in range(1, len(segments) + 1):
            found = self.by_name.get(".".join(segments[:end]))
            if found is not None:
                yield found


def _expand(value: str | None) -> Iterator[str]:
    if value is None:
        return
    if value.startswith("list:"):
        yield from (v for v in value[5:].split(",") if v != "?")
    elif value.startswith("dep:"):
        yield from value[4:].split("|")
    elif "|" in value:
        yield from value.split("|")
    else:
        yield value


_REDIS_PACKAGES = frozenset(word.decode() for word in _REDIS_WORDS)


def _prefixes(ref: str) -> tuple[str, ...]:
    """``a.b().c`` -> ``a``, ``a.b``, ``a.b.c``; none for a parameter or a local."""
    if ref.startswith(("param:", "local:")):
        return ()
    segments = ref.removeprefix("ann:").split(".")
    key = segments[0].removesuffix("()")
    found = [key]
    for segment in segments[1:]:
        key = f"{key}.{segment.removesuffix('()')}"
        found.append(key)
    return tuple(found)


def top_level_names(summary: ModuleSummary) -> set[str]:
    """The names a module binds at top level (``app.deps.get_redis`` -> ``get_redis``)."""
    prefix = summary.name + "."
    qualified: list[str] = [
        *summary.imports,
        *summary.variables,
        *summary.annotated_dependencies,
        *(cls.qualname for cls in summary.classes),
        *(f.qualname for f in summary.functions if f.name != "<module>"),
    ]
    return {q[len(prefix) :].split(".", 1)[0] for q in qualified if q.startswith(prefix)}


def refs_by_name(summary: ModuleSummary) -> dict[str, list[str]]:
    """Every dotted reference of a module, grouped by the top-level name whose code or value
    holds it (a method's under its class; module-level statements under none)."""
    prefix = summary.name + "."
    groups: dict[str, list[str]] = {}

    def group(qualified: str) -> list[str] | None:
        if not qualified.startswith(prefix):
            return None
        return groups.setdefault(qualified[len(prefix) :].split(".", 1)[0], [])

    for key, target in summary.imports.items():
        found = group(key)
        if found is not None:
            found.append(target)
    for key, value in summary.variables.items():
        found = group(key)
        if found is not None:
            found.extend(_expand(value))
    for key, deps in summary.annotated_dependencies.items():
        found = group(key)
        if found is not None:
            for dep in deps:
                found.extend(_expand(dep))
    for cls in summary.classes:
        found = group(cls.qualname)
        if found is not None:
            found.extend(cls.bases)
            for _, value in cls.attributes:
                found.extend(_expand(value))
    for function in summary.functions:
        if function.name == "<module>":
            continue
        found = group(function.qualname)
        if found is not None:
            found.extend(_function_refs(function))
    return groups


def all_refs(summary: ModuleSummary) -> Iterator[str]:
    """Every dotted reference a module summary holds (what its code may use)."""
    yield from summary.imports.values()
    for value in summary.variables.values():
        yield from _expand(value)
    for deps in summary.annotated_dependencies.values():
        for dep in deps:
            yield from _expand(dep)
    for cls in summary.classes:
        yield from cls.bases
        for _, value in cls.attributes:
            yield from _expand(value)
    for function in summary.functions:
        yield from _function_refs(function)


def _function_refs(function: FunctionSummary) -> Iterator[str]:
    for decorator in function.decorators:
        yield decorator.callee
        for arg in decorator.args:
            yield from _expand(arg)
        for _, value in decorator.keywords:
            yield from _expand(value)
    for call in (*function.calls, *function.signature_calls):
        yield call.callee
        for arg in call.args:
            yield from _expand(arg)
        for _, value in call.keywords:
            yield from _expand(value)
    for annotation in function.annotations:
        yield from _expand(annotation)
    for site in function.withs:
        yield site.expr
    for value in function.local_types.values():
        yield from _expand(value)
    for assign in function.assigns:
        yield assign.target
        yield from _expand(assign.value)
    for _, value in function.yielded_state:
        yield from _expand(value)
    yield from function.returns


def resolving_refs(summary: ModuleSummary, constructor_names: frozenset[str]) -> Iterator[str]:
    """The references of a module whose resolution the analysis of its code depends on.

    Callees (calls, decorators, ``Depends`` in signatures), annotations, base classes, what
    variables, locals and assignments hold, what ``with`` enters. Not the imports as such (they
    are followed where a reference passes through them) and not the arguments of calls, except a
    Redis constructor's (its pool): an argument that names a function matters only if that
    function can reach a candidate, and then its module is among the callers anyway.
    """
    for value in summary.variables.values():
        yield from _expand(value)
    for deps in summary.annotated_dependencies.values():
        for dep in deps:
            yield from _expand(dep)
    for cls in summary.classes:
        yield from cls.bases
    for function in summary.functions:
        for decorator in function.decorators:
            yield decorator.callee
        for call in (*function.calls, *function.signature_calls):
            yield call.callee
            if call.callee.rsplit(".", 1)[-1].removesuffix("()") in constructor_names:
                for arg in call.args:
                    yield from _expand(arg)
                for _, value in call.keywords:
                    yield from _expand(value)
        for call in function.signature_calls:
            for arg in call.args:
                yield from _expand(arg)
        for annotation in function.annotations:
            yield from _expand(annotation)
        for site in function.withs:
            yield site.expr
        for value in function.local_types.values():
            yield from _expand(value)
        for assign in function.assigns:
            yield assign.target
            yield from _expand(assign.value)
        for _, value in function.yielded_state:
            yield from _expand(value)


def state_names(refs: Iterable[str]) -> set[str]:
    """App state attributes a module touches: ``request.app.state.redis.get`` -> ``redis``."""
    return {match.group(1) for ref in refs for match in _STATE_NAME.finditer(ref)}


class Demand:
    """The text-level closures: candidates, and the modules that may reference them."""

    def __init__(
        self,
        modules: list[ModuleInfo],
        facts: list[FileFacts | None],
        reported: list[bool],
        text: TextIndex,
        library: frozenset[int] = frozenset(),
    ) -> None:
        #: The source of the Redis client packages themselves, when the project holds it (a
        #: vendored copy, a virtualenv): ``redis_api`` describes those packages, so their
        #: files are neither analysed nor resolved into, like any installed library.
        self.library = library
        self.namespace = Namespace(modules, library)
        self.modules = modules
        self.facts = facts
        self.reported = reported
        self.text = text
        #: The top-level names each module is known by: its canonical root first.
        self.roots = [
            (info.root, *sorted({n.split(".", 1)[0] for n in info.names} - {info.root}))
            for info in modules
        ]
        self._framework_known: dict[int, bool] = {}
        self._shorts: dict[str, list[int]] | None = None
        self._relative_roots: dict[str, set[int]] = {}
        self._to_top: set[int] | None = None
        self.redis_files = [
            i for i, f in enumerate(facts) if f is not None and f.redis and i not in library
        ]
        #: Set by ``reach``: the files that may reach a Redis client through the names they
        #: use, the reported ones among them and the shared-state files that can hold findings,
        #: and every file found on the way (the callers).
        self.redis_reachable: set[int] = set()
        self.candidates: frozenset[int] = frozenset()
        self.found: set[int] = set()
        #: Each file's top-level names that lead to Redis or shared state (see ``_close``).
        self._names: dict[int, set[str]] = {}
        self._groups: dict[int, dict[str, list[str]]] = {}
        #: Shared-state files: every name of theirs leads.
        self._whole: set[int] = set()
        #: Dotted names that lead there (``app.deps.get_redis``), and the modules that have any.
        self._keys: set[str] = set()
        self._modules_leading: set[str] = set()
        self._prefixes: dict[str, tuple[str, ...]] = {}
        #: Names that lead because leading code is registered on them (see ``_carriers``), and
        #: the modules that have new ones to look at again.
        self._forced: dict[int, set[str]] = {}
        self._reopen: set[int] = set()

    def reach(
        self,
        summarise: Callable[[Iterable[int]], None],
        summary_of: Callable[[int], ModuleSummary | None],
    ) -> None:
        """Find the files that can hold a finding, and their callers, by the names they use.

        From the files that import a Redis package, upwards: a file is taken in when it may
        import a module already taken in (``may_reference``, a text test) *and* writes one of
        that module's names; its summary then says whether its own code uses any of those
        names (or a Redis package): if so, its names lead on in turn. A module that only
        imports a library that happens to use Redis, without using the part that does, ends
        the walk there (in a virtualenv, that is the difference between a few files and all
        of them).
        """
        self._close(self.redis_files, summarise, summary_of, whole=False)
        self.redis_reachable = set(self.found)
        candidates = set(self.found)
        # Code that closes app state need not name Redis; it matters only where Redis-reachable
        # code stores objects there (``app.state.redis = ...``) or yields them as lifespan
        # state (``yield {"redis": client}``), and then it writes that attribute's name. Every
        # name of such a file may lead to that state. (A module variable set by Redis-reachable
        # code is followed to its module and that module's users: ``extend``.)
        stored: set[str] = set()
        for index in self.redis_reachable:
            summary = summary_of(index)
            if summary is not None:
                for function in summary.functions:
                    for assign in function.assigns:
                        names = state_names([assign.target])
                        if names and self._value_leads(assign.value, function):
                            stored |= names
                    stored.update(
                        key
                        for key, value in function.yielded_state
                        if self._value_leads(value, function)
                    )
        if stored:
            shared = [
                index
                for index, fact in enumerate(self.facts)
                if fact is not None
                and fact.state
                and index not in self.library
                and any(self.text.mentions(index, name) for name in stored)
            ]
            candidates.update(shared)
            self._close(shared, summarise, summary_of, whole=True)
        #: Reported files whose findings the rules compute (policy shared by both modes).
        self.candidates = frozenset(i for i in candidates if self.reported[i])

    def _value_leads(self, value: str | None, function: FunctionSummary) -> bool:
        """May a value stored by ``function`` be a Redis object (or lead to one)? Unknown
        values and parameters of unknown type may."""
        if value is None:
            return True
        for ref in _expand(value):
            head = ref.split(".", 1)[0]
            if head.startswith(("local:", "param:")):
                held = function.local_types.get(head)
                if held is None:
                    if head.startswith("param:"):
                        return True
                    continue
                if any(self._leads(made) for made in _expand(held)):
                    return True
            elif self._leads(ref):
                return True
        return False

    def extend(
        self,
        seeds: Iterable[int],
        summarise: Callable[[Iterable[int]], None],
        summary_of: Callable[[int], ModuleSummary | None],
    ) -> set[int]:
        """Add files every name of which may lead to shared state, and their callers; returns
        the files found by this call."""
        before = set(self.found)
        self._close(list(seeds), summarise, summary_of, whole=True)
        return self.found - before

    def _close(
        self,
        seeds: list[int],
        summarise: Callable[[Iterable[int]], None],
        summary_of: Callable[[int], ModuleSummary | None],
        *,
        whole: bool,
    ) -> None:
        if whole:
            self._whole.update(seeds)
        self.found.update(seeds)
        queue = sorted(set(seeds))
        while queue:
            summarise(queue)
            opened: list[tuple[int, set[str]]] = []
            for index in queue:
                summary = summary_of(index)
                if summary is None:
                    continue  # unreadable or unparsable: the model sees none of its names
                known = self._names.setdefault(index, set())
                leading = self._leading_names(index, summary)
                if leading - known:
                    opened.append((index, leading - known))
                    known |= leading
            waiting: set[int] = set()
            for index, names in opened:
                for caller in self.may_reference(index):
                    if caller == index or caller in self.library:
                        continue
                    if any(self.text.mentions(caller, n) for n in names):
                        self.found.add(caller)
                        waiting.add(caller)
            # A caller taken in before may use names that lead only now: it is looked at again.
            waiting |= self._reopen
            self.found |= self._reopen
            self._reopen = set()
            queue = sorted(waiting)

    def _leading_names(self, index: int, summary: ModuleSummary) -> set[str]:
        """The module's top-level names whose code or value uses a Redis package or a name
        that leads there (all of them, for a shared-state file); adds them to the keys."""
        module_names = self.modules[index].names
        if index in self._whole:
            found = top_level_names(summary)
        else:
            groups = self._groups.get(index)
            if groups is None:
                groups = self._groups[index] = refs_by_name(summary)
            # (Only module variables are registration targets: an app, a router, a blueprint.)
            variables = {key[len(summary.name) + 1 :] for key in summary.variables}
            forced = self._forced.get(index, set()) & variables
            found = set(self._names.get(index, ())) | forced
            grew = True
            while grew:  # a name may lead through another name of the same module
                grew = False
                for name, refs in groups.items():
                    if name not in found and any(self._leads(ref) for ref in refs):
                        found.add(name)
                        self._keys.update(f"{module}.{name}" for module in module_names)
                        grew = True
                # What leading code hands itself to leads too: the router or app a handler is
                # registered on (``@router.get``, ``router.add_api_route(path, handler)``,
                # ``app = FastAPI(lifespan=lifespan)``), so that the code that includes that
                # router or serves that app is found as well.
                for ref in self._carriers(summary, found):
                    owner = self._owner_of(ref)
                    if owner is None:
                        continue
                    module, name = owner
                    if module == index:
                        if name not in found and name in variables:
                            found.add(name)
                            self._keys.update(f"{m}.{name}" for m in module_names)
                            grew = True
                    elif name not in self._forced.setdefault(module, set()):
                        self._forced[module].add(name)
                        self._reopen.add(module)
        if found:
            self._keys.update(f"{module}.{name}" for module in module_names for name in found)
            self._modules_leading.update(module_names)
        return found

    def _carriers(self, summary: ModuleSummary, leading: set[str]) -> Iterator[str]:
        """References to the objects that leading code is registered on or handed to."""
        prefix = summary.name + "."
        for function in summary.functions:
            top = function.qualname[len(prefix) :].split(".", 1)[0]
            if top in leading:
                for decorator in function.decorators:
                    yield decorator.callee
            for call in function.calls:
                # A leading function or object itself passed (``add_api_route(path, read)``,
                # ``include_router(cache.router)``), not merely a value computed from one.
                values = [*call.args, *(value for _, value in call.keywords)]
                if any(ref in self._keys for value in values for ref in _expand(value)):
                    yield call.callee
                    if call.assigned_to is not None:
                        yield call.assigned_to

    def _owner_of(self, ref: str) -> tuple[int, str] | None:
        """The project module a reference goes through last, and the top-level name of that
        module it goes on to (``app.cache.router.get`` -> ``app.cache``, ``router``)."""
        if ref.startswith(("param:", "local:")):
            return None
        segments = [segment.removesuffix("()") for segment in ref.split(".")]
        for end in range(len(segments) - 1, 0, -1):
            module = self.namespace.by_name.get(".".join(segments[:end]))
            if module is not None:
                return module, segments[end]
        return None

    def _leads(self, ref: str) -> bool:
        """Does a dotted reference use a Redis package, or a name that leads there?

        A reference that ends at a module (the module object, ``import app.deps as d``)
        leads when any name of that module does; one that goes on to a name of the module
        leads only through that name.
        """
        prefixes = self._prefixes.get(ref)
        if prefixes is None:
            prefixes = self._prefixes[ref] = _prefixes(ref)
        if not prefixes:
            return False
        if prefixes[0] in _REDIS_PACKAGES:
            return True
        keys = self._keys
        for prefix in prefixes:
            if prefix in keys:
                return True
        return prefixes[-1] in self._modules_leading

    def may_reference(
        self, target: int, among: frozenset[int] | set[int] | None = None
    ) -> Iterator[int]:
        """Files (``among`` these, when given) that may reference module ``target``.

        A module reaches another's names only through an import statement: an absolute one
        names the module's top-level package (or the top of another name the module is known
        by), a relative one stays inside its top-level package; either way the module's own
        name is written (``from app import deps``, ``from .deps import x``, ``import
        app.deps``), or the importer is below a package that re-exports it (then the package
        is the one referenced). Words in comments and strings count: the test may include a
        file it need not, never leave out one it needs.
        """
        info = self.modules[target]
        if info.is_package:
            # Below a package, a module reaches the package's own names without writing the
            # package's name only through a relative import (``from . import x``).
            for index in self.namespace.packages.get(info.name, ()):
                fact = self.facts[index]
                if (fact is None or fact.relative_import) and (among is None or index in among):
                    yield index
        # An absolute import writes every segment of one of the module's names and imports its
        # top-level package; a relative one goes up to a package above both modules and writes
        # the segments from there down. So a file that lacks one of those words cannot reach
        # the module, however common its short name (``util``, ``base``) is.
        canonical = info.name.split(".")
        # Who may write such an import and the module's name: files that import one of the
        # module's top-level names, and files with relative imports that can reach it.
        text = self.text
        candidates: set[int] = set()
        for name in info.names:
            root = name.split(".", 1)[0]
            candidates.update(
                text.with_word_among(f"imports {root}", text.files_importing(root), info.short)
            )
        root = canonical[0]
        candidates.update(
            text.with_word_among(f"relative {root}", self._relative_in_root(root), info.short)
        )
        candidates.update(text.with_word_among("to top", self._relative_to_top(), info.short))
        if among is not None:
            candidates &= among
        for index in sorted(candidates):
            if index != target and self._writes_import(index, target):
                yield index

    def _writes_import(self, index: int, target: int) -> bool:
        """Does file ``index`` write the words of an import of module ``target`` (knowing
        that it writes the target's short name)? See ``may_reference``."""
        info = self.modules[target]
        for name in info.names:
            segments = name.split(".")
            if index in self.text.files_importing(segments[0]) and all(
                self.text.mentions(index, s) for s in segments[1:-1]
            ):
                return True
        fact = self.facts[index]
        if fact is not None and not fact.relative_import:
            return False
        # Relative to the importer's package (the project root, for a top-level module of a
        # plain folder, as the model resolves it).
        canonical = info.name.split(".")
        importer = self.modules[index]
        package = importer.name.split(".")
        if not importer.is_package:
            package.pop()
        common = 0
        while common < min(len(package), len(canonical) - 1) and (
            package[common] == canonical[common]
        ):
            common += 1
        return all(self.text.mentions(index, s) for s in canonical[common:-1])

    def may_import(self, index: int) -> Iterator[int]:
        """The project modules file ``index`` may import: ``may_reference`` the other way."""
        fact = self.facts[index]
        if fact is None or fact.relative_import:
            yield from self.namespace.ancestors(index)
        for word in self.text.words_in(index):
            for target in self._by_short().get(word, ()):
                if target != index and self._writes_import(index, target):
                    yield target

    def _by_short(self) -> dict[str, list[int]]:
        if self._shorts is None:
            self._shorts = {}
            for target, info in enumerate(self.modules):
                if target not in self.library:
                    self._shorts.setdefault(info.short, []).append(target)
        return self._shorts

    def _relative_in_root(self, root: str) -> set[int]:
        """Files below the top-level name ``root`` that have relative imports (an unreadable
        file counts: nothing is known of it)."""
        found = self._relative_roots.get(root)
        if found is None:
            found = {
                index
                for index in self.namespace.by_root.get(root, ())
                if (fact := self.facts[index]) is None or fact.relative_import
            }
            self._relative_roots[root] = found
        return found

    def _relative_to_top(self) -> set[int]:
        """Files whose relative imports may climb to the project root: ``from .x`` in a
        top-level module, ``from ..x`` one package down, and so on. The model resolves those to
        top-level modules (Python would refuse most of them), so they may reach any module."""
        if self._to_top is None:
            self._to_top = set()
            for index, fact in enumerate(self.facts):
                if fact is None:
                    self._to_top.add(index)
                    continue
                if not fact.relative_import:
                    continue
                info = self.modules[index]
                depth = info.name.count(".") + (1 if info.is_package else 0)
                if fact.relative_level - 1 >= depth:
                    self._to_top.add(index)
        return self._to_top

    def leads_to_framework(self, target: int, packages: frozenset[str]) -> bool:
        """May module ``target`` reach a web framework's API through its imports?

        Forwards from the module, by the same text test as the callers' (``may_import``), to
        a file that imports a framework package; memoised (a walk that finds none proves it
        for every module it went through).
        """
        known = self._framework_known.get(target)
        if known is not None:
            return known
        seen = {target}
        todo = [target]
        found = False
        while todo and not found:
            current = todo.pop()
            if self._framework_known.get(current) or not packages.isdisjoint(
                self.text.roots_of(current)
            ):
                found = True
                break
            for module in self.may_import(current):
                if module not in seen and self._framework_known.get(module) is not False:
                    seen.add(module)
                    todo.append(module)
        if found:
            self._framework_known[target] = True
        else:
            for module in seen:
                self._framework_known[module] = False
        return found
