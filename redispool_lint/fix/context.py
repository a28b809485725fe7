"""What every part of the fix planner reads: the lint run's sources and project model, parsed files.

``FixContext`` holds the inputs and parses each file a fix touches once (LibCST is slow; most
files are never parsed). ``Rewrite`` is what the parts hand back: operations per file, not yet
rendered, so that the planner renders them in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import libcst as cst

from ..config import Settings
from ..diagnostics import Applicability, Finding
from ..project.model import ProjectModel
from ..project.objects import RedisObjects
from ..project.summary import CallSite, FunctionSummary, ModuleSummary
from ..source import SourceFile
from .apps import Apps
from .cst_tools import CannotFix, FileOps, ParsedFile


class Sources(Protocol):
    """The project's sources, as the planner reads them: a fix may edit any file (the
    lifespan's module), and some of its checks look through every file for a word."""

    def get(self, path: str) -> SourceFile | None:
        """The decoded source of a file (by its display path), or None."""

    def with_text(self, *needles: str) -> Iterator[SourceFile]:
        """The sources whose text contains one of ``needles``."""


class FixContext:
    """The inputs of one planning run, and the files it parsed."""

    def __init__(
        self,
        sources: Sources,
        model: ProjectModel,
        apps: Apps,
        objects: RedisObjects,
        settings: Settings,
    ) -> None:
        self.sources = sources
        self.model = model
        self.apps = apps
        self.objects = objects
        self.settings = settings
        self.modules_by_path = {m.path: m for m in model.modules.values()}
        self._parsed: dict[str, ParsedFile] = {}

    def file(self, path: str) -> ParsedFile:
        """The file parsed with LibCST, once per planning run."""
        parsed = self._parsed.get(path)
        if parsed is None:
            source = self.sources.get(path)
            if source is None:
                raise CannotFix(f"`{path}` was not read")
            try:
                parsed = ParsedFile(source)
            except cst.ParserSyntaxError as error:
                raise CannotFix(f"LibCST cannot parse `{path}`: {error.message}") from None
            parsed.first_party = frozenset(m.split(".", 1)[0] for m in self.model.modules)
            self._parsed[path] = parsed
        return parsed

    def forget(self, path: str) -> None:
        """Drop a parsed file (a later ``file`` parses it again)."""
        self._parsed.pop(path, None)

    def locate(self, finding: Finding) -> tuple[ModuleSummary, FunctionSummary, CallSite]:
        """The call a finding points at, in the project model.

        Calls of a chain start at one place (``get_client().close()`` and ``get_client()``):
        the one that also ends where the finding does is it."""
        module = self.modules_by_path.get(finding.path)
        starting: tuple[FunctionSummary, CallSite] | None = None
        if module is not None:
            for function in module.functions:
                for call in function.calls:
                    span = call.span
                    if (span.row, span.column + 1) != (finding.start.row, finding.start.column):
                        continue
                    if (span.end_row, span.end_column + 1) == (
                        finding.end.row,
                        finding.end.column,
                    ):
                        return module, function, call
                    starting = starting or (function, call)
        if module is not None and starting is not None:
            return module, *starting
        raise CannotFix("the call was not found in the project model")

    def call_node(self, parsed: ParsedFile, call: CallSite) -> cst.Call:
        """The syntax node of a call the project model found."""
        span = call.span
        node = parsed.find_ending(cst.Call, span.row, span.column, span.end_row, span.end_column)
        if not isinstance(node, cst.Call):
            raise CannotFix("the call was not found in the file")
        return node


@dataclass
class Rewrite:
    """A planned fix before rendering: what it does to each file it touches, in order."""

    applicability: Applicability
    message: str
    ops: list[FileOps]
