"""Which files the analysis needs: decided from text first, then from module summaries.

Most files of a repository cannot matter to a Redis linter. From the text tests of ``text``
and the summaries of the few files it parses, this module decides which files *can* hold a
finding (``candidates``) and which other files the project model needs to answer the rules'
questions about them exactly as the full analysis would:

* **Redis files**: files whose text imports a Redis-family package (``redis``, ``valkey``,
  ``aioredis``); the source of those packages themselves is knowledge, not project code.
* **Callers, by name** (``Demand.reach``): upwards from the Redis files, a file is taken in when
  an import in its text may reach a module already taken in and it writes one of that module's
  names that *lead* to Redis (whose code uses a Redis package or another leading name); its
  summary then says which of its own names lead on. What leading code is registered on (a
  router, an app) leads too. App-state attributes under which Redis code stores a Redis object
  bring in the files that use them.
* **Resolution**: the modules the needed summaries refer to, forwards, from the summaries
  (``engine._needed``), where they may lead to a caller, Redis or a web framework's API.
* **What fixes read**: what the callers pass as an app's ``lifespan=`` (a fix adds the shared
  client to it), and the dependencies whose values a Redis constructor's arguments read (a fix
  calls them in the lifespan), wherever their modules lead (``fix_refs``).

**Targeted analysis** (``Demand.target``, ``engine._needed_targeted``). When every reported file
was named on the command line (pre-commit's changed files), the closure above still starts from
*every* Redis file: in a large service, hundreds of clients and their routers, to report one
file. A finding of a named file depends only on

* the callers of its functions (what makes them per request, the route's label): the upward
  closure seeded with the named files alone, every name of which leads (which of them reach
  Redis, and through which module, is not known before their callees are read), with what their
  code is registered on (``_carry_whole``: the router, the app that includes it);
* what its references hold: every module they pass through, followed forwards to the end
  (factories, dependencies, helpers, whatever they import), and the modules those star-import;
* what stores the long-lived objects those references may read. Where a reference that may
  hold one (``held_refs``: what ``with`` enters, what is closed, a constructor's pool, what is
  returned or stored) goes through app or request state, the files that write that attribute
  and may store state (``may_store_state``: an ``=`` after ``.state``/``.ctx``, or a yielded
  dict; then ``stores_state`` on the summary); where it ends at a module variable, the files
  that assign that variable. Those are read with their callers (a store in per-request code
  is a singleton), and what they hold is followed in turn.

Two rules ask the whole project another question: RPL009 (is there a web app?) and RPL007 (does
any shutdown code close what a named file's startup code stores?). Runs that select RPL009,
runs where a named file's startup code stores a client it creates (decided after the targeted
analysis, which knows that exactly), and fix planning (a fix may edit any file) use the whole
analysis (``engine._targeted_is_exact``, ``engine._stored_at_startup``,
``LintResult.plan_fixes``).

Every test errs on the side of including a file. ``tests/test_demand_equivalence.py`` checks
that the findings and the planned fixes equal the full analysis's, for the whole project and
for each file linted alone (the targeted analysis).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from . import redis_api
from .project.summary import FunctionSummary, ModuleSummary
from .text import STATE_ITEMS, FileFacts, TextIndex

#: A ``.state.NAME`` segment of a dotted reference.
_STATE_NAME = re.compile(r"\.state\.(\w+)")

#: ``.state`` or ``.ctx`` (Sanic's app state) as an attribute, as ``text`` finds ``.state``.
_STATE_OR_CTX = re.compile(rb"\.(?:[ \t\r\n\f\v\\]|#[^\n]*\n)*(?:state|ctx)\b")
#: An ``=`` that may assign (not ``==``, ``!=``, ``<=``, ``>=``; ``+=`` counts).
_ASSIGNING = re.compile(rb"(?<![=!<>])=(?!=)")
#: ``yield {``: lifespan state (brackets, continuations and comments allowed between).
_YIELD_DICT = re.compile(rb"\byield\b(?:[ \t\r\n\f\v\\(]|#[^\n]*\n)*\{")


def may_store_state(data: bytes) -> bool:
    """May a file's code store an object in app or request state (a text test)?

    An assignment's target is written before its ``=``: ``app.state.redis = ...``,
    ``request.state.redis = ...``, ``app.ctx.redis = ...``, aiohttp's ``app["redis"] = ...``.
    Lifespan state is a yielded dict (``yield {"redis": client}``). A file with neither cannot
    store state; one that has them is asked its summary (``stores_state``).
    """
    match = _STATE_OR_CTX.search(data)
    if match is not None and _ASSIGNING.search(data, match.end()) is not None:
        return True
    for owner, pattern in STATE_ITEMS:  # ``app["redis"] = ...`` (aiohttp)
        match = pattern.search(data) if owner in data else None
        if match is not None and _ASSIGNING.search(data, match.end()) is not None:
            return True
    return b"yield" in data and _YIELD_DICT.search(data) is not None


def stores_state(summary: ModuleSummary) -> bool:
    """May a module's code store a Redis object in app or request state: assign there (or
    assign a call's result there) or yield as lifespan state something that may be one?"""
    for function in summary.functions:
        if any(_may_be_object(value, function) for _, value in function.yielded_state):
            return True
        for assign in function.assigns:
            if _is_state(assign.target) and _may_be_object(assign.value, function):
                return True
        for call in function.calls:
            if call.assigned_to is not None and _is_state(call.assigned_to):
                return True
    return False


