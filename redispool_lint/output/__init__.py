"""Output formats: each turns a ``Report`` into text. Adding one is a module and a line here."""

from __future__ import annotations

from .base import Formatter, Report, Style
from .github import render_github
from .gitlab import render_gitlab
from .json import render_json
from .junit import render_junit
from .sarif import render_sarif
from .text import render_concise, render_full, render_statistics

FORMATS: dict[str, Formatter] = {
    "full": render_full,
    "concise": render_concise,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "gitlab": render_gitlab,
    "junit": render_junit,
}

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
