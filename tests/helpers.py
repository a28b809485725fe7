"""Test helpers: lint a folder as its own project, read `# error: CODE` markers."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from click.testing import CliRunner

from redispool_lint.config import Settings, find_config, load_config
from redispool_lint.diagnostics import Finding
from redispool_lint.engine import LintResult, lint

FIXTURES = Path(__file__).parent / "fixtures"
_MARKER = re.compile(r"#\s*error:\s*(?P<codes>RPL\d{3}(?:\s*,\s*RPL\d{3})*)")
_FILE_HEADER = re.compile(r"^# file: (?P<path>\S+)\s*$", re.MULTILINE)


def cli_runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout (click < 8.2, the last for Python 3.9, mixes
    them unless told not to; 8.2 always keeps them apart and has no such option)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]
    except TypeError:
        return CliRunner()


def lint_folder(folder: Path, settings: Settings | None = None) -> LintResult:
    """Lint a folder as a project of its own (its own root, its own pyproject.toml if any)."""
    if settings is None:
        config = find_config(folder)
        settings = load_config(config) if config and config.parent == folder else Settings()
    return lint([folder], settings, root=folder, cwd=folder)


def expected_markers(folder: Path) -> set[tuple[str, int, str]]:
    """(relative path, row, code) for every `# error: CODE` marker below a folder."""
    expected: set[tuple[str, int, str]] = set()
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).as_posix()
        for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _MARKER.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    expected.add((relative, row, code))
    return expected


def actual_markers(result: LintResult) -> set[tuple[str, int, str]]:
    return {(Path(f.path).as_posix(), f.start.row, f.code) for f in result.findings}


def write_files(folder: Path, text: str, default_name: str = "app.py") -> None:
    """Write an example: one module, or several introduced by `# file: path` lines."""
    text = textwrap.dedent(text)
    headers = list(_FILE_HEADER.finditer(text))
    if not headers:
        (folder / default_name).write_text(text, encoding="utf-8")
        return
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        target = folder / header.group("path")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text[header.end() : end].lstrip("\n"), encoding="utf-8")


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]
