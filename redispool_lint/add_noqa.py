"""``--add-noqa``: write a ``# noqa: RPLxxx`` for every current finding (adopting the tool).

A team with a hundred findings turns the check on today: every finding is suppressed where it is,
the run is clean, and new code is held to the rule. As findings get fixed, RPL100 reports the
suppressions that no longer suppress anything (and ``--fix`` removes them).

Comments go at the end of the row that suppresses the finding (``noqa.comment_rows``: never inside
a string, never after a backslash). An existing ``# noqa: E501`` becomes ``# noqa: E501, RPL001``;
other comments on the row are kept, the directive is appended after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import noqa
from .diagnostics import Edit, FileError, Finding, Position
from .engine import LintResult
from .fix.edits import apply_edits, encode, write_atomic
from .lines import split_lines
from .source import parse_text

#: Findings a line comment cannot suppress: a file that does not parse has no lines to speak of.
UNSUPPRESSIBLE = frozenset({"RPL999"})


@dataclass
class AddNoqaOutcome:
    #: Codes written (one per finding code and row).
    added: int = 0
    #: Files changed.
    files: int = 0
    skipped: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def noqa_edits(text: str, path: str, findings: list[Finding]) -> tuple[list[Edit], int]:
    """The edits that suppress ``findings`` in ``text``, and how many codes they add."""
    row_map = noqa.comment_rows(text)
    existing = noqa.scan(text).directives
    wanted: dict[int, set[str]] = {}
    for finding in findings:
        row = noqa.resolve_row(row_map, finding.noqa_row)
        wanted.setdefault(row, set()).add(finding.code)
    rows = split_lines(text)
    edits: list[Edit] = []
    added = 0
    for row, codes in sorted(wanted.items()):
        if not 0 < row <= len(rows):
            continue
        line = rows[row - 1]
        directive = existing.get(row)
        if directive is not None and directive.codes is None:
            continue  # a bare noqa directive already silences everything
        if directive is not None:
            assert directive.codes is not None
            new = sorted(codes - set(directive.codes))
            merged = "# noqa: " + ", ".join([*directive.codes, *new])
            start, end = directive.start, directive.end
        else:
            new = sorted(codes)
            code_end = len(line.rstrip())
            merged = ("  " if code_end else "") + "# noqa: " + ", ".join(new)
            start, end = code_end, len(line)
        if not new:
            continue
        added += len(new)
        edits.append(Edit(path, Position(row, start + 1), Position(row, end + 1), merged))
    return edits, added


def _parses(text: str) -> bool:
    try:
        parse_text(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def add_noqa(result: LintResult, *, write: bool = True) -> AddNoqaOutcome:
    """Suppress every finding of ``result`` in its file; files are written atomically."""
    outcome = AddNoqaOutcome()
    by_path: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if finding.code in UNSUPPRESSIBLE:
            outcome.skipped.append(finding)
        else:
            by_path.setdefault(finding.path, []).append(finding)
    for path, findings in sorted(by_path.items()):
        source = result.sources.get(path)
        if source is None:
            outcome.skipped += findings
            continue
        edits, added = noqa_edits(source.text, path, findings)
        if not edits:
            continue
        new_text = apply_edits(source.text, edits)
        # Never write what does not parse: a comment placed wrong would break the module.
        if not _parses(new_text):
            outcome.errors.append(
                FileError(path, "adding noqa comments would break the file; left unchanged")
            )
            continue
        if write:
            write_atomic(source.path, encode(source, new_text))
        outcome.added += added
        outcome.files += 1
    return outcome
