"""Output formats: each turns a ``Report`` into text. Adding one is a module and a line here."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from .base import Formatter, Report, Style
from .text import render_statistics

#: Format name -> (module of this package, function).
_WHERE = {
    "full": ("text", "render_full"),
    "concise": ("text", "render_concise"),
    "json": ("json", "render_json"),
    "sarif": ("sarif", "render_sarif"),
    "github": ("github", "render_github"),
    "gitlab": ("gitlab", "render_gitlab"),
    "junit": ("junit", "render_junit"),
}


class _Formats(Mapping[str, Formatter]):
    """Format name -> its formatter. A format's module is imported when the format is used: a
    CI run writes one format and need not load XML, JSON and hashing for the others."""

    def __getitem__(self, name: str) -> Formatter:
        module, function = _WHERE[name]
        formatter: Formatter = getattr(importlib.import_module(f".{module}", __name__), function)
        return formatter

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


FORMATS: Mapping[str, Formatter] = _Formats()

#: Formats that show fixes in full (their edits): the CLI plans fixes before rendering them.
FIX_FORMATS = frozenset({"json", "sarif"})
#: Formats that say which findings ``--fix`` can fix (and why not, for the others).
HINT_FORMATS = frozenset({"full", "concise"})

__all__ = [
    "FIX_FORMATS",
    "FORMATS",
    "HINT_FORMATS",
    "Formatter",
    "Report",
    "Style",
    "render_statistics",
]
