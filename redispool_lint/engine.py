"""The pipeline: discover files -> summarise modules -> project model -> rules -> suppressions.

Data flows one way. Only this module knows all the stages; the CLI only turns options into
``Settings`` and results into output.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pathspec

from . import noqa, redis_api
from .cache import Cache, context_digest, summary_key
from .config import Settings, selected_codes
from .demand import (
    Demand,
    LoadedBySetting,
    Namespace,
    fix_refs,
    held_attributes,
    held_refs,
    may_store_state,
    resolving_refs,
    stores_state,
)
from .diagnostics import FileError, Finding, Position
from .discovery import ModuleNamer, ProjectFile, discover
from .frameworks import Knowledge, build_knowledge
from .layout import Layout, Names, build_layout, layout_key, restored_layout, saved_layout
from .project.extract import extract
from .project.model import ProjectModel
from .project.objects import RedisObjects
from .project.requests import RequestAnalysis
from .project.summary import ModuleSummary
from .redis_api import Ownership
from .rules import ALL_RULES, RuleContext
from .source import (
    ParseFailure,
    SourceError,
    SourceFile,
    check_decodes,
    check_parse_size,
    parse,
    read_bytes,
    read_source,
    source_from_bytes,
)
from .text import FileFacts, TextIndex

_EXTRACT_RECURSION_LIMIT = 4000
_MAX_REF_SEGMENTS = 48

#: Worker processes summarise a batch of at least this many files, or of this much source.
#: Below, starting a pool and pickling summaries back costs more than it saves: the
#: demand-driven rounds of small modules (the compact monorepo of bench/speed.py) were slower
#: with a pool, while a round of a hundred modules of a real service's size (5-8 KiB each, the
#: monorepo (c')) is faster (1.30 -> 1.18 s). Measured with bench/threshold.py and
#: bench/speed.py on 2 cores; see bench/history.md.
PARALLEL_THRESHOLD = 800
PARALLEL_BYTES = 512 * 1024


@dataclass
class LintResult:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    #: Files that could not be analysed through no fault of their own (newer syntax).
    warnings: list[FileError] = field(default_factory=list)
    #: Files linted (reported), and files read for the project model.
    files_reported: int = 0
    files_in_project: int = 0
    #: Files whose module summary the analysis used or checked (parsed, or from the cache).
    files_analysed: int = 0
    #: Display paths of the files linted (reported), for formats with one entry per file (JUnit).
    reported_paths: list[str] = field(default_factory=list)
    #: Decoded sources of reported files with findings (for showing lines), and of the files the
    #: fix planner read (for applying fixes).
    sources: dict[str, SourceFile] = field(default_factory=dict)
    #: What the rules saw, kept so that fixes can be planned after the fact (``plan_fixes``).
    analysis: _Analysis | None = field(default=None, repr=False, compare=False)

    def plan_fixes(self) -> None:
        """Attach the planned rewrites to the findings (what ``lint(plan_fixes=True)`` does),
        from this run's analysis: for showing which findings ``--fix`` can fix."""
        if self.analysis is not None and self.analysis.whole is not None:
            # A targeted analysis: fixes are planned on what every fix can depend on.
            self.analysis = self.analysis.whole()
        if self.analysis is not None:
            self.findings = self.analysis.plan(self.findings, self.sources)


@dataclass
class _Analysis:
    project: _Project
    files: list[ProjectFile]
    model: ProjectModel
    requests: RequestAnalysis
    objects: RedisObjects
    settings: Settings
    #: For a targeted analysis (``_needed_targeted``): the analysis of what the findings of any
    #: file can depend on, from the same files (the same findings; fixes are planned on it).
    whole: Callable[[], _Analysis] | None = None

    def plan(self, findings: list[Finding], sources: dict[str, SourceFile]) -> list[Finding]:
        """The findings with fixes attached (imports LibCST). A fix may edit any file of the
        project (the lifespan's module): the files the planner reads are decoded into
        ``sources`` as it reads them."""
        from .fix.planner import attach_fixes

        project_sources = _ProjectSources(self.project, self.files, sources)
        return attach_fixes(
            findings, project_sources, self.model, self.requests, self.objects, self.settings
        )


class _ProjectSources:
    """Every project file's source for the fix planner (``fix.context.Sources``), decoded when
    asked for into ``known`` (the run's sources: the fix writes from them). Decoding every
    file of a large project costs time and tens of MiB; the planner reads a few, and looks
    through the rest for a word, which is first looked for in the bytes (an ASCII word is in a
    file's raw bytes whatever its encoding)."""

    def __init__(
        self, project: _Project, files: list[ProjectFile], known: dict[str, SourceFile]
    ) -> None:
        self._project = project
        self._known = known
        self._index = {file.display: index for index, file in enumerate(files)}
        self._with_text: dict[tuple[str, ...], list[str]] = {}

    def get(self, path: str) -> SourceFile | None:
        source = self._known.get(path)
        if source is None:
            index = self._index.get(path)
            source = self._project.source(index) if index is not None else None
            if source is not None:
                self._known[path] = source
        return source

    def with_text(self, *needles: str) -> Iterator[SourceFile]:
        # (Memoised: the planner asks the same question for every finding of an app.)
        paths = self._with_text.get(needles)
        if paths is None:
            encoded = [needle.encode() for needle in needles if needle.isascii()]
            prefilter = len(encoded) == len(needles)
            datas = self._project.datas
            paths = [
                path
                for path, index in self._index.items()
                if (data := datas[index]) is not None
                and (not prefilter or any(word in data for word in encoded))
            ]
            self._with_text[needles] = paths
        for path in paths:
            source = self.get(path)
            if source is not None and any(needle in source.text for needle in needles):
                yield source


