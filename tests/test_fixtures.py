"""flake8-async style: every fixture project's findings are exactly its `# error: CODE` markers.

A fixture is a folder under ``tests/fixtures/projects/``: one module or several (cross-module
cases), with an optional ``pyproject.toml`` for settings. Markers sit on the line a finding starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import FIXTURES, actual_markers, expected_markers, lint_folder

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_fixture_markers(folder: Path) -> None:
    result = lint_folder(folder)
    assert result.errors == []
    expected = expected_markers(folder)
    actual = actual_markers(result)
    missing = sorted(expected - actual)
    unexpected = sorted(actual - expected)
    messages = {(f.path, f.start.row, f.code): f.message for f in result.findings}
    assert not missing and not unexpected, (
        f"missing: {missing}\nunexpected: {[(u, messages.get(u)) for u in unexpected]}"
    )


def test_every_fixture_has_a_case() -> None:
    assert PROJECTS, "no fixture projects found"
