"""``--fix``: apply the fixes attached to findings, in a loop, without ever writing broken code.

The loop: lint (with the work in progress as overrides), take every applicable fix whose edits do
not overlap an earlier one, apply, check that each changed file still parses, lint again; stop
when nothing changes. A file whose fixes do not converge or do not parse is left as it was and
reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..diagnostics import Applicability, Edit, FileError, Finding
from ..engine import LintResult, lint
from ..source import SourceFile, parse_text
from .edits import apply_edits, encode, write_atomic

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

    def run_lint() -> LintResult:
        return lint(
            paths,
            settings,
            overrides={**base_overrides, **_as_overrides(texts, originals)},
            cwd=cwd,
            keep_sources=True,
            plan_fixes=True,
        )

    result = run_lint()
    for _ in range(MAX_ROUNDS):
        progressed = False
        # A fix may edit several files (the lifespan and the handler): when one of its files
        # would not parse, the whole fix is dropped, and the round is planned again without it.
        while True:
            chosen = _choose(result.findings, unsafe, failures)
            if not chosen:
                break
            by_file: dict[str, list[Edit]] = {}
            for finding in chosen:
                assert finding.fix is not None
                for edit in finding.fix.edits:
                    if edit not in by_file.setdefault(edit.path, []):
                        by_file[edit.path].append(edit)
            new_texts: dict[str, str] = {}
            failed = False
            for path, edits in by_file.items():
                source = originals.get(path) or result.sources.get(path)
                if source is None:
                    continue
                originals.setdefault(path, source)
                before = texts.get(path, source.text)
                after = apply_edits(before, edits)
                if not _parses(after):
                    failures[path] = FileError(
                        path, "a fix would produce code that does not parse; file left unchanged"
                    )
                    failed = True
                elif after != before:
                    new_texts[path] = after
            if failed:
                continue
            for finding in chosen:
                assert finding.fix is not None
                if any(edit.path in new_texts for edit in finding.fix.edits):
                    fixed.setdefault(finding.path, []).append(finding)
            texts.update(new_texts)
            progressed = bool(new_texts)
            break
        state = tuple(sorted(texts.items()))
        if not progressed or state in seen_states:
            break
        seen_states.add(state)
        # (The last round's analysis, sources and syntax trees are let go before the next round
        # makes its own: holding both doubled the peak memory of a large project's fix.)
        del result
        result = run_lint()
    else:
        for path in texts:
            failures[path] = FileError(path, f"fixes did not converge after {MAX_ROUNDS} rounds")
    if texts:
        from .cst_tools import tidy_imports

        for path, text in texts.items():
            tidied = tidy_imports(originals[path].text, text)
            if tidied != text and _parses(tidied):
                texts[path] = tidied
    changes = {
        path: (originals[path], text)
        for path, text in texts.items()
        if path not in failures and text != originals[path].text
    }
    fixed = {path: found for path, found in fixed.items() if path in changes}
    if failures:
        # Lint what will really be on disk: the failed files unchanged.
        texts = {path: text for path, (_, text) in changes.items()}
        del result
        result = run_lint()
    return FixOutcome(result, fixed, changes, list(failures.values()))


def _choose(findings: list[Finding], unsafe: bool, failures: dict[str, FileError]) -> list[Finding]:
    """Applicable fixes, first come first served, skipping any whose edits overlap a chosen one.

    Identical edits (the lifespan part every fix of one application shares) are not overlaps:
    they are applied once. A skipped fix is planned again next round, on the new text.
    """
    chosen: list[Finding] = []
    taken: dict[str, list[Edit]] = {}
    for finding in findings:
        if not applicable(finding, unsafe) or finding.fix is None:
            continue
        edits = finding.fix.edits
        if any(edit.path in failures for edit in edits):
            continue
        if any(
            _overlap(edit, other)
            for edit in edits
            for other in taken.get(edit.path, ())
            if edit != other
        ):
            continue
        chosen.append(finding)
        for edit in edits:
            taken.setdefault(edit.path, []).append(edit)
    return chosen


def _overlap(a: Edit, b: Edit) -> bool:
    a_start, a_end = (a.start.row, a.start.column), (a.end.row, a.end.column)
    b_start, b_end = (b.start.row, b.start.column), (b.end.row, b.end.column)
    if a_start == a_end == b_start == b_end:
        return True  # two insertions at one place: their order would be a guess
    return (a_start < b_end and b_start < a_end) or a_start == b_start


def _as_overrides(texts: dict[str, str], originals: dict[str, SourceFile]) -> dict[Path, bytes]:
    return {originals[path].path: encode(originals[path], text) for path, text in texts.items()}


def _parses(text: str) -> bool:
    try:
        parse_text(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def write_changes(outcome: FixOutcome) -> None:
    """Write every changed file; one that cannot be written (read-only, immutable, a full disk)
    is reported as a failure naming it, and the others are still written."""
    for display, (source, text) in list(outcome.changes.items()):
        try:
            write_atomic(source.path, encode(source, text))
        except OSError as error:
            del outcome.changes[display]
            outcome.fixed.pop(display, None)
            outcome.failures.append(
                FileError(display, f"cannot write the fix: {error.strerror or error}")
            )
