"""Output formats: each turns a ``Report`` into text. Adding one is a module and a line here."""

from __future__ import annotations

from .base import Formatter, Report, Style
from .json import render_json
from .text import render_concise, render_full, render_statistics

FORMATS: dict[str, Formatter] = {
    "full": render_full,
    "concise": render_concise,
    "json": render_json,
}

__all__ = ["FORMATS", "Formatter", "Report", "Style", "render_statistics"]
