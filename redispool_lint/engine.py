"""The pipeline: discover files -> summarise modules -> project model -> rules -> suppressions.

Data flows one way. Only this module knows all the stages; the CLI only turns options into
``Settings`` and results into output.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from . import noqa, redis_api
from .config import Settings, selected_codes
from .diagnostics import FileError, Finding, Position
from .discovery import ProjectFile, discover, is_test_file, module_names
from .frameworks import build_knowledge
from .project.extract import extract
from .project.model import ProjectModel
from .project.objects import RedisObjects
from .project.requests import RequestAnalysis
from .project.summary import ModuleSummary
from .rules import ALL_RULES, RuleContext
from .source import ParseFailure, SourceError, SourceFile, parse, read_source, source_from_bytes

#: Standard library module names (3.10+ lists them; before, the few a web app is likely to
#: shadow with a module of its own).
_STDLIB: frozenset[str] = frozenset(
    getattr(sys, "stdlib_module_names", ("json", "logging", "typing", "types", "queue", "http"))
)

#: Below this many files, worker processes cost more than they save.
PARALLEL_THRESHOLD = 300


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
    #: Display paths of the files linted (reported), for formats with one entry per file (JUnit).
    reported_paths: list[str] = field(default_factory=list)
    #: Decoded sources of reported files with findings, for showing lines and applying fixes.
    sources: dict[str, SourceFile] = field(default_factory=dict)


@dataclass(frozen=True)
class _Job:
    path: Path
    display: str
    reported: bool
    module: str
    aliases: tuple[str, ...]
    is_package: bool
    is_test: bool
    data: bytes | None = None  # content replacing the file's (stdin, fixes in progress)
    keep_source: bool = False


@dataclass
class _Outcome:
    job: _Job
    summary: ModuleSummary | None = None
    source: SourceFile | None = None
    error: str | None = None
    parse_failure: ParseFailure | None = None


def _summarise(job: _Job, keep_roots: frozenset[str], keep_names: frozenset[str]) -> _Outcome:
    outcome = _Outcome(job)
    try:
        if job.data is not None:
            source = source_from_bytes(job.path, job.display, job.data)
        else:
            source = read_source(job.path, job.display)
    except SourceError as error:
        outcome.error = str(error)
        return outcome
    tree = parse(source)
    if isinstance(tree, ParseFailure):
        outcome.parse_failure = tree
        outcome.source = source if job.reported or job.keep_source else None
        return outcome
    outcome.summary = extract(
        source,
        tree,
        job.module,
        is_package=job.is_package,
        is_test=job.is_test,
        keep_roots=keep_roots,
        keep_names=keep_names,
    )
    # Keep the text of reported files for suppressions and showing source lines, and of every
    # file when fixing (a fix may edit the lifespan's module).
    outcome.source = source if job.reported or job.keep_source else None
    return outcome


def _summarise_many(
    jobs: list[_Job], keep_roots: frozenset[str], keep_names: frozenset[str]
) -> list[_Outcome]:
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_THRESHOLD or workers < 2:
        return [_summarise(job, keep_roots, keep_names) for job in jobs]
    chunk = max(16, len(jobs) // (workers * 4))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(
            pool.map(
                _summarise,
                jobs,
                [keep_roots] * len(jobs),
                [keep_names] * len(jobs),
                chunksize=chunk,
            )
        )


def lint(
    paths: Sequence[Path],
    settings: Settings,
    *,
    overrides: dict[Path, bytes] | None = None,
    root: Path | None = None,
    cwd: Path | None = None,
    keep_sources: bool = False,
) -> LintResult:
    """Lint ``paths`` (and read the rest of their project).

    ``overrides`` maps absolute paths to contents that replace the files' (standard input, or the
    fix loop's work in progress); a path there need not exist on disk.
    """
    cwd = cwd or Path.cwd()
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
    jobs = [
        _job(file, discovery.root, overrides.get(file.path.absolute()), keep_sources)
        for file in discovery.files
    ]
    keep_roots = frozenset(
        {alias.split(".", 1)[0] for job in jobs for alias in (job.module, *job.aliases)}
        | knowledge.packages
        | set(redis_api.PACKAGES)
    )
    keep_names = (
        knowledge.names
        | frozenset(name.rsplit(".", 1)[-1] for name in redis_api.CONSTRUCTORS)
        | redis_api.CLOSE_METHODS
    )
    outcomes = _summarise_many(jobs, keep_roots, keep_names)

    summaries: list[ModuleSummary] = []
    aliases: dict[str, str] = {}
    alias_owners: dict[str, set[str]] = {}
    parse_failures: list[_Outcome] = []
    for outcome in outcomes:
        job = outcome.job
        result.files_in_project += 1
        if job.reported:
            result.files_reported += 1
            result.reported_paths.append(job.display)
        if outcome.error is not None:
            if job.reported:
                result.errors.append(FileError(job.display, outcome.error))
            continue
        if outcome.parse_failure is not None:
            if job.reported:
                parse_failures.append(outcome)
            continue
        assert outcome.summary is not None
        summaries.append(outcome.summary)
        for alias in job.aliases:
            alias_owners.setdefault(alias, set()).add(job.module)
    module_set = {summary.name for summary in summaries}
    # An alias must never shadow a library: app/core/redis.py is not `import redis`.
    reserved = knowledge.packages | set(redis_api.PACKAGES) | _STDLIB
    for alias, owners in alias_owners.items():
        if len(owners) == 1 and alias not in module_set and alias.split(".")[0] not in reserved:
            aliases[alias] = next(iter(owners))

    model = ProjectModel(summaries, aliases)
    requests = RequestAnalysis(model, knowledge)
    objects = RedisObjects(model, requests)
    selected = selected_codes(settings)
    rules = [rule() for rule in ALL_RULES if rule.code in selected]
    per_file_ignores = {
        pattern: (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
        for pattern, codes in settings.per_file_ignores.items()
    }

    sources = {o.job.display: o.source for o in outcomes if o.source is not None}
    if keep_sources:
        result.sources.update(sources)
    for outcome in parse_failures:
        failure = outcome.parse_failure
        assert failure is not None
        if failure.newer_syntax:
            version = f"{sys.version_info.major}.{sys.version_info.minor}"
            result.warnings.append(
                FileError(
                    outcome.job.display,
                    f"uses syntax newer than Python {version}, which runs redispool-lint: not "
                    "analysed (run redispool-lint with a newer Python)",
                )
            )
            continue
        finding = Finding(
            code="RPL999",
            message=f"cannot parse: {failure.message}",
            path=outcome.job.display,
            start=Position(failure.row, failure.column + 1),
            end=Position(failure.row, failure.column + 1),
            noqa_row=failure.row,
        )
        if "RPL999" in selected:
            result.findings.append(finding)
            if outcome.source is not None:
                result.sources[outcome.job.display] = outcome.source

    for outcome in outcomes:
        summary = outcome.summary
        if summary is None or not outcome.job.reported:
            continue
        context = RuleContext(summary, model, requests, objects)
        findings = [finding for rule in rules for finding in rule.check(context)]
        source = sources.get(summary.path)
        ignored = _ignored_codes(per_file_ignores, outcome.job.path, discovery.root)
        if ignored:
            findings = [f for f in findings if not any(f.code.startswith(c) for c in ignored)]
        if source is not None and not settings.ignore_noqa:
            suppressions = noqa.scan(source.text)
            findings = noqa.apply(
                findings,
                suppressions,
                line_of={row: source.line(row) for row in suppressions.directives},
                report_unused="RPL100" in selected and "RPL100" not in ignored,
                known_codes=frozenset(rule.code for rule in ALL_RULES),
                selected=selected,
                path=summary.path,
            )
        if findings and source is not None:
            result.sources[summary.path] = source
        result.findings += findings
    result.findings.sort(key=lambda f: f.sort_key)
    return result


def _job(file: ProjectFile, root: Path, data: bytes | None, keep_source: bool) -> _Job:
    module, aliases, is_package = module_names(root, file.path)
    return _Job(
        path=file.path,
        display=file.display,
        reported=file.reported,
        module=module,
        aliases=tuple(aliases),
        is_package=is_package,
        is_test=is_test_file(root, file.path),
        data=data,
        keep_source=keep_source,
    )


def _ignored_codes(
    per_file_ignores: dict[str, tuple[pathspec.GitIgnoreSpec, list[str]]], path: Path, root: Path
) -> set[str]:
    if not per_file_ignores:
        return set()
    try:
        relative = path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        relative = path.as_posix()
    codes: set[str] = set()
    for spec, ignored in per_file_ignores.values():
        if spec.match_file(relative):
            codes.update(ignored)
    return codes
