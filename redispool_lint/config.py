"""Settings: ``[tool.redispool-lint]`` in pyproject.toml, overridden by the command line.

Every key is checked: an unknown key or rule code is an error with a did-you-mean, never a
silent no-op.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

from .rules import ALL_RULES

SECTION = "redispool-lint"


class ConfigError(Exception):
    """A bad configuration or option: one line for the user, exit code 2."""


@dataclass
class Settings:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    respect_gitignore: bool = True
    force_exclude: bool = False
    #: ``--ignore-noqa``: report every finding, as if no suppression comment existed.
    ignore_noqa: bool = False
    #: Extra decorators (qualified names) that make a function a request handler.
    entry_point_decorators: list[str] = field(default_factory=list)
    #: Extra dependency markers (qualified names) like ``Depends``: their argument runs per request.
    dependency_markers: list[str] = field(default_factory=list)
    #: The app state attribute ``--fix`` stores the shared client in.
    client_attribute: str = "redis"
    #: Keep module summaries in ``.redispool_lint_cache/`` at the project root (the command line
    #: turns it on; ``--no-cache`` off). Off for library callers, so tests leave no cache behind.
    cache: bool = False
    #: Parse every file of the project instead of only what the analysis needs: the findings are
    #: the same (tests/test_demand_equivalence.py), only slower. For that test and for debugging.
    full_analysis: bool = False
    #: Where the settings came from, for messages.
    source: Path | None = None

    def excludes(self) -> list[str]:
        return [*(self.exclude or []), *self.extend_exclude]


_KEYS: dict[str, tuple[str, type]] = {
    "select": ("select", list),
    "extend-select": ("extend_select", list),
    "ignore": ("ignore", list),
    "exclude": ("exclude", list),
    "extend-exclude": ("extend_exclude", list),
    "per-file-ignores": ("per_file_ignores", dict),
    "respect-gitignore": ("respect_gitignore", bool),
    "force-exclude": ("force_exclude", bool),
    "entry-point-decorators": ("entry_point_decorators", list),
    "dependency-markers": ("dependency_markers", list),
    "client-attribute": ("client_attribute", str),
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.redispool-lint]`` table, walking up."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return pyproject  # load_config reports the problem
            if SECTION in data.get("tool", {}):
                return pyproject
    return None


def load_config(path: Path) -> Settings:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    table = data.get("tool", {}).get(SECTION, {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{SECTION}] must be a table")
    settings = settings_from_table(table, str(path))
    settings.source = path
    return settings


def settings_from_table(table: Mapping[str, Any], origin: str) -> Settings:
    settings = Settings()
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(
                f"{origin}: unknown key `{key}` in [tool.{SECTION}]{did_you_mean(key, _KEYS)}"
            )
        attribute, expected = _KEYS[key]
        if not isinstance(value, expected):
            raise ConfigError(
                f"{origin}: `{key}` must be a {expected.__name__}, not {type(value).__name__}"
            )
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{origin}: `{key}` must be a list of strings")
        if isinstance(value, dict):
            for pattern, codes in value.items():
                if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                    raise ConfigError(
                        f"{origin}: `{key}` maps patterns to lists of codes; `{pattern}` does not"
                    )
        setattr(settings, attribute, value)
    for key in ("select", "extend_select", "ignore"):
        validate_codes(getattr(settings, key) or [], origin)
    for codes in settings.per_file_ignores.values():
        validate_codes(codes, origin)
    return settings


ALL_CODES = tuple(rule.code for rule in ALL_RULES)


def validate_codes(selectors: Iterable[str], origin: str) -> None:
    for selector in selectors:
        if selector == "ALL":
            continue
        if not any(code.startswith(selector) for code in ALL_CODES):
            raise ConfigError(
                f"{origin}: unknown rule code or prefix `{selector}`"
                f"{did_you_mean(selector, ALL_CODES)}"
            )


def selected_codes(settings: Settings) -> frozenset[str]:
    """The rule codes in force: select (default: all but opt-in) + extend-select - ignore."""

    def expand(selectors: Iterable[str]) -> set[str]:
        codes: set[str] = set()
        for selector in selectors:
            if selector == "ALL":
                codes.update(ALL_CODES)
            else:
                codes.update(c for c in ALL_CODES if c.startswith(selector))
        return codes

    if settings.select is None:
        chosen = {rule.code for rule in ALL_RULES if not rule.opt_in}
    else:
        chosen = expand(settings.select)
    chosen |= expand(settings.extend_select)
    chosen -= expand(settings.ignore)
    return frozenset(chosen)
