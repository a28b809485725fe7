"""flake8-async style: every fixture project's findings are exactly its `# error: CODE` markers.

A fixture is a folder under ``tests/fixtures/projects/``: one module or several (cross-module
cases), with an optional ``pyproject.toml`` for settings. Markers sit on the line a finding starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from redispool_lint.config import Settings
from redispool_lint.engine import lint

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


MODULE_BLOCKS = """\
import os

from fastapi import FastAPI

app = FastAPI()

match os.environ.get("MODE"):
    case "prod":
        import redis.asyncio as redis
    case _:
        import redis.asyncio as redis

for _attempt in range(1):
    from redis.asyncio import Redis

while False:
    pass
else:
    from redis.asyncio import from_url


@app.get("/a")
async def a():
    client = redis.Redis()  # error: RPL002
    return await client.get("k")


@app.get("/b")
async def b():
    return await Redis().get("k")  # error: RPL002


@app.get("/c")
async def c():
    return await from_url("redis://localhost").get("k")  # error: RPL002
"""


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match is 3.10 syntax")
@pytest.mark.parametrize("full", [False, True], ids=["demand", "full"])
def test_names_bound_in_module_level_match_for_and_while_blocks(tmp_path: Path, full: bool) -> None:
    # Imports in the arms of a module-level ``match`` (or a ``for``, a ``while``) were not
    # module names: the handlers' per-request clients went unreported.
    (tmp_path / "app.py").write_text(MODULE_BLOCKS, encoding="utf-8")
    result = lint([tmp_path], Settings(), root=tmp_path, cwd=tmp_path, full=full)
    assert actual_markers(result) == expected_markers(tmp_path)


CONDITIONAL_DECORATOR = """\
import redis.asyncio as redis
from fastapi import FastAPI

app = FastAPI()
DEBUG = False


@(app.get("/debug") if DEBUG else app.get("/"))
async def a():
    client = redis.Redis()  # error: RPL002
    return await client.get("k")


@app.post("/b") if DEBUG else (lambda f: f)
async def b():
    client = redis.Redis()  # error: RPL002
    return await client.get("k")
"""


@pytest.mark.parametrize("full", [False, True], ids=["demand", "full"])
def test_a_conditional_decorator_registers_a_handler(tmp_path: Path, full: bool) -> None:
    # PEP 614 (3.9): any expression is a decorator; ``a if flag else b`` may be either.
    (tmp_path / "app.py").write_text(CONDITIONAL_DECORATOR, encoding="utf-8")
    result = lint([tmp_path], Settings(), root=tmp_path, cwd=tmp_path, full=full)
    assert actual_markers(result) == expected_markers(tmp_path)
