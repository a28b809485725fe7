"""``--fix``: apply the fixes attached to findings, in a loop, without ever writing broken code.

The loop: lint (with the work in progress as overrides), take every applicable fix whose edits do
not overlap an earlier one, apply, check that each changed file still parses, lint again; stop
when nothing changes. A file whose fixes do not converge or do not parse is left as it was and
reported.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..diagnostics import Applicability, Edit, FileError, Finding
from ..engine import LintResult, lint
from ..source import SourceFile
from .edits import OverlappingEdits, apply_edits, encode, write_atomic

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    #: The lint after fixing (what remains).
    result: LintResult
    #: Display path -> findings fixed in it.
    fixed: dict[str, list[Finding]] = field(default_factory=dict)
    #: Display path -> (original source, new text), for files that changed.
    changes: dict[str, tuple[SourceFile, str]] = field(default_factory=dict)
    failures: list[FileError] = field(default_factory=list)


def applicable(finding: Finding, unsafe: bool) -> bool:
    if finding.fix is None:
        return False
    return unsafe or finding.fix.applicability is Applicability.SAFE


def fix_project(
    paths: Sequence[Path],
    settings: Settings,
    *,
    unsafe: bool,
    overrides: dict[Path, bytes] | None = None,
    cwd: Path | None = None,
) -> FixOutcome:
    cwd = cwd or Path.cwd()
    base_overrides = dict(overrides or {})
    originals: dict[str, SourceFile] = {}
    texts: dict[str, str] = {}
    fixed: dict[str, list[Finding]] = {}
    failures: dict[str, FileError] = {}
    seen_states: set[tuple[tuple[str, str], ...]] = set()
    result = lint(paths, settings, overrides=base_overrides, cwd=cwd, keep_sources=True)
    for _ in range(MAX_ROUNDS):
        chosen = _choose(result.findings, unsafe, failures)
        if not chosen:
            break
        by_file: dict[str, list[Edit]] = {}
        for finding in chosen:
            assert finding.fix is not None
            for edit in finding.fix.edits:
                by_file.setdefault(edit.path, []).append(edit)
        progressed = False
        for path, edits in by_file.items():
            source = originals.get(path) or result.sources.get(path)
            if source is None:
                continue
            originals.setdefault(path, source)
            before = texts.get(path, source.text)
            try:
                after = apply_edits(before, edits)
            except OverlappingEdits:
                continue
            if not _parses(after):
                failures[path] = FileError(
                    path, "a fix would produce code that does not parse; file left unchanged"
                )
                texts.pop(path, None)
                continue
            if after != before:
                texts[path] = after
                progressed = True
        for finding in chosen:
            if finding.path in texts and finding.path not in failures:
                fixed.setdefault(finding.path, []).append(finding)
        state = tuple(sorted(texts.items()))
        if not progressed or state in seen_states:
            break
        seen_states.add(state)
        result = lint(
            paths,
            settings,
            overrides={**base_overrides, **_as_overrides(texts, originals)},
            cwd=cwd,
            keep_sources=True,
        )
    else:
        for path in texts:
            failures[path] = FileError(path, f"fixes did not converge after {MAX_ROUNDS} rounds")
    changes = {
        path: (originals[path], text)
        for path, text in texts.items()
        if path not in failures and text != originals[path].text
    }
    fixed = {path: found for path, found in fixed.items() if path in changes}
    if failures:
        # Lint what will really be on disk: the failed files unchanged.
        result = lint(
            paths,
            settings,
            overrides={
                **base_overrides,
                **_as_overrides({p: t for p, (_, t) in changes.items()}, originals),
            },
            cwd=cwd,
            keep_sources=True,
        )
    return FixOutcome(result, fixed, changes, list(failures.values()))


def _choose(findings: list[Finding], unsafe: bool, failures: dict[str, FileError]) -> list[Finding]:
    return [
        f
        for f in findings
        if applicable(f, unsafe)
        and f.fix is not None
        and not any(edit.path in failures for edit in f.fix.edits)
    ]


def _as_overrides(texts: dict[str, str], originals: dict[str, SourceFile]) -> dict[Path, bytes]:
    return {originals[path].path: encode(originals[path], text) for path, text in texts.items()}


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def write_changes(outcome: FixOutcome) -> None:
    for source, text in outcome.changes.values():
        write_atomic(source.path, encode(source, text))
