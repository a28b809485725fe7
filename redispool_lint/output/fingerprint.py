"""Fingerprints that identify a finding across runs and edits (GitLab, SARIF).

A code review tool compares the fingerprints of two runs to tell new findings from old ones, so a
fingerprint must not change when lines are added above a finding. It hashes the path, the code and
the finding's source line with whitespace removed (not the row, and not the message: messages name
rows of other files), plus how many identical (path, code, line) findings came before it, so two
identical lines in one file still get distinct fingerprints.
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


def fingerprints(report: Report) -> list[str]:
    """One hex fingerprint per finding of ``report.findings``, in the same order."""
    seen: dict[tuple[str, str, str], int] = {}
    result: list[str] = []
    for finding in report.findings:
        key = (finding.path.replace("\\", "/"), finding.code, _normalized_line(report, finding))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        payload = "\0".join((*key, str(occurrence)))
        result.append(hashlib.sha256(payload.encode("utf-8")).hexdigest())
    return result
