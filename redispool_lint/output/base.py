"""What every output format receives: findings and plain source lines, never syntax trees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import FileError, Finding


@dataclass
class Report:
    findings: list[Finding]
    errors: list[FileError] = field(default_factory=list)
    #: path -> the file's lines, for formats that show source.
    lines: dict[str, list[str]] = field(default_factory=dict)
    #: Findings fixed by ``--fix``, per file, for ``--show-fixes``.
    fixed: dict[str, list[Finding]] = field(default_factory=dict)
    #: How many findings the diff of ``--diff`` fixes (``findings`` are those it leaves).
    would_fix: int = 0
    #: How many findings ``--fix`` fixed (``findings`` are those left).
    fixed_count: int = 0
    #: Whether ``--unsafe-fixes`` was given (changes what counts as fixable in hints).
    unsafe_fixes: bool = False
    #: Display paths of every file linted, with findings or not (JUnit has a case per file).
    files: list[str] = field(default_factory=list)
    #: The folder display paths are relative to (the working directory): SARIF's %SRCROOT%.
    root: Path | None = None
    #: ``--quiet``: the findings without the summary line (``Found 3 errors ...``).
    quiet: bool = False

    def fixable(self, finding: Finding) -> bool:
        if finding.fix is None:
            return False
        return self.unsafe_fixes or finding.fix.applicability.value == "safe"


@dataclass(frozen=True)
class Style:
    color: bool

    def paint(self, text: str, **style: object) -> str:
        if not self.color:
            return text
        import click

        return click.style(text, **style)  # type: ignore[arg-type]


Formatter = Callable[[Report, Style], str]
