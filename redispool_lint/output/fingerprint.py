"""Fingerprints that identify a finding across runs and edits (GitLab, SARIF).

A code review tool compares the fingerprints of two runs to tell new findings from old ones, so a
fingerprint must not change when lines are added above a finding. It hashes the path, the code,
the finding's source line with whitespace removed (not the row, and not the message: messages name
rows of other files), the header of the enclosing ``def``/``class`` (found in the text: formats
never see syntax trees), and how many identical findings came before it, so two identical lines
in one function still get distinct fingerprints, and fixing one of two identical lines in
different functions leaves the other's fingerprint alone.
"""

from __future__ import annotations

import hashlib

from ..diagnostics import Finding
from .base import Report


def _normalized_line(report: Report, finding: Finding) -> str:
    lines = report.lines.get(finding.path)
    if lines is not None and 0 < finding.start.row <= len(lines):
        return "".join(lines[finding.start.row - 1].split())
    # No source (should not happen for reported findings): the message is the next best thing.
    return finding.message


_SCOPE = ("def ", "async def ", "class ")


def _scope_line(report: Report, finding: Finding) -> str:
    """The nearest ``def``/``class`` line above the finding that is less indented than it."""
    lines = report.lines.get(finding.path)
    if lines is None or not 0 < finding.start.row <= len(lines):
        return ""
    line = lines[finding.start.row - 1]
    indent = len(line) - len(line.lstrip())
    for row in range(finding.start.row - 2, -1, -1):
        candidate = lines[row]
        stripped = candidate.lstrip()
        if not stripped or len(candidate) - len(stripped) >= indent:
            continue
        if stripped.startswith(_SCOPE):
            return "".join(stripped.split())
        indent = len(candidate) - len(stripped)  # a block (if/with/...) inside the scope
        if indent == 0:
            break
    return ""


def fingerprints(report: Report) -> list[str]:
    """One hex fingerprint per finding of ``report.findings``, in the same order."""
    seen: dict[tuple[str, str, str, str], int] = {}
    result: list[str] = []
    for finding in report.findings:
        key = (
            finding.path.replace("\\", "/"),
            finding.code,
            _normalized_line(report, finding),
            _scope_line(report, finding),
        )
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        payload = "\0".join((*key, str(occurrence)))
        result.append(hashlib.sha256(payload.encode("utf-8")).hexdigest())
    return result
