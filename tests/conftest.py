from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder (with a pyproject.toml, so it is its own project root)."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    return tmp_path