@dataclass(frozen=True)
class _Job:
    path: Path
    display: str
    reported: bool
    module: str
    aliases: tuple[str, ...]
    is_package: bool
    is_test: bool
    explicit: bool = False
    data: bytes | None = None  # content replacing the file's (stdin, fixes in progress)
    keep_source: bool = False


@dataclass
class _Outcome:
    job: _Job
    summary: ModuleSummary | None = None
    source: SourceFile | None = None
    error: str | None = None
    parse_failure: ParseFailure | None = None


def _summarise(
    job: _Job, keep_roots: frozenset[str], keep_names: frozenset[str], want_source: bool
) -> _Outcome:
    outcome = _Outcome(job)
    try:
        if job.data is not None:
            check_parse_size(job.data)
            source = source_from_bytes(job.path, job.display, job.data)
        else:
            source = read_source(job.path, job.display)
    except SourceError as error:
        outcome.error = str(error)
        return outcome
    # Keep the text of reported files for suppressions and showing source lines, and of every
    # file parsed when fixing (the planner reads them again).
    outcome.source = source if want_source else None
    tree = parse(source)
    if isinstance(tree, ParseFailure):
        outcome.parse_failure = tree
        return outcome
    # The extractor walks the tree recursively: an expression Python accepts (a chain of a few
    # thousand `+`) may still be deeper than the default limit allows.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _EXTRACT_RECURSION_LIMIT))
    try:
        outcome.summary = extract(
            source,
            tree,
            job.module,
            is_package=job.is_package,
            is_test=job.is_test,
            keep_roots=keep_roots,
            keep_names=keep_names,
        )
    except RecursionError:
        outcome.error = "nested too deeply to analyse"
    finally:
        sys.setrecursionlimit(limit)
    return outcome


def _summarise_star(
    args: tuple[_Job, frozenset[str], frozenset[str], bool],
) -> _Outcome:
    return _summarise(*args)


def _summarise_many(
    jobs: list[_Job],
    keep_roots: frozenset[str],
    keep_names: frozenset[str],
    want_source: list[bool],
) -> list[_Outcome]:
    """Summarise files, in worker processes when there are enough to pay for them."""
    workers = min(os.cpu_count() or 1, 8)
    work = [(job, keep_roots, keep_names, want) for job, want in zip(jobs, want_source)]
    size = sum(len(job.data) for job in jobs if job.data is not None)
    if (len(jobs) < PARALLEL_THRESHOLD and size < PARALLEL_BYTES) or workers < 2:
        return [_summarise_star(item) for item in work]
    # Sources are not sent back from the workers (it would double what crosses the pipe): the
    # few that are needed are decoded again here. The name sets (one root per top-level
    # package: hundreds in a virtualenv) cross once per worker, not once per file.
    from concurrent.futures import ProcessPoolExecutor  # (10 ms to import: only when used)

    chunk = max(8, len(jobs) // (workers * 4))
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_init, initargs=(keep_roots, keep_names)
    ) as pool:
        return list(pool.map(_summarise_in_worker, jobs, chunksize=chunk))


_WORKER_KEEP: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def _worker_init(keep_roots: frozenset[str], keep_names: frozenset[str]) -> None:
    global _WORKER_KEEP
    _WORKER_KEEP = (keep_roots, keep_names)


def _summarise_in_worker(job: _Job) -> _Outcome:
    return _summarise(job, *_WORKER_KEEP, False)


class _Jobs:
    """The project's files as analysis jobs, each made when first asked for.

    A job needs the file's module names (path arithmetic and ``__init__.py`` lookups); a project
    where no file imports Redis needs almost none of them.
    """

    def __init__(
        self,
        files: list[ProjectFile],
        root: Path,
        overrides: dict[Path, bytes],
        keep_sources: bool,
    ) -> None:
        self.files = files
        self.root = root
        self.overrides = overrides
        self.keep_sources = keep_sources
        self._jobs: list[_Job | None] = [None] * len(files)
        self.namer = ModuleNamer(root)
        self._names: list[Names] | None = None
        self._layout: Layout | None = None

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> _Job:
        job = self._jobs[index]
        if job is None:
            file = self.files[index]
            module, aliases, is_package = self.names()[index]
            job = _Job(
                path=file.path,
                display=file.display,
                reported=file.reported,
                module=module,
                aliases=aliases,
                is_package=is_package,
                is_test=self.namer.is_test(file.path),
                explicit=file.explicit,
                data=self.data(index),
                keep_source=self.keep_sources,
            )
            self._jobs[index] = job
        return job

    def names(self) -> list[Names]:
        """Every file's module name, other names and whether it is a package (the rest of a
        job is made for the files the analysis reads)."""
        if self._layout is not None:
            return self._layout.names
        if self._names is None:
            names = self.namer.names
            self._names = []
            for file in self.files:
                module, aliases, is_package = names(file.location)
                self._names.append((module, tuple(aliases), is_package))
        return self._names

    def layout(self, packages: frozenset[str], cache: Cache | None) -> Layout:
        """The project's module layout: from the cache when no file was added, removed or
        renamed since it was saved, and no folder gained or lost its ``__init__.py``."""
        if self._layout is None:
            paths = [file.location for file in self.files]
            key = layout_key(self.root, paths, packages)
            layout = restored_layout(cache.layout(), key) if cache is not None else None
            if layout is None:
                layout = build_layout(self.root, paths, packages)
                if cache is not None:
                    cache.store_layout(saved_layout(layout, key))
            self._layout = layout
        return self._layout

    def __iter__(self) -> Iterator[_Job]:
        return (self[index] for index in range(len(self.files)))

    def data(self, index: int) -> bytes | None:
        """The content replacing the file's, if any (standard input, fixes in progress)."""
        if not self.overrides:
            return None
        return self.overrides.get(self.files[index].path.absolute())


