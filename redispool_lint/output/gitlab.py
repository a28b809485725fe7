"""``--format gitlab``: GitLab Code Quality JSON (the ``codequality`` report artifact).

GitLab matches findings between the merge request's pipeline and the target branch's by
``fingerprint``: see ``fingerprint.py`` for why it survives line moves.
"""

from __future__ import annotations

import json
from typing import Any

from .base import Report, Style
from .fingerprint import fingerprints

#: GitLab's severities: info, minor, major, critical, blocker.
SEVERITY = {
    # Cuts other requests' connections: an outage under load.
    "RPL001": "critical",
    # The file could not be analysed at all.
    "RPL999": "blocker",
    # Housekeeping, not a bug.
    "RPL100": "minor",
}
DEFAULT_SEVERITY = "major"


def gitlab_issues(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "type": "issue",
            "description": f"{finding.code} {finding.message}",
            "check_name": finding.code,
            "fingerprint": fingerprint,
            "severity": SEVERITY.get(finding.code, DEFAULT_SEVERITY),
            "categories": ["Bug Risk"],
            "location": {
                "path": finding.path.replace("\\", "/"),
                "lines": {"begin": finding.start.row, "end": finding.end.row},
            },
        }
        for finding, fingerprint in zip(report.findings, fingerprints(report))
    ]


def render_gitlab(report: Report, style: Style) -> str:
    return json.dumps(gitlab_issues(report), indent=2) + "\n"
