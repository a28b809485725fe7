"""What the rules produce and the output formats consume: findings, positions and fixes.

Plain data, no syntax trees and no formatting: the boundary between analysis and reporting.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Position:
    """A place in a file: 1-based row, 1-based column (in characters, like ruff)."""

    row: int
    column: int


class Applicability(enum.Enum):
    #: Behaviour is preserved for every caller: applied by ``--fix``.
    SAFE = "safe"
    #: Needs ``--unsafe-fixes``: the rule's docs say why.
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``start`` and ``end`` of ``path`` with ``content``."""

    path: str
    start: Position
    end: Position
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    #: The file as shown to the user.
    path: str
    start: Position
    end: Position
    #: The line whose suppression comment (noqa) silences this finding.
    noqa_row: int
    fix: Fix | None = None
    #: Further explanation shown under the source line by the ``full`` format (why it runs per
    #: request, what to do instead).
    notes: tuple[str, ...] = field(default=())

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.row, self.start.column, self.code)


@dataclass(frozen=True)
class FileError:
    """A file the tool could not read at all (not UTF-8, unreadable, a directory...)."""

    path: str
    message: str