class _Project:
    """Every file of the project, read once, summarised on demand (and through the cache)."""

    def __init__(self, jobs: _Jobs, cache: Cache | None, keep_sources: bool) -> None:
        self.jobs = jobs
        #: What the summaries keep (see ``extract``): set once the project's modules are known.
        self.keep_roots: frozenset[str] = frozenset()
        self.keep_names: frozenset[str] = frozenset()
        self.cache = cache
        self.keep_sources = keep_sources
        self.read_errors: dict[int, str] = {}
        self.outcomes: dict[int, _Outcome] = {}
        self._datas: list[bytes | None] | None = None
        self._facts: list[FileFacts | None] | None = None
        #: Files read one at a time, before every file was (``data``).
        self._read: dict[int, bytes | None] = {}

    @property
    def datas(self) -> list[bytes | None]:
        """Every file's bytes (None where it cannot be read), all read on first use: a
        pre-commit run whose named files cannot hold a finding reads only those."""
        if self._datas is None:
            self._datas = [self.data(index) for index in range(len(self.jobs.files))]
        return self._datas

    @property
    def facts(self) -> list[FileFacts | None]:
        """Every file's text facts (``text.FileFacts``), made with ``datas``."""
        if self._facts is None:
            self._facts = [FileFacts(data) if data is not None else None for data in self.datas]
        return self._facts

    def fact(self, index: int) -> FileFacts | None:
        """One file's text facts (``facts``), without reading every file."""
        if self._facts is not None:
            return self._facts[index]
        data = self.data(index)
        return FileFacts(data) if data is not None else None

    def data(self, index: int) -> bytes | None:
        """One file's bytes (None where it cannot be read: ``read_errors`` says why)."""
        if self._datas is not None:
            return self._datas[index]
        if index not in self._read:
            data = self.jobs.data(index)
            if data is None:
                try:
                    data = read_bytes(self.jobs.files[index].location)
                except SourceError as error:
                    self.read_errors[index] = str(error)
            self._read[index] = data
        return self._read[index]

    def summarise(self, indices: Iterable[int]) -> None:
        """Summarise the files not summarised yet (cache first, then parse)."""
        todo = sorted(i for i in indices if i not in self.outcomes and self.data(i) is not None)
        if not todo:
            return
        missing: list[int] = []
        for index in todo:
            cached = self.cache.summary(self._cache_key(index)) if self.cache else None
            if cached is None:
                missing.append(index)
                continue
            outcome = _Outcome(self.jobs[index])
            outcome.summary = cached.summary
            outcome.parse_failure = cached.failure
            self.outcomes[index] = outcome
        jobs = [replace(self.jobs[i], data=self.data(i)) for i in missing]
        wants = [self._wants_source(i) for i in missing]
        for index, outcome in zip(
            missing, _summarise_many(jobs, self.keep_roots, self.keep_names, wants)
        ):
            outcome.job = self.jobs[index]
            self.outcomes[index] = outcome
            if self.cache is not None and outcome.error is None:
                self.cache.store_summary(
                    self._cache_key(index), outcome.summary, outcome.parse_failure
                )

    def summary_known(self, index: int) -> bool:
        """Has the file been summarised (or found unreadable or unparsable)?"""
        return index in self.outcomes or self.data(index) is None

    def summary(self, index: int) -> ModuleSummary | None:
        outcome = self.outcomes.get(index)
        return outcome.summary if outcome is not None else None

    def _wants_source(self, index: int) -> bool:
        return self.keep_sources or self.jobs.files[index].reported

    def _cache_key(self, index: int) -> str:
        job = self.jobs[index]
        data = self.data(index)
        assert data is not None
        return summary_key(
            data, job.module, job.display, job.is_package, job.is_test, self._context_digest
        )

    @property
    def _context_digest(self) -> str:
        digest = getattr(self, "_digest", None)
        if digest is None:
            digest = context_digest(self.keep_roots, self.keep_names)
            self._digest = digest
        return digest

    def source(self, index: int) -> SourceFile | None:
        """The decoded text of a file (decoding on demand); None when it cannot be read."""
        outcome = self.outcomes.get(index)
        if outcome is not None and outcome.source is not None:
            return outcome.source
        data = self.data(index)
        if data is None:
            return None
        file = self.jobs.files[index]
        try:
            source = source_from_bytes(file.path, file.display, data)
        except SourceError:
            return None
        if outcome is not None:
            outcome.source = source
        return source

    def decode_error(self, index: int) -> str | None:
        """Why a file cannot be read or decoded, or None."""
        if index in self.read_errors:
            return self.read_errors[index]
        outcome = self.outcomes.get(index)
        if outcome is not None and outcome.error is not None:
            return outcome.error
        data = self.data(index)
        assert data is not None
        try:
            check_decodes(data)
        except SourceError as error:
            return str(error)
        return None


