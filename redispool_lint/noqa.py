"""Suppression comments: ``# noqa``, ``# noqa: RPL001,RPL002`` and ``# redispool-lint: noqa``.

Comments are found with ``tokenize``, so a ``# noqa`` inside a string is not a suppression.

A finding's ``noqa_row`` is the row it starts on. Some rows cannot end with a comment: a row that
ends inside a multi-line string (a comment there would be text of the string) or with a backslash
continuation. A finding on such a row is suppressed by a comment on the first row after it that
can hold one (``comment_rows``); ``--add-noqa`` writes its comments there too.
"""

from __future__ import annotations

import re
import tokenize
from dataclasses import dataclass, field

from .diagnostics import Applicability, Edit, Finding, Fix, Position
from .lines import readline

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_FILE_NOQA = re.compile(r"#\s*redispool-lint\s*:\s*noqa\b", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
OUR_PREFIX = "RPL"
UNUSED_NOQA = "RPL100"


@dataclass(frozen=True)
class Directive:
    row: int
    #: 0-based columns of the directive's text within the line.
    start: int
    end: int
    #: The codes named, upper-cased; None for a bare directive (no codes).
    codes: tuple[str, ...] | None
    #: The whole comment token (may hold other text before or after the directive).
    comment: str
    comment_start: int


@dataclass
class Suppressions:
    file_level: bool
    directives: dict[int, Directive]
    #: Rows that cannot hold a comment -> the row whose comment speaks for them.
    row_map: dict[int, int] = field(default_factory=dict)

    def directive_for(self, row: int) -> Directive | None:
        return self.directives.get(resolve_row(self.row_map, row))


_STRING_STARTS = frozenset({"FSTRING_START", "TSTRING_START"})
_STRING_ENDS = frozenset({"FSTRING_END", "TSTRING_END"})


def _comment_rows(tokens: list[tokenize.TokenInfo]) -> dict[int, int]:
    row_map: dict[int, int] = {}
    line_ends: set[int] = set()
    # f-strings (Python >= 3.12) come as START ... END tokens, possibly nested.
    open_strings: list[int] = []
    last_row = 0
    for token in tokens:
        kind = tokenize.tok_name.get(token.type, "")
        last_row = max(last_row, token.end[0])
        if token.type in (tokenize.NEWLINE, tokenize.NL):
            line_ends.add(token.start[0])
        elif token.type == tokenize.STRING and token.end[0] > token.start[0]:
            for row in range(token.start[0], token.end[0]):
                row_map[row] = token.end[0]
        elif kind in _STRING_STARTS:
            open_strings.append(token.start[0])
        elif kind in _STRING_ENDS and open_strings:
            start = open_strings.pop()
            for row in range(start, token.end[0]):
                row_map.setdefault(row, token.end[0])
    # A row with code but no end-of-line token, and not inside a string, continues with `\`.
    for row in range(1, last_row):
        if row not in line_ends and row not in row_map:
            row_map[row] = row + 1
    return row_map


def comment_rows(text: str) -> dict[int, int]:
    """Rows that cannot end with a comment -> the next row that can (see the module's doc)."""
    try:
        tokens = list(tokenize.generate_tokens(readline(text)))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {}
    return _comment_rows(tokens)


def resolve_row(row_map: dict[int, int], row: int) -> int:
    for _ in range(len(row_map) + 1):  # bounded: a map is never cyclic, but never loop forever
        if row not in row_map:
            break
        row = row_map[row]
    return row


def scan(text: str) -> Suppressions:
    """Find every noqa comment of a file. Cheap when the file has none (a text test first)."""
    lowered = text.lower()
    if "noqa" not in lowered:
        return Suppressions(False, {})
    file_level = False
    directives: dict[int, Directive] = {}
    try:
        tokens = list(tokenize.generate_tokens(readline(text)))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return Suppressions(False, {})
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        comment = token.string
        if _FILE_NOQA.search(comment):
            file_level = True
            continue
        match = _NOQA.search(comment)
        if match is None:
            continue
        codes_text = match.group("codes")
        codes = tuple(code.upper() for code in _CODE.findall(codes_text)) if codes_text else None
        row, column = token.start
        directives[row] = Directive(
            row=row,
            start=column + match.start(),
            end=column + match.end(),
            codes=codes,
            comment=comment,
            comment_start=column,
        )
    return Suppressions(file_level, directives, _comment_rows(tokens) if directives else {})


def _matches(code: str, directive_code: str) -> bool:
    return code == directive_code or code.startswith(directive_code)


def apply(
    findings: list[Finding],
    suppressions: Suppressions,
    *,
    line_of: dict[int, str],
    report_unused: bool,
    known_codes: frozenset[str],
    selected: frozenset[str],
    path: str,
) -> list[Finding]:
    """Drop suppressed findings; add RPL100 for ``RPL`` codes that suppressed nothing."""
    if suppressions.file_level:
        return []
    kept: list[Finding] = []
    used: dict[int, set[str]] = {}
    for finding in findings:
        directive = suppressions.directive_for(finding.noqa_row)
        if directive is None or finding.code == "RPL999":
            kept.append(finding)
            continue
        if directive.codes is None:
            continue
        matched = [c for c in directive.codes if _matches(finding.code, c)]
        if matched:
            used.setdefault(directive.row, set()).update(matched)
            continue
        kept.append(finding)
    if report_unused:
        for directive in suppressions.directives.values():
            if directive.codes is None:
                continue
            ours = [c for c in directive.codes if c.startswith(OUR_PREFIX)]
            unused = [c for c in ours if c not in used.get(directive.row, set())]
            if not unused:
                continue
            if UNUSED_NOQA in directive.codes and unused != [UNUSED_NOQA]:
                # A directive naming RPL002 and RPL100 keeps RPL002 on purpose (--add-noqa writes
                # that for a line whose suppression is unused): RPL100 is used, not reported.
                continue
            kept.append(
                _unused_finding(
                    directive, unused, known_codes, selected, path, line_of.get(directive.row, "")
                )
            )
    return kept


def _unused_finding(
    directive: Directive,
    unused: list[str],
    known_codes: frozenset[str],
    selected: frozenset[str],
    path: str,
    line: str,
) -> Finding:
    described = []
    for code in unused:
        if code not in known_codes:
            described.append(f"{code} (unknown code)")
        elif code not in selected:
            described.append(f"{code} (not enabled)")
        else:
            described.append(code)
    assert directive.codes is not None
    remaining = [c for c in directive.codes if c not in unused]
    if remaining:
        replacement = "# noqa: " + ", ".join(remaining)
        start, end = directive.start, directive.end
    else:
        # Remove the directive, and the whitespace before it when it ends the line.
        start, end = directive.start, directive.end
        rest = line[end:]
        if not rest.strip():
            end = len(line)
            while start > 0 and line[start - 1] in " \t":
                start -= 1
        replacement = ""
    fix = Fix(
        Applicability.SAFE,
        "Remove unused `noqa` codes" if remaining else "Remove unused `noqa` directive",
        (
            Edit(
                path,
                Position(directive.row, start + 1),
                Position(directive.row, end + 1),
                replacement,
            ),
        ),
    )
    return Finding(
        code="RPL100",
        message=f"Unused `noqa` directive: {', '.join(described)}",
        path=path,
        start=Position(directive.row, directive.start + 1),
        end=Position(directive.row, directive.end + 1),
        noqa_row=directive.row,
        fix=fix,
    )
