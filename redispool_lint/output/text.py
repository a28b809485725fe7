"""The terminal formats: ``full`` (source line, caret, fix hint) and ``concise`` (one line each)."""

from __future__ import annotations

from collections import Counter

from ..diagnostics import Finding
from ..lines import NOT_LINE_ENDS
from .base import Report, Style

#: A terminal moves the cursor at a form feed or a vertical tab: shown as spaces, they keep the
#: caret under the column it points at.
_SHOWN = str.maketrans(dict.fromkeys(NOT_LINE_ENDS, " "))


def _head(finding: Finding, style: Style) -> str:
    location = f"{finding.path}:{finding.start.row}:{finding.start.column}:"
    code = style.paint(finding.code, fg="red", bold=True)
    return f"{style.paint(location, bold=True)} {code} {finding.message}"


def _summary(report: Report) -> str:
    """One line: ``Found 3 errors (2 fixable with --fix, 1 more with --unsafe-fixes).``; after
    ``--fix``, ruff's ``Found 3 errors (2 fixed, 1 remaining).``; under ``--diff``, what the
    diff fixes and what it leaves: ``Would fix 2 errors; 1 error would remain.``"""
    if report.quiet:
        return ""
    count = len(report.findings)
    would = report.would_fix
    if would:
        fixed = f"Would fix {would} {_noun(would)}"
        if count == 0:
            return fixed + "."
        return f"{fixed}; {count} {_noun(count)} would remain{_in_parentheses(_hints(report))}."
    if report.fixed_count:
        total = report.fixed_count + count
        done = [f"{report.fixed_count} fixed, {count} remaining", *_hints(report)]
        return f"Found {total} {_noun(total)}{_in_parentheses(done)}."
    if count == 0:
        return "" if report.errors else "All checks passed!"
    return f"Found {count} {_noun(count)}{_in_parentheses(_hints(report))}."


def _in_parentheses(parts: list[str]) -> str:
    return f" ({', '.join(parts)})" if parts else ""


def _noun(count: int) -> str:
    return "error" if count == 1 else "errors"


def _hints(report: Report) -> list[str]:
    """``2 fixable with --fix``, ``1 more with --unsafe-fixes``: what is left to fix."""
    fixable = sum(report.fixable(f) for f in report.findings)
    hidden = (
        0
        if report.unsafe_fixes
        else sum(1 for f in report.findings if f.fix is not None and not report.fixable(f))
    )
    hints = [f"{fixable} fixable with --fix"] if fixable else []
    if hidden:
        hints.append(
            f"{hidden} more with --unsafe-fixes"
            if fixable
            else f"{hidden} fixable with --unsafe-fixes"
        )
    return hints


def _errors(report: Report, style: Style) -> list[str]:
    return [
        f"{style.paint('error', fg='red', bold=True)}: {e.path}: {e.message}" for e in report.errors
    ]


def render_full(report: Report, style: Style) -> str:
    out: list[str] = []
    for finding in report.findings:
        out.append(_head(finding, style))
        lines = report.lines.get(finding.path)
        if lines is not None and 0 < finding.start.row <= len(lines):
            line = lines[finding.start.row - 1].expandtabs(1).translate(_SHOWN)
            gutter = str(finding.start.row)
            pad = " " * len(gutter)
            start = finding.start.column - 1
            end = (
                finding.end.column - 1
                if finding.end.row == finding.start.row
                else len(line.rstrip())
            )
            width = max(1, end - start)
            out.append(f"{pad} |")
            out.append(f"{gutter} | {line}")
            out.append(f"{pad} | {' ' * start}{style.paint('^' * width, fg='red')}")
            if finding.fix is not None:
                tag = "" if finding.fix.applicability.value == "safe" else " (unsafe)"
                out.append(
                    f"{pad} = {style.paint('help', fg='cyan', bold=True)}: "
                    f"{finding.fix.message}{tag}"
                )
            for note in finding.notes:
                out.append(f"{pad} = {style.paint('note', bold=True)}: {note}")
        out.append("")
    out += _fixed(report, style)
    out += _errors(report, style)
    summary = _summary(report)
    if summary:
        out.append(summary)
    return "\n".join(out).strip("\n") + "\n" if out else ""


def render_concise(report: Report, style: Style) -> str:
    out = [_head(f, style) for f in report.findings]
    out += _fixed(report, style)
    out += _errors(report, style)
    summary = _summary(report)
    if summary:
        out.append(summary)
    return "\n".join(out) + "\n" if out else ""


def _fixed(report: Report, style: Style) -> list[str]:
    if not report.fixed:
        return []
    out = ["Fixed:"]
    for path, findings in sorted(report.fixed.items()):
        counts = Counter(f.code for f in findings)
        detail = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
        out.append(f"  {style.paint(path, bold=True)}: {detail}")
    return out


def render_statistics(report: Report, style: Style) -> str:
    from ..rules import RULES_BY_CODE

    counts = Counter(f.code for f in report.findings)
    fixable = Counter(f.code for f in report.findings if report.fixable(f))
    out = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = RULES_BY_CODE.get(code)
        mark = "[*]" if fixable[code] else "   "
        out.append(f"{count:>5}\t{code}\t{mark} {rule.name if rule else ''}")
    return "\n".join(out) + "\n" if out else ""