_CONSTRUCTOR_NAMES = frozenset(
    name.rsplit(".", 1)[-1] for name in redis_api.CONSTRUCTORS
) | frozenset(name.rsplit(".", 2)[-2] for name in redis_api.CONSTRUCTORS if name.count(".") > 1)


def _loaded_by_setting(knowledge: Knowledge) -> LoadedBySetting | None:
    if not knowledge.setting_lists:
        return None
    return LoadedBySetting(
        frozenset(knowledge.setting_lists),
        frozenset(
            method
            for registration in knowledge.setting_lists.values()
            for method in registration.methods
        ),
    )


def _needed(
    project: _Project, demand: Demand, frameworks: frozenset[str]
) -> tuple[set[int], set[int]]:
    """The files the analysis needs, and the reported files that can hold findings.

    See ``demand``: the candidates' callers (a text test, backwards), and the modules the
    callers' references resolve through (followed forwards through the summaries, one step at a
    time: an import or a variable leads to the next module, a class to its bases).
    """
    if not demand.redis_files:
        return set(), set()  # nothing names Redis: nothing can hold a finding
    namespace = demand.namespace
    demand.reach(project.summarise, project.summary)
    candidates = set(demand.candidates)
    callers = demand.found
    needed = set(callers)
    # A reference is followed into a module only if the module may lead to something the
    # analysis recognises: a caller, a Redis constructor or a web framework's API. Following
    # `Service()` into a plain module would end at a plain class, which decides nothing.
    processed: set[int] = set()
    owners_done: set[int] = set()
    followed: set[str] = set()
    pending: list[str] = []
    # What fixes of the callers read that no finding depends on (the lifespans of the apps
    # they make, the dependencies a constructor's arguments come from): followed whatever
    # their modules lead to (see ``fix_refs``).
    fix_reads: list[str] = []
    fix_reads_followed: set[str] = set()

    while True:
        project.summarise(needed)
        before = len(needed)
        owners: set[int] = set()
        for index in sorted(callers - processed):
            processed.add(index)
            summary = project.summary(index)
            if summary is None:
                continue
            needed.update(namespace.with_packages(index))
            pending.extend(resolving_refs(summary, _CONSTRUCTOR_NAMES))
            fix_reads.extend(fix_refs(summary, _CONSTRUCTOR_NAMES))
            # Another module's variable assigned here (``shared.client = Redis()``): code that
            # uses that module may close a long-lived client without naming Redis at all. Only
            # code that can reach a Redis constructor stores a client known to be Redis.
            if index not in demand.redis_reachable:
                continue
            for function in summary.functions:
                for assign in function.assigns:
                    modules = list(namespace.referenced(assign.target))
                    if modules and modules[-1] != index:
                        owners.add(modules[-1])  # the deepest: the variable's own module
        pending = _follow_refs(
            project,
            namespace,
            pending,
            followed,
            needed,
            leads_nowhere=lambda module: (
                not (
                    module in callers
                    or module in demand.redis_reachable
                    # (A library that closes a client it keeps, at shutdown: RPL007.)
                    or demand.leads_to_framework(module, frameworks | redis_api.KEEPER_PACKAGES)
                )
            ),
        )
        fix_reads = _follow_refs(project, namespace, fix_reads, fix_reads_followed, needed)
        new_owners = owners - owners_done
        owners_done |= owners
        if new_owners:
            users = demand.extend(new_owners, project.summarise, project.summary)
            for index in users | new_owners:
                if demand.reported[index]:
                    candidates.add(index)
        for index in callers:
            if index not in needed:
                needed.update(namespace.with_packages(index))
        if len(needed) == before and not (callers - processed):
            return needed, candidates


