"""``--format sarif``: SARIF 2.1.0 (GitHub code scanning, VS Code's SARIF viewer, ...).

Every rule is described in ``tool.driver.rules`` (its docs as help text, a link to its page), each
finding is a result pointing at its rule, and a finding's fix becomes a SARIF ``fix``: one
``artifactChange`` per file it edits (our fixes may also edit the module holding the lifespan).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..diagnostics import Edit, Finding, Position
from ..rules import ALL_RULES
from ..rules.base import Rule, _dedent
from .base import Report, Style
from .fingerprint import fingerprints

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/redispool-lint/redispool-lint"
SRCROOT = "%SRCROOT%"


def _artifact(path: str) -> dict[str, str]:
    """Relative paths are relative to %SRCROOT% (the working directory, the repository root in
    CI), which is what code scanning needs to place results; absolute ones become file URIs."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(PurePosixPath(Path(path).as_posix()).as_posix()), "uriBaseId": SRCROOT}


def _region(start: Position, end: Position) -> dict[str, int]:
    # SARIF's endColumn is the column after the region, like ours; columns count code points
    # (run.columnKind says so).
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    }


def _rule(rule: type[Rule]) -> dict[str, Any]:
    docs = rule.docs()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _dedent(rule.what_it_does)},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": "error", "enabled": not rule.opt_in},
        "properties": {"fixable": rule.fixable, "tags": ["redis", "correctness"]},
    }


def _fix(finding: Finding) -> list[dict[str, Any]]:
    if finding.fix is None:
        return []
    by_path: dict[str, list[Edit]] = {}
    for edit in finding.fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    description = finding.fix.message
    if finding.fix.applicability.value != "safe":
        description += " (unsafe: needs --unsafe-fixes)"
    return [
        {
            "description": {"text": description},
            "artifactChanges": [
                {
                    "artifactLocation": _artifact(path),
                    "replacements": [
                        {
                            "deletedRegion": _region(edit.start, edit.end),
                            "insertedContent": {"text": edit.content},
                        }
                        for edit in sorted(edits, key=lambda e: (e.start, e.end))
                    ],
                }
                for path, edits in sorted(by_path.items())
            ],
        }
    ]


def sarif_log(report: Report) -> dict[str, Any]:
    rule_index = {rule.code: index for index, rule in enumerate(ALL_RULES)}
    results = []
    for finding, fingerprint in zip(report.findings, fingerprints(report)):
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": "error",
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(finding.path),
                        "region": _region(finding.start, finding.end),
                    }
                }
            ],
            "partialFingerprints": {"redispoolLint/v1": fingerprint},
        }
        if finding.code in rule_index:
            result["ruleIndex"] = rule_index[finding.code]
        fixes = _fix(finding)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "redispool-lint",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in ALL_RULES],
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": error.message},
                        "locations": [
                            {"physicalLocation": {"artifactLocation": _artifact(error.path)}}
                        ],
                    }
                    for error in report.errors
                ],
            }
        ],
        "results": results,
    }
    if report.root is not None:
        # A folder URI must end with a slash, or relative URIs would resolve against its parent.
        root_uri = report.root.absolute().as_uri()
        root_uri += "" if root_uri.endswith("/") else "/"
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root_uri}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, style: Style) -> str:
    return json.dumps(sarif_log(report), indent=2) + "\n"