def _is_state(target: str) -> bool:
    return ".state." in target or ".ctx." in target


def _may_be_object(value: str | None, function: FunctionSummary) -> bool:
    """May a stored value be a client or pool (``project.objects``: what ``holds`` or
    ``long_lived`` finds)? Not a literal, nor a parameter nothing injects (``request.state.tag
    = tag`` with ``tag: str``): neither is made by a call nor reached through state, a module
    or a dependency."""
    if value is None or value.startswith("const:"):
        return False
    if value.startswith("param:") and "." not in value:
        held = function.local_types.get(value)
        return held is not None and not held.startswith("ann:builtins.")
    return True


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

    def with_packages(self, index: int) -> Iterator[int]:
        """The module and the packages above it (importing it runs their ``__init__``)."""
        yield index
        yield from self.ancestors(index)

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


#: How many modules' importers are found by scanning every file's bytes before the walk
#: builds inverted indexes instead (a scan costs about a fifth of building them).
_BYTE_SCANS = 4


#: How many modules ``leads_to_framework`` reads before it answers "may" (see there).
_FRAMEWORK_WALK_BUDGET = 16


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


_REDIS_PACKAGES = frozenset(redis_api.PACKAGES)


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
    yield from _held_refs(function)
    yield from function.returns


def _held_refs(function: FunctionSummary) -> Iterator[str]:
    """What a function's annotations, ``with`` items, locals, assignments and yielded state
    refer to."""
    for annotation in function.annotations:
        yield from _expand(annotation)
    for site in function.withs:
        yield site.expr
    for held in function.local_types.values():
        yield from _expand(held)
    for assign in function.assigns:
        yield assign.target
        yield from _expand(assign.value)
    for _, value in function.yielded_state:
        yield from _expand(value)


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
        yield from _held_refs(function)


def fix_refs(summary: ModuleSummary, constructor_names: frozenset[str]) -> Iterator[str]:
    """What a fix of a module's code reads that no finding depends on.

    * What it passes as an application's lifespan (``FastAPI(lifespan=...)``). No finding
      depends on a lifespan that makes no Redis object (``resolving_refs`` leaves call
      arguments out), but a fix adds the shared client to it: without its module, the fix
      planner finds no lifespan where the full analysis does, and gives up (or would add a
      second one). A keyword is cheap to follow; any call's ``lifespan=`` is taken.
    * The dependency that gives a parameter a Redis constructor's arguments read
      (``Redis.from_url(settings.redis_url)``, ``settings = Depends(get_settings)``): the fix
      calls it in the lifespan, if it is a plain function (a settings module leads nowhere).
    """
    for function in summary.functions:
        for call in function.calls:
            for key, value in call.keywords:
                if key == "lifespan":
                    yield from _expand(value)
            if call.callee.rsplit(".", 1)[-1].removesuffix("()") not in constructor_names:
                continue
            for value in (*call.args, *(value for _, value in call.keywords)):
                for ref in _expand(value):
                    if not ref.startswith("param:"):
                        continue
                    given = function.local_types.get(ref.split(".", 1)[0], "")
                    if given.startswith("dep:"):
                        yield from _expand(given)
                    elif given.startswith("ann:"):  # (an ``Annotated`` alias of this module)
                        for dep in summary.annotated_dependencies.get(given[4:], ()):
                            yield from _expand(dep)