def _needed_targeted(project: _Project, demand: Demand) -> tuple[set[int], set[int]]:
    """``_needed`` for a run whose reported files are all named on the command line: the files
    the named files' findings can depend on (the targeted analysis; see ``demand``).

    The project model then holds:

    * the named files and their callers (``Demand.target``): what makes their functions per
      request or lifecycle code, the routers and apps they are registered on (route labels);
    * every module a reference of those files passes through, followed to the end and read
      in turn, whatever it imports (the whole analysis follows only modules that may lead to a
      caller, Redis or a framework: this follows more, from fewer files), and every module
      they star-import: the factories, dependencies and helpers whose code says what a
      reference holds;
    * the code that decides what a reference that may reach a long-lived object holds
      (``demand.held_refs``: what ``with`` enters, what is closed, a constructor's pool, what
      is returned or stored). Where it goes through app or request state (``.state.pool``),
      every file that may store that attribute (a text test, then its summary:
      ``demand.may_store_state``, ``demand.stores_state``); where it ends at a variable of a
      module, every file that assigns that variable (``shared.client = Redis()``). Those are
      read with their callers (a store in per-request code is a singleton, not a long-lived
      object), and what *they* hold is followed in turn.

    What the whole analysis reads beyond that (the other Redis files, their callers, the code
    that stores or closes other attributes) can change no finding of the named files: a
    function's per-request reason comes from the callers above it, and what a reference holds
    from the code above. The rules that ask the whole project another question are left to the
    whole analysis: RPL009 (is there a web app? ``_targeted_is_exact``), and RPL007 where a
    named file's startup code stores a client it creates (does any shutdown code close it?
    ``_stored_at_startup``, after the targeted analysis, which knows that exactly).
    """
    namespace = demand.namespace
    library = demand.library
    named = [i for i, reported in enumerate(demand.reported) if reported and i not in library]
    demand.target(named, project.summarise, project.summary)
    callers = demand.found
    text = demand.text
    datas = project.datas
    needed: set[int] = set()
    processed: set[int] = set()
    searched: set[int] = set()
    scanned: set[int] = set()
    attributes: set[str] = set()
    followed: set[str] = set()
    pending: list[str] = []
    chased: set[str] = set()
    sinks: list[str] = []

    while True:
        for index in callers:
            if index not in needed:
                needed.update(namespace.with_packages(index))
        project.summarise(needed)
        before = len(needed)
        for index in sorted(needed - processed):
            processed.add(index)
            summary = project.summary(index)
            if summary is None:
                continue
            pending.extend(resolving_refs(summary, _CONSTRUCTOR_NAMES))
            # What a factory returns says what its callers hold (``RedisObjects.holds``).
            pending.extend(ref for function in summary.functions for ref in function.returns)
            # A name the module does not bind may come from any module it star-imports (the
            # model resolves it only when it knows them all): ``_follow`` follows bound names.
            star = f"{summary.name}.*."
            pending.extend(t for key, t in summary.imports.items() if key.startswith(star))
        pending = _follow_refs(project, namespace, pending, followed, needed)
        # Where the references that may hold a long-lived object lead: app state attributes,
        # and the modules whose variables they may be (followed through imports and
        # re-exports: ``api.store.client`` may be ``shared.client``).
        for index in sorted(needed - scanned):
            scanned.add(index)
            summary = project.summary(index)
            if summary is not None:
                sinks.extend(held_refs(summary, _CONSTRUCTOR_NAMES))
        passed: list[tuple[str, list[int]]] = []
        sinks = _follow_refs(project, namespace, sinks, chased, needed, seen=passed)
        held = {modules[-1] for _, modules in passed if modules}
        new_attributes = {name for ref, _ in passed for name in held_attributes(ref)}
        project.summarise(needed)
        writers: set[int] = set()
        new_attributes -= attributes
        if new_attributes:
            attributes |= new_attributes
            # The files that write the attribute and whose text may store state (an ``=`` after
            # ``.state``, a yielded dict) are asked their summaries.
            asked = sorted(
                index
                for index in {
                    i
                    for a in new_attributes
                    for i in (text.files_with_bytes(a) if a.isascii() else range(len(datas)))
                }
                if index not in callers
                and index not in library
                and (data := datas[index]) is not None
                and may_store_state(data)
                and any(text.mentions(index, a) for a in new_attributes)
            )
            project.summarise(asked)
            for index in asked:
                summary = project.summary(index)
                if summary is not None and stores_state(summary):
                    writers.add(index)
        for module in sorted(held - searched):
            searched.add(module)
            summary = project.summary(module)
            if summary is None or not summary.variables:
                continue
            others = [i for i in demand.may_reference(module) if i not in callers]
            project.summarise(others)
            for other in others:
                if _assigns_into(project.summary(other), namespace, module):
                    writers.add(other)
        writers -= callers
        if writers:
            demand.extend(writers, project.summarise, project.summary)
        if (
            len(needed) == before
            and not writers
            and not (needed - processed)
            and not pending
            and not sinks
        ):
            return needed, set(demand.candidates)


def _assigns_into(summary: ModuleSummary | None, namespace: Namespace, module: int) -> bool:
    """Does a module's code assign a variable of module ``module`` (or a call's result)?"""
    if summary is None:
        return False
    for function in summary.functions:
        targets = [assign.target for assign in function.assigns]
        targets += [call.assigned_to for call in function.calls if call.assigned_to]
        for target in targets:
            modules = list(namespace.referenced(target))
            if modules and modules[-1] == module:
                return True
    return False


def _targeted_is_exact(selected: frozenset[str]) -> bool:
    """Does the targeted analysis answer every selected rule for the named files exactly?

    Not RPL009: is there a web app anywhere in the project? (RPL007, whether any shutdown code
    closes what a named file's startup code stores, is decided after the analysis:
    ``_stored_at_startup``.)
    """
    return "RPL009" not in selected


def _stored_at_startup(
    summaries: Iterable[ModuleSummary], requests: RequestAnalysis, objects: RedisObjects
) -> bool:
    """Does startup code of these modules store a client or pool it creates (where RPL007 may
    report)? RPL007 then asks whether any shutdown code of the project closes it, a question
    the targeted analysis does not answer. Whether a function runs at startup, its Redis calls
    and where they are stored, the targeted analysis knows exactly (its callers, its code)."""
    for summary in summaries:
        for function in summary.functions:
            if function.qualname not in requests.startup:
                continue
            if function.qualname in requests.per_request:
                continue
            for found in objects.redis_calls(function):
                call = found.call
                if call.after_yield or call.context is not None or call.assigned_to is None:
                    continue
                if found.ownership is not Ownership.WRAPPER:
                    return True
    return False


def _only_named_files_reported(files: list[ProjectFile]) -> bool:
    """Are the reported files all named on the command line (pre-commit's changed files)?"""
    reported = [file for file in files if file.reported]
    return bool(reported) and all(file.explicit for file in reported)


