"""``--format json``: ruff's JSON shape, so tools that read ruff's output read ours."""

from __future__ import annotations

import json
from typing import Any

from ..diagnostics import Finding, Position
from ..rules import RULES_BY_CODE
from .base import Report, Style


def _position(position: Position) -> dict[str, int]:
    return {"row": position.row, "column": position.column}


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    rule = RULES_BY_CODE.get(finding.code)
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability.value,
            "message": finding.fix.message,
            "edits": [
                {
                    "content": edit.content,
                    "location": _position(edit.start),
                    "end_location": _position(edit.end),
                    # Our fixes may span files (the lifespan lives elsewhere): ruff's edits are
                    # implicitly in `filename`, ours say where.
                    "filename": edit.path,
                }
                for edit in finding.fix.edits
            ],
        }
    return {
        "cell": None,
        "code": finding.code,
        "end_location": _position(finding.end),
        "filename": finding.path,
        "fix": fix,
        "location": _position(finding.start),
        "message": finding.message,
        "noqa_row": finding.noqa_row,
        "url": rule.url() if rule else None,
    }


def render_json(report: Report, style: Style) -> str:
    return json.dumps([finding_to_dict(f) for f in report.findings], indent=2) + "\n"