def held_refs(summary: ModuleSummary, constructor_names: frozenset[str]) -> Iterator[str]:
    """The references of a module through which its code may reach an object that outlives a
    request (``RedisObjects.long_lived`` and ``holds``): what ``with`` enters, what close
    methods are called on, a constructor's arguments (its pool), what functions return or
    yield, what is assigned. Where one of them ends at a module variable, the code that assigns
    that variable decides what it holds (``engine._needed_targeted``)."""
    for function in summary.functions:
        for site in function.withs:
            yield site.expr
        for call in function.calls:
            receiver, _, method = call.callee.rpartition(".")
            if method in redis_api.CLOSE_METHODS and receiver:
                yield receiver.removesuffix(".connection_pool")
            if call.callee.rsplit(".", 1)[-1].removesuffix("()") in constructor_names:
                for arg in call.args:
                    yield from _expand(arg)
                for _, value in call.keywords:
                    yield from _expand(value)
        yield from function.returns
        for assign in function.assigns:
            yield from _expand(assign.value)
        for _, value in function.yielded_state:
            yield from _expand(value)


#: A ``.state.NAME`` or ``.ctx.NAME`` segment (app state, Sanic's included).
_HELD_ATTRIBUTE = re.compile(r"\.(?:state|ctx)\.(\w+)")


def held_attributes(ref: str) -> set[str]:
    """App or request state attributes a reference goes through (``state_names``, and Sanic's
    ``app.ctx.redis``): what ``RedisObjects`` looks up for it."""
    return {match.group(1) for match in _HELD_ATTRIBUTE.finditer(ref)}


def state_names(ref: str) -> set[str]:
    """App state attributes a reference goes through: ``request.app.state.redis`` -> ``redis``."""
    return {match.group(1) for match in _STATE_NAME.finditer(ref)}


@dataclass(frozen=True)
class LoadedBySetting:
    """What the frameworks load from dotted paths in settings lists (``Framework.
    setting_lists``): the lists' names, and the methods of a class loaded that way."""

    names: frozenset[str]
    methods: frozenset[str]

    def may_define(self, summary: ModuleSummary) -> bool:
        """May a module define something loaded that way: a class with one of those methods,
        or a function defined in a function (what a middleware factory returns)?"""
        functions = {function.qualname for function in summary.functions}
        if any(function.qualname.rsplit(".", 1)[0] in functions for function in summary.functions):
            return True
        return any(not self.methods.isdisjoint(cls.methods) for cls in summary.classes)