def _only_named_files_cannot_hold_findings(
    project: _Project, namespace: Namespace, files: list[ProjectFile]
) -> bool:
    """Is there no place in the reported files, all named on the command line, where a rule
    could report?

    Every finding is reported at a call that resolves to a Redis constructor, a call of a close
    method, a ``with`` item, or a call entered as a context manager (see the rules). A call can
    resolve to a constructor only if it is written with a constructor's name, or through an
    alias that ends at one: a Redis package, a parameter or local called as it is
    (``factory()``), an attribute of ``self``/``cls``, or a project module's name bound by an
    import or an assignment (not a ``def`` or a ``class``). A file with none of these cannot
    hold a finding, whatever the rest of the project does.
    """
    reported = [index for index, file in enumerate(files) if file.reported]
    project.summarise(reported)
    for index in reported:
        summary = project.summary(index)
        if summary is None:
            continue  # unreadable or unparsable: reported as such, no rule runs on it
        for function in summary.functions:
            if function.withs:
                return False
            for call in function.calls:
                if call.context is not None or _may_be_constructor_or_close(
                    project, namespace, call.callee
                ):
                    return False
    return True


def _may_be_constructor_or_close(
    project: _Project, namespace: Namespace, callee: str, depth: int = 0
) -> bool:
    segments = [segment.removesuffix("()") for segment in callee.split(".")]
    if segments[-1] in _CONSTRUCTOR_NAMES or segments[-1] in redis_api.CLOSE_METHODS:
        return True
    head = segments[0]
    if head.startswith(("param:", "local:")):
        return len(segments) == 1 or head in ("param:self", "param:cls")
    if head in redis_api.PACKAGES:
        return True
    modules = list(namespace.referenced(callee))
    if not modules:
        return False  # another library's name: never a Redis constructor
    module = modules[-1]
    matched = next(
        end
        for end in range(len(segments), 0, -1)
        if namespace.by_name.get(".".join(segments[:end])) == module
    )
    if matched == len(segments) or depth > 8:
        return True  # a module called as it is, or a long chain: let the analysis decide
    project.summarise([module])
    summary = project.summary(module)
    if summary is None:
        return True
    name = f"{summary.name}.{segments[matched]}"
    rest = callee.split(".")[matched + 1 :]
    # A name bound by an import or an assignment may stand for a constructor: follow it.
    if name in summary.imports or name in summary.variables:
        target = summary.imports.get(name) or summary.variables.get(name)
        if target is None or target.startswith(("list:", "dep:")) or "|" in target:
            return True  # opaque, or several values
        return _may_be_constructor_or_close(
            project, namespace, ".".join([target, *rest]), depth + 1
        )
    defined = {f.qualname for f in summary.functions} | {c.qualname for c in summary.classes}
    return name not in defined


def _follow_refs(
    project: _Project,
    namespace: Namespace,
    refs: list[str],
    done: set[str],
    needed: set[int],
    *,
    leads_nowhere: Callable[[int], bool] | None = None,
    seen: list[tuple[str, list[int]]] | None = None,
) -> list[str]:
    """Follow references to their ends (``_follow``, step by step), adding every module they
    pass through (and the packages above it) to ``needed``; ``done`` holds the references
    followed. Returns the references whose next module is not summarised yet, to follow at the
    next round.

    ``leads_nowhere(module)`` stops a reference whose module can decide nothing; ``seen``
    collects every reference followed and the modules it passes through.
    """
    waiting: list[str] = []
    while refs:
        ref = refs.pop()
        if ref in done or ref.count(".") > _MAX_REF_SEGMENTS:
            # (a self-referring variable, `x = x.y`, makes ever longer references; the
            # project model gives up on those after a few steps as well)
            continue
        modules, following, ready = _follow(project, namespace, ref)
        if seen is not None:
            seen.append((ref, modules))
        if modules and leads_nowhere is not None and leads_nowhere(modules[-1]):
            done.add(ref)
            continue
        for module in modules:
            needed.update(namespace.with_packages(module))
        if not ready:
            waiting.append(ref)  # its module is summarised at the next round
            continue
        done.add(ref)
        refs.extend(following)
    return waiting


def _follow(project: _Project, namespace: Namespace, ref: str) -> tuple[list[int], list[str], bool]:
    """One step of resolving ``ref``: the modules it passes through, where it leads next, and
    whether that could be decided (False while the module it leads into is not summarised)."""
    modules = list(namespace.referenced(ref))
    if not modules:
        return [], [], True
    deepest = modules[-1]
    if not project.summary_known(deepest):
        return modules, [], False
    summary = project.summary(deepest)
    if summary is None:
        return modules, [], True
    segments = ref.split(".")
    matched = next(
        end
        for end in range(len(segments), 0, -1)
        if ".".join(s.removesuffix("()") for s in segments[:end]) in namespace.by_name
        and namespace.by_name[".".join(s.removesuffix("()") for s in segments[:end])] == deepest
    )
    rest = segments[matched:]
    if not rest:
        return modules, [], True
    head = rest[0]
    key = f"{summary.name}.{head.removesuffix('()')}"
    tail = ".".join(rest[1:])
    following: list[str] = []
    for target in (summary.imports.get(key), summary.variables.get(key)):
        if target is not None and not target.startswith(("local:", "param:", "list:")):
            called = "()" if head.endswith("()") else ""
            following.append(target + called + (f".{tail}" if tail else ""))
    for cls in summary.classes:
        if cls.qualname == key or key.startswith(cls.qualname + "."):
            following.extend(cls.bases)
    return modules, following, True


