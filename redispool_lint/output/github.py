"""``--format github``: GitHub Actions workflow commands, shown as annotations on the diff.

``::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=CODE::MESSAGE``. The runner splits
properties on ``,`` and ``=`` and the command on ``::``, so values are escaped the way the runner
unescapes them (actions/runner ``ActionCommand``): ``%`` ``\\r`` ``\\n`` in the message, and also
``:`` and ``,`` in property values.
"""

from __future__ import annotations

from .base import Report, Style


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(properties: list[tuple[str, str]], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::error {props}::{escape_data(message)}"


def render_github(report: Report, style: Style) -> str:
    out: list[str] = []
    for finding in report.findings:
        properties = [
            ("file", finding.path),
            ("line", str(finding.start.row)),
            ("col", str(finding.start.column)),
            ("endLine", str(finding.end.row)),
            ("endColumn", str(finding.end.column)),
            ("title", finding.code),
        ]
        # The code leads the message too: the annotation's title is not shown everywhere (the
        # job log shows only the message).
        out.append(_command(properties, f"{finding.code} {finding.message}"))
    for error in report.errors:
        out.append(_command([("file", error.path), ("title", "redispool-lint")], error.message))
    return "".join(line + "\n" for line in out)
