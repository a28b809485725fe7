"""``--format junit``: JUnit XML, one test case per linted file and a failure per finding.

CI servers (GitLab ``artifacts:reports:junit``, Jenkins, Azure Pipelines) show a file with
findings as a failed test, so a clean file is a passed one: every linted file is a test case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..diagnostics import FileError, Finding
from .base import Report, Style

#: Characters XML 1.0 cannot hold at all, even escaped (source text may contain them).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render_junit(report: Report, style: Style) -> str:
    findings: dict[str, list[Finding]] = {}
    for finding in report.findings:
        findings.setdefault(finding.path, []).append(finding)
    errors: dict[str, list[FileError]] = {}
    for error in report.errors:
        errors.setdefault(error.path, []).append(error)
    # Files named by findings or errors but not in the list (standard input) still get a case.
    paths = sorted({*report.files, *findings, *errors})

    root = ET.Element("testsuites", name="redispool-lint")
    suite = ET.SubElement(root, "testsuite", name="redispool-lint")
    failures = 0
    for path in paths:
        case = ET.SubElement(suite, "testcase", name=_clean(path), classname="redispool-lint")
        for finding in findings.get(path, []):
            failures += 1
            failure = ET.SubElement(
                case, "failure", message=_clean(finding.message), type=finding.code
            )
            failure.text = _clean(
                f"{finding.path}:{finding.start.row}:{finding.start.column}: "
                f"{finding.code} {finding.message}"
            )
        for error in errors.get(path, []):
            element = ET.SubElement(case, "error", message=_clean(error.message), type="error")
            element.text = _clean(f"{error.path}: {error.message}")
    counts = {
        "tests": str(len(paths)),
        "failures": str(failures),
        "errors": str(len(report.errors)),
        "skipped": "0",
    }
    for element in (root, suite):
        for key, value in counts.items():
            element.set(key, value)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