def lint(
    paths: Sequence[Path],
    settings: Settings,
    *,
    overrides: dict[Path, bytes] | None = None,
    root: Path | None = None,
    cwd: Path | None = None,
    keep_sources: bool = False,
    full: bool | None = None,
    plan_fixes: bool = False,
    targeted: bool = True,
) -> LintResult:
    """Lint ``paths`` (and read the rest of their project).

    ``overrides`` maps absolute paths to contents that replace the files' (standard input, or the
    fix loop's work in progress); a path there need not exist on disk. ``full`` parses every file
    of the project instead of the files the analysis needs (``Settings.full_analysis``): the
    results are the same, it exists to show that they are. ``targeted=False`` reads what the
    findings of every file can depend on even when only named files are reported (see
    ``_needed_targeted``): the same results again, for the tests and for planning fixes.
    """
    cwd = cwd or Path.cwd()
    if full is None:
        full = getattr(settings, "full_analysis", False)
    overrides = {
        (path if path.is_absolute() else cwd / path): data
        for path, data in (overrides or {}).items()
    }
    discovery = discover(
        list(paths),
        excludes=settings.excludes(),
        respect_gitignore=settings.respect_gitignore,
        force_exclude=settings.force_exclude,
        root=root,
        cwd=cwd,
    )
    result = LintResult(root=discovery.root)
    result.errors += [FileError(path, message) for path, message in discovery.problems]
    knowledge = build_knowledge(
        extra_route_decorators=settings.entry_point_decorators,
        extra_dependency_markers=settings.dependency_markers,
    )
    jobs = _Jobs(discovery.files, discovery.root, overrides, keep_sources)
    cache = Cache.open(discovery.root) if getattr(settings, "cache", False) else None
    project = _Project(jobs, cache, keep_sources)
    project.keep_names = (
        knowledge.names
        | frozenset(name.rsplit(".", 1)[-1] for name in redis_api.CONSTRUCTORS)
        | redis_api.CLOSE_METHODS
    )
    selected = selected_codes(settings)
    aliases: dict[str, str] = {}
    text: TextIndex | None = None
    whole: Callable[[], _Whole] | None = None
    reachable: frozenset[int]
    needed: set[int]
    candidates: set[int]
    if not full and _only_named_files_reported(discovery.files):
        # Pre-commit names the changed files: when none of them has a call or a ``with`` where
        # any rule could report, the question is answered without reading the rest.
        layout = jobs.layout(knowledge.packages, cache)
        project.keep_roots = layout.keep_roots
        named_files_decide = _only_named_files_cannot_hold_findings(
            project, layout.namespace, discovery.files
        )
        # Otherwise only what the named files' findings can depend on is read, when that
        # answers every selected rule (and no fixes are planned: a fix may edit any file).
        targeted = (
            targeted and not plan_fixes and not named_files_decide and _targeted_is_exact(selected)
        )
    else:
        named_files_decide = targeted = False
    if named_files_decide:
        reachable, needed, candidates = frozenset(), set(), set()
        targeted = False
    elif full or any(fact is not None and fact.redis for fact in project.facts):
        layout = jobs.layout(knowledge.packages, cache)
        aliases = layout.aliases
        project.keep_roots = layout.keep_roots
        infos = layout.infos
        reported = [file.reported for file in discovery.files]
        library = layout.library
        namespace = layout.namespace
        text = TextIndex(project.datas)
        text.know_bytes(
            "redis",
            [i for i, fact in enumerate(project.facts) if fact is None or fact.contains_redis],
        )
        text_keys = [file.location for file in discovery.files]
        if cache is not None:
            text.restore(cache.text_index(), text_keys)
        loaded = _loaded_by_setting(knowledge)
        demand = Demand(infos, project.facts, reported, text, namespace, loaded)
        if full:
            needed = candidates = set(range(len(jobs))) - library
            project.summarise(needed)
            demand.reach(project.summarise, project.summary)
        elif targeted:
            needed, candidates = _needed_targeted(project, demand)
            whole_text = text

            def analyse_whole() -> _Whole:
                """What the analysis of every file's dependencies reads and finds, from this
                run's files: where the targeted analysis cannot answer (RPL007 below, planning
                fixes)."""
                again = Demand(infos, project.facts, reported, whole_text, namespace, loaded)
                found, holding = _needed(project, again, knowledge.packages)
                project.summarise(found)
                if cache is not None and whole_text.changed:
                    # This walk may index what the targeted one did not (every file's
                    # imports): saved, or every later run that plans fixes indexes it again.
                    cache.store_text_index(whole_text.export(text_keys))
                    whole_text.changed = False
                return found, holding, *_analyse(project, found, aliases, knowledge)

            whole = analyse_whole

        else:
            needed, candidates = _needed(project, demand, knowledge.packages)
        reachable = demand.candidates
    else:
        # No file imports a Redis package: no file can hold a finding, and no module need be
        # named or parsed (but the files named on the command line, below).
        reachable, needed, candidates = frozenset(), set(), set()
        targeted = False
    # Syntax errors are reported where the analysis looks (the candidates) and in files named on
    # the command line (pre-commit's changed files): a file that cannot touch Redis is not
    # parsed at all, so a syntax error there is other tools' business.
    checked = reachable | {
        i for i, file in enumerate(discovery.files) if file.explicit and file.reported
    }
    project.summarise(needed | checked)
    if cache is not None:
        if text is not None and text.changed:
            cache.store_text_index(text.export(text_keys))
            text.changed = False
        cache.close()

    model, requests, objects = _analyse(project, needed, aliases, knowledge)
    if (
        whole is not None
        and "RPL007" in selected
        and _stored_at_startup(
            (o.summary for i in candidates if (o := project.outcomes.get(i)) and o.summary),
            requests,
            objects,
        )
    ):
        # Is what a named file's startup code stores closed by any shutdown code? The analysis
        # of every file's dependencies answers that.
        needed, candidates, model, requests, objects = whole()
        whole = None
    result.files_analysed = len(project.outcomes)
    rules = [rule() for rule in ALL_RULES if rule.code in selected]
    per_file_ignores = {
        pattern: (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
        for pattern, codes in settings.per_file_ignores.items()
    }
    known_codes = frozenset(rule.code for rule in ALL_RULES)

    for index, file in enumerate(discovery.files):
        result.files_in_project += 1
        if not file.reported:
            continue
        result.files_reported += 1
        result.reported_paths.append(file.display)
        error = project.decode_error(index)
        if error is not None:
            result.errors.append(FileError(file.display, error))
            continue
        findings: list[Finding] = []
        outcome = project.outcomes.get(index)
        # The full analysis runs the rules on every file (it checks that the candidates are all
        # the files that can hold a finding); the demand-driven one on the candidates.
        candidate = index in candidates
        if index in checked and outcome is not None and outcome.parse_failure is not None:
            failure = outcome.parse_failure
            if failure.newer_syntax:
                version = f"{sys.version_info.major}.{sys.version_info.minor}"
                result.warnings.append(
                    FileError(
                        file.display,
                        f"uses syntax newer than Python {version}, which runs redispool-lint: "
                        "not analysed (run redispool-lint with a newer Python)",
                    )
                )
                continue
            if "RPL999" in selected:
                result.findings.append(
                    Finding(
                        code="RPL999",
                        message=f"cannot parse: {failure.message}",
                        path=file.display,
                        start=Position(failure.row, failure.column + 1),
                        end=Position(failure.row, failure.column + 1),
                        noqa_row=failure.row,
                    )
                )
                source = project.source(index)
                if source is not None:
                    result.sources[file.display] = source
            continue
        if candidate and outcome is not None and outcome.summary is not None:
            context = RuleContext(outcome.summary, model, requests, objects)
            findings = [finding for rule in rules for finding in rule.check(context)]
        # (A path object only where there are patterns: making one per file costs time.)
        ignored = (
            _ignored_codes(per_file_ignores, file.path, discovery.root)
            if per_file_ignores
            else set()
        )
        if ignored:
            findings = [f for f in findings if not any(f.code.startswith(c) for c in ignored)]
        facts = project.fact(index)
        # Suppressions matter where there are findings to silence, or RPL codes to report unused.
        scan = facts is not None and facts.noqa and (bool(findings) or facts.noqa_rpl)
        source = project.source(index) if findings or scan else None
        if source is not None and not settings.ignore_noqa and scan:
            suppressions = noqa.scan(source.text)
            findings = noqa.apply(
                findings,
                suppressions,
                line_of={row: source.line(row) for row in suppressions.directives},
                report_unused="RPL100" in selected and "RPL100" not in ignored,
                known_codes=known_codes,
                selected=selected,
                path=file.display,
            )
        if findings and source is not None:
            result.sources[file.display] = source
        result.findings += findings
    # (Fix planning adds the sources of the files it reads, the ones its fixes edit among them:
    # ``_Analysis.plan``.)
    result.findings.sort(key=lambda f: f.sort_key)
    result.analysis = _Analysis(project, discovery.files, model, requests, objects, settings)
    if whole is not None:
        # Fixes may edit what the targeted analysis did not read (the app's lifespan, names
        # taken elsewhere in app state): they are planned on the analysis of everything the
        # findings of any file can depend on.
        found_whole = whole

        def analysis_of_whole() -> _Analysis:
            model, requests, objects = found_whole()[2:]
            return _Analysis(project, discovery.files, model, requests, objects, settings)

        result.analysis.whole = analysis_of_whole
    if plan_fixes:  # --fix / --diff: attach rewrites (imports LibCST)
        result.plan_fixes()
    return result


#: The whole analysis's needed files, candidates, and model (``lint``'s ``whole``).
_Whole = tuple[set[int], set[int], ProjectModel, RequestAnalysis, RedisObjects]


def _analyse(
    project: _Project, needed: set[int], aliases: dict[str, str], knowledge: Knowledge
) -> tuple[ProjectModel, RequestAnalysis, RedisObjects]:
    """The project model of the needed files' summaries, and what runs per request."""
    summaries: list[ModuleSummary] = []
    for index in sorted(needed):
        outcome = project.outcomes.get(index)
        if outcome is not None and outcome.summary is not None:
            summaries.append(outcome.summary)
    model = ProjectModel(summaries, aliases)
    requests = RequestAnalysis(model, knowledge)
    return model, requests, RedisObjects(model, requests)


def _ignored_codes(
    per_file_ignores: dict[str, tuple[pathspec.GitIgnoreSpec, list[str]]], path: Path, root: Path
) -> set[str]:
    try:
        relative = path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        relative = path.as_posix()
    codes: set[str] = set()
    for spec, ignored in per_file_ignores.values():
        if spec.match_file(relative):
            codes.update(ignored)
    return codes