class Demand:
    """The text-level closures: candidates, and the modules that may reference them."""

    def __init__(
        self,
        modules: list[ModuleInfo],
        facts: list[FileFacts | None],
        reported: list[bool],
        text: TextIndex,
        namespace: Namespace,
        loaded_by_setting: LoadedBySetting | None = None,
    ) -> None:
        #: The source of the Redis client packages and web frameworks themselves, when the
        #: project holds it (a vendored copy, a virtualenv): ``redis_api`` and ``frameworks``
        #: describe those packages, so their files are neither analysed nor resolved into, like
        #: any installed library.
        self.library = namespace.library
        self.namespace = namespace
        self.modules = modules
        self.facts = facts
        self.reported = reported
        self.text = text
        self.loaded_by_setting = loaded_by_setting
        self._framework_known: dict[int, bool] = {}
        self._shorts: dict[str, list[int]] | None = None
        self._relative_roots: dict[str, set[int]] = {}
        self._to_top: set[int] | None = None
        #: Questions of ``may_reference`` still answered by scanning bytes (see
        #: ``_writing_short_by_bytes``).
        self._scans_left = _BYTE_SCANS
        self._naming: dict[int, frozenset[bytes]] = {}
        self.redis_files = [
            i for i, f in enumerate(facts) if f is not None and f.redis and i not in self.library
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
        #: Set by ``target``: files every name of which leads still say what their leading code
        #: is registered on (see ``_leading_names``).
        self._carry_whole = False

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
        self._add_settings(summarise, summary_of)
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
                        names = state_names(assign.target)
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
            self._close(shared, summarise, summary_of, whole=True)
            # Their callers too: a handler that enters what a dependency there returns
            # (``async with r`` for ``r=Depends(get_redis)`` returning ``request.state.redis``)
            # closes the shared client without writing ``.state`` itself.
            candidates.update(self.found)
        #: Reported files whose findings the rules compute (policy shared by both modes).
        self.candidates = frozenset(i for i in candidates if self.reported[i])

    @cached_property
    def _project_roots(self) -> frozenset[bytes]:
        """For ``_naming_words``: every top-level name of the project (a plain import of one
        binds a package, or a module), each module's other names' included. (Made when first
        asked for: a targeted run asks few questions of a large project.)"""
        roots = set(self.namespace.by_root)
        for index, info in enumerate(self.modules):
            if info.names != (info.name,) and index not in self.library:
                roots.update(name.partition(".")[0] for name in info.names)
        return frozenset(root.encode() for root in roots)

    @cached_property
    def _package_names(self) -> frozenset[bytes]:
        """For ``_naming_words``: every package's last name."""
        return frozenset(name.rsplit(".", 1)[-1].encode() for name in self.namespace.packages)

    def target(
        self,
        seeds: Iterable[int],
        summarise: Callable[[Iterable[int]], None],
        summary_of: Callable[[int], ModuleSummary | None],
    ) -> None:
        """``reach`` for a run that reports only the files named on the command line (the
        *targeted* analysis, see the module docstring): the callers of ``seeds`` (the named
        files), every name of which leads, instead of the callers of every Redis file. The code
        that stores what their references may read is added later, with its callers
        (``extend``, from ``engine._needed_targeted``).

        A named file's names all lead, whether or not they reach Redis: a finding there depends
        on its functions' callers, and which of its names reach a Redis constructor (through
        which module) is not known before its callees are read. What they are registered on
        leads too (``_carry_whole``): the router a handler is registered on, the app that
        includes that router, for the route's label.
        """
        seeds = sorted(set(seeds))
        self._carry_whole = True
        self._close(seeds, summarise, summary_of, whole=True)
        self._add_settings(summarise, summary_of)
        self.redis_reachable = set(self.found)
        self.candidates = frozenset(i for i in seeds if self.reported[i] and i not in self.library)

    def _add_settings(
        self,
        summarise: Callable[[Iterable[int]], None],
        summary_of: Callable[[int], ModuleSummary | None],
    ) -> None:
        """The files that may name code by dotted path in a settings list (Django's
        ``MIDDLEWARE``), when code found so far may be loaded that way: nothing imports a
        middleware module, so no walk by imports finds what registers it."""
        loaded = self.loaded_by_setting
        if loaded is None or not any(
            (summary := summary_of(index)) is not None and loaded.may_define(summary)
            for index in self.found
        ):
            return
        settings = [
            index
            for index, data in enumerate(self.text.datas)
            if data is not None
            and index not in self.found
            and index not in self.library
            and any(name.encode() in data for name in loaded.names)
            and any(self.text.mentions(index, name) for name in loaded.names)
        ]
        summarise(settings)
        self.found.update(settings)

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
                    if any(self.text.mentions(caller, n) for n in names) or self._may_bind_module(
                        caller, index
                    ):
                        self.found.add(caller)
                        waiting.add(caller)
            # A caller taken in before may use names that lead only now: it is looked at again.
            waiting |= self._reopen
            self.found |= self._reopen
            self._reopen = set()
            queue = sorted(waiting)

    def _may_bind_module(self, index: int, target: int) -> bool:
        """May file ``index`` bind module ``target`` itself to a name (``import shared as
        store``, ``from app import cache``)? Every name of the module is then reachable through
        that name without the file writing it: a file that imports the name from there does
        (``from api import store``, then ``store.client``), and ``_leads`` makes the binding
        lead. (A superset, from the words of its import statements: the module's top-level
        name after ``import``, or its short name among the names of ``from ... import``.)"""
        if self.facts[index] is None:
            return True  # unreadable: nothing is known of it
        imports = self.text.imports_of(index)
        info = self.modules[target]
        # ``from .redis import *`` binds every name of the module (``_star_names``).
        if b"*" in imports.from_names:
            return True
        return info.short.encode() in imports.from_names or any(
            name.split(".", 1)[0].encode() in imports.plain_roots for name in info.names
        )

    def _leading_names(self, index: int, summary: ModuleSummary) -> set[str]:
        """The module's top-level names whose code or value uses a Redis package or a name
        that leads there (all of them, for a shared-state file); adds them to the keys."""
        module_names = self.modules[index].names
        whole = index in self._whole
        if whole and not self._carry_whole:
            found = top_level_names(summary)
        else:
            groups = self._groups.get(index)
            if groups is None:
                groups = self._groups[index] = refs_by_name(summary)
            # (Only module variables are registration targets: an app, a router, a blueprint.)
            variables = {key[len(summary.name) + 1 :] for key in summary.variables}
            forced = self._forced.get(index, set()) & variables
            found = set(self._names.get(index, ())) | forced
            if whole:
                found |= top_level_names(summary)
                self._keys.update(f"{m}.{name}" for m in module_names for name in found)
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
        if "*" in found:
            found |= self._star_names(summary)
        if found:
            self._keys.update(f"{module}.{name}" for module in module_names for name in found)
            self._modules_leading.update(module_names)
        return found

    def _star_names(self, summary: ModuleSummary) -> set[str]:
        """The leading names a module re-exports by ``from .redis import *``: callers write
        those (``from app.deps import get_redis``), never ``*``. (The star-imported module's
        names found later reopen this one: ``_may_bind_module``.)"""
        star = f"{summary.name}.*."
        found: set[str] = set()
        for key, target in summary.imports.items():
            if key.startswith(star):
                index = self.namespace.by_name.get(target)
                if index is not None:
                    found |= self._names.get(index, set())
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
        candidates = (
            self._writing_short_by_bytes(info)
            if self._scans_left > 0 and info.short.isascii() and not self.text.has_word_index
            else self._writing_short_by_index(info)
        )
        if among is not None:
            candidates &= among
        for index in sorted(candidates):
            if index != target and self._writes_import(index, target):
                yield index

    def _writing_short_by_index(self, info: ModuleInfo) -> set[int]:
        """Who may write an import of module ``info`` and its short name: files that import
        one of the module's top-level names, and files with relative imports that can reach
        it; from inverted indexes (see ``_writing_short_by_bytes``)."""
        text = self.text
        candidates: set[int] = set()
        words_of = self._naming_words
        for name in info.names:
            root = name.split(".", 1)[0]
            candidates.update(
                text.with_word_among(
                    f"imports {root}", text.files_importing(root), info.short, words_of
                )
            )
        root = info.root
        candidates.update(
            text.with_word_among(
                f"relative {root}", self._relative_in_root(root), info.short, words_of
            )
        )
        candidates.update(
            text.with_word_among("to top", self._relative_to_top(), info.short, words_of)
        )
        return candidates

    def _writing_short_by_bytes(self, info: ModuleInfo) -> set[int]:
        """``_writing_short_by_index`` by one scan of every file's bytes for the short name.

        The indexes cost a pass over every file's imports and words (a tenth of a second
        for a virtualenv), paid back only when many modules are asked about: the first few
        questions (all a project with few Redis files asks) are answered by scanning.
        """
        self._scans_left -= 1
        roots = {name.split(".", 1)[0] for name in info.names}
        found: set[int] = set()
        for index in self.text.files_with_bytes(info.short):
            fact = self.facts[index]
            if fact is None:
                found.add(index)  # unreadable: nothing is known of it
            elif index in self.library:
                continue
            else:
                imports = not roots.isdisjoint(self.text.roots_of(index)) or (
                    fact.relative_import
                    and (self.modules[index].root == info.root or self._climbs_to_top(index))
                )
                if imports and info.short.encode() in self._naming_words(index):
                    found.add(index)
        return found

    def _naming_words(self, index: int) -> frozenset[bytes]:
        """The words through which file ``index`` may name another module's names.

        A file reaches a module by a name bound by an import statement: the module's own name
        is then written in the statement (``from app.cache import get_redis``, ``from app
        import cache``, ``from .cache import x``), or the statement binds a module that
        re-exports it (that module is a caller of the first, and this file a caller of it,
        found by the same test), or a package (``import app``, ``from app import sub``: then
        ``app.sub.cache.get_redis`` reaches any module below by attributes), or everything
        (``*``). So the words of a file's import statements will do, but for a file that
        binds a package or imports ``*``: every word of it. (Splitting every file of a large
        service into words costs more than the rest of the walk.)
        """
        found = self._naming.get(index)
        if found is None:
            imports = self.text.imports_of(index)
            if self.facts[index] is None or (
                b"*" in imports.from_names
                or not imports.plain_roots.isdisjoint(self._project_roots)
                or not imports.from_names.isdisjoint(self._package_names)
            ):
                found = self.text.words_of(index)
            else:
                found = imports.words
            self._naming[index] = found
        return found

    def _writes_import(self, index: int, target: int) -> bool:
        """Does file ``index`` write the words of an import of module ``target`` (knowing
        that it writes the target's short name)? See ``may_reference``."""
        info = self.modules[target]
        for name in info.names:
            segments = name.split(".")
            if segments[0] in self.text.roots_of(index) and all(
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
                if fact.relative_import and self._climbs_to_top(index):
                    self._to_top.add(index)
        return self._to_top

    def _climbs_to_top(self, index: int) -> bool:
        """May a relative import of file ``index`` (which has one) climb to the root?"""
        fact = self.facts[index]
        assert fact is not None
        info = self.modules[index]
        depth = info.name.count(".") + (1 if info.is_package else 0)
        return fact.relative_level - 1 >= depth

    def leads_to_framework(self, target: int, packages: frozenset[str]) -> bool:
        """May module ``target`` reach a web framework's API through its imports?

        Forwards from the module, by the same text test as the callers' (``may_import``), to
        a file that imports a framework package; memoised (a walk that finds none proves it
        for every module it went through).

        Breadth first, each module tested when found (reading a file's imports is cheaper than
        splitting it into words to go on from it), in a fixed order: a framework a few imports
        away is found after a few files, not after wandering through a large package.
        """
        known = self._framework_known.get(target)
        if known is not None:
            return known

        def imports_framework(module: int) -> bool:
            return bool(self._framework_known.get(module)) or not packages.isdisjoint(
                self.text.roots_of(module)
            )

        seen = {target}
        todo = deque([target])
        found = imports_framework(target)
        budget = _FRAMEWORK_WALK_BUDGET
        while todo and not found:
            if budget == 0:
                # Undecided: the caller parses the module and follows the name instead.
                self._framework_known[target] = True
                return True
            budget -= 1
            current = todo.popleft()
            for module in sorted(set(self.may_import(current)) - seen):
                if self._framework_known.get(module) is False:
                    continue
                if imports_framework(module):
                    found = True
                    break
                seen.add(module)
                todo.append(module)
        if found:
            self._framework_known[target] = True
        else:
            for module in seen:
                self._framework_known[module] = False
        return found
