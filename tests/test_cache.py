"""The cache (``.redispool_lint_cache/``): a warm run gives what a cold run gives, sees every
edit, survives corrupt entries and concurrent runs, and is never required."""

from __future__ import annotations

import marshal
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from redispool_lint import engine
from redispool_lint.cache import CACHE_DIR
from redispool_lint.config import Settings
from redispool_lint.engine import LintResult, lint
from redispool_lint.layout import (
    Layout,
    build_layout,
    layout_key,
    restored_layout,
    saved_layout,
)

FIXTURE = Path(__file__).parent / "fixtures" / "projects"

HELPER = """\
import redis.asyncio


def make(request):
    return redis.asyncio.from_url("redis://localhost")
"""
ROUTE = """\
from fastapi import APIRouter, Request

from app.helpers import make

router = APIRouter()


@router.get("/items")
async def items(request: Request):
    return await make(request).get("k")
"""
PLAIN_ROUTE = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/items")
async def items():
    return 1
"""


def _project(folder: Path, route: str = ROUTE) -> None:
    (folder / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    app = folder / "app"
    app.mkdir()
    (app / "__init__.py").write_text("", encoding="utf-8")
    (app / "helpers.py").write_text(HELPER, encoding="utf-8")
    (app / "routes.py").write_text(route, encoding="utf-8")
    for index in range(20):  # files the text index must carry from run to run
        (app / f"plain{index}.py").write_text(f"VALUE = {index}\n", encoding="utf-8")
    # A chain of callers of the helper: the walk asks who imports each, more questions than it
    # answers by scanning bytes, so it builds the text indexes (which the cache then carries).
    previous = ("app.helpers", "make")
    for index in range(6):
        (app / f"layer{index}.py").write_text(
            f"from {previous[0]} import {previous[1]}\n\n\n"
            f"def call{index}(request):\n    return {previous[1]}(request)\n",
            encoding="utf-8",
        )
        previous = (f"app.layer{index}", f"call{index}")


def _lint(folder: Path, cache: bool = True, paths: list[Path] | None = None) -> LintResult:
    settings = Settings()
    settings.cache = cache
    return lint(paths or [folder], settings, root=folder, cwd=folder)


def _keys(result: LintResult) -> list[tuple[str, int, str, str]]:
    return sorted((f.path, f.start.row, f.code, f.message) for f in result.findings)


def test_warm_run_equals_cold_run(tmp_path: Path) -> None:
    _project(tmp_path)
    cold = _keys(_lint(tmp_path, cache=False))
    assert cold, "the project has a finding"
    first = _keys(_lint(tmp_path))
    assert (tmp_path / CACHE_DIR).is_dir()
    versions = [p for p in (tmp_path / CACHE_DIR).iterdir() if p.is_dir()]
    assert len(versions) == 1
    assert list(versions[0].glob("*/*.pickle")), "summaries are stored"
    index_file = versions[0] / "text-index.marshal"
    assert index_file.is_file(), "the text index is stored"
    saved = marshal.loads(index_file.read_bytes())
    assert saved[5] is not None and saved[7] is not None, "imported names and import facts"
    assert _keys(_lint(tmp_path)) == first == cold


def test_an_edit_is_seen_by_the_text_index_and_the_summaries(tmp_path: Path) -> None:
    """Editing the caller changes which files can reach the helper: the warm run re-reads the
    edited file's words, not only its summary."""
    _project(tmp_path, route=PLAIN_ROUTE)
    assert _keys(_lint(tmp_path)) == []
    (tmp_path / "app" / "routes.py").write_text(ROUTE, encoding="utf-8")
    warm = _keys(_lint(tmp_path))
    assert [(path, code) for path, _, code, _ in warm] == [("app/helpers.py", "RPL002")]
    assert warm == _keys(_lint(tmp_path, cache=False))
    # ... and back: the finding goes away again.
    (tmp_path / "app" / "routes.py").write_text(PLAIN_ROUTE, encoding="utf-8")
    assert _keys(_lint(tmp_path)) == []


def test_files_added_and_removed(tmp_path: Path) -> None:
    _project(tmp_path, route=PLAIN_ROUTE)
    _lint(tmp_path)
    (tmp_path / "app" / "other.py").write_text(ROUTE, encoding="utf-8")
    assert [f.code for f in _lint(tmp_path).findings] == ["RPL002"]
    (tmp_path / "app" / "other.py").unlink()
    assert _lint(tmp_path).findings == []


def test_pre_commit_run_on_one_changed_file_after_a_whole_run(tmp_path: Path) -> None:
    _project(tmp_path)
    whole = _keys(_lint(tmp_path))
    helpers = tmp_path / "app" / "helpers.py"
    helpers.write_text(HELPER + "\n# edited\n", encoding="utf-8")
    one = _lint(tmp_path, paths=[helpers])
    assert _keys(one) == whole
    assert one.files_reported == 1


def test_indexes_built_for_fix_hints_are_saved(tmp_path: Path) -> None:
    """A pre-commit run names the changed file: its targeted walk answers its few questions by
    scanning bytes, but planning the fix hints walks every file's dependencies and indexes
    every file's imports. The index is saved, or every later run that shows hints builds it
    again (a tenth of a second in a 5,000-file monorepo)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("", encoding="utf-8")
    for index in range(12):  # helpers and their routes: more than the walk scans bytes for
        (app / f"helpers{index}.py").write_text(HELPER, encoding="utf-8")
        (app / f"routes{index}.py").write_text(
            ROUTE.replace("app.helpers", f"app.helpers{index}"), encoding="utf-8"
        )
    for index in range(60):
        (app / f"unrelated{index}.py").write_text(
            f"import json\n\nVALUE_{index} = json.dumps({index})\n", encoding="utf-8"
        )
    helpers = app / "helpers0.py"
    result = _lint(tmp_path, paths=[helpers])
    (version,) = (tmp_path / CACHE_DIR).glob("v*")
    index_file = version / "text-index.marshal"
    assert not index_file.exists(), "the targeted walk built no index"
    result.plan_fixes()
    assert marshal.loads(index_file.read_bytes())[5] is not None, "imported names saved"
    again = _lint(tmp_path, paths=[helpers])
    again.plan_fixes()
    assert _keys(again) == _keys(result)


def test_corrupt_entries_are_misses(tmp_path: Path) -> None:
    _project(tmp_path)
    expected = _keys(_lint(tmp_path))
    for path in (tmp_path / CACHE_DIR).rglob("*"):
        if path.is_file() and path.suffix in (".pickle", ".marshal"):
            path.write_bytes(b"\x00garbage" * 3)
    assert _keys(_lint(tmp_path)) == expected
    # Truncated entries too (a crash in the middle of a write that was not atomic).
    for path in (tmp_path / CACHE_DIR).rglob("*"):
        if path.is_file() and path.suffix in (".pickle", ".marshal"):
            path.write_bytes(path.read_bytes()[:5])
    assert _keys(_lint(tmp_path)) == expected


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    _project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "redispool_lint", "--no-cache", "--format", "concise", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert not (tmp_path / CACHE_DIR).exists()


def test_the_command_line_caches_by_default(tmp_path: Path) -> None:
    _project(tmp_path)
    command = [sys.executable, "-m", "redispool_lint", "--format", "concise", "."]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert (tmp_path / CACHE_DIR / ".gitignore").is_file()
    assert (tmp_path / CACHE_DIR / "CACHEDIR.TAG").is_file()
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout


def test_concurrent_runs(tmp_path: Path) -> None:
    """Pre-commit in two terminals: both runs finish with the same report."""
    _project(tmp_path)
    command = [sys.executable, "-m", "redispool_lint", "--format", "concise", "."]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [1, 1, 1, 1], [e for _, e in outputs]
    assert len({out for out, _ in outputs}) == 1
    assert all(not err for _, err in outputs)


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False, reason="root")
def test_read_only_project_lints_without_a_cache(tmp_path: Path) -> None:
    _project(tmp_path)
    os.chmod(tmp_path, 0o555)
    try:
        assert [f.code for f in _lint(tmp_path).findings] == ["RPL002"]
        assert not (tmp_path / CACHE_DIR).exists()
    finally:
        os.chmod(tmp_path, 0o755)


def test_cache_that_cannot_be_created_is_skipped(tmp_path: Path) -> None:
    """A file where the cache folder would go (works as root too, unlike permissions)."""
    _project(tmp_path)
    (tmp_path / CACHE_DIR).write_text("not a folder", encoding="utf-8")
    assert [f.code for f in _lint(tmp_path).findings] == ["RPL002"]


@pytest.mark.parametrize(
    "source", sorted(p for p in FIXTURE.iterdir() if p.is_dir()), ids=lambda p: p.name
)
def test_fixture_projects_warm_equal_cold(source: Path, tmp_path: Path) -> None:
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    cold = _keys(_lint(folder, cache=False))
    _lint(folder)
    assert _keys(_lint(folder)) == cold


def test_sparse_project_saves_no_word_index(tmp_path: Path) -> None:
    """A large tree where the analysis reads a few files' words (a virtualenv) saves the import
    index but not a word index of every file: building one would make each run slower than
    running without a cache. A tree where most files' words are read saves it."""
    _project(tmp_path)
    for index in range(60):
        (tmp_path / "app" / f"unrelated{index}.py").write_text(
            f"import json\n\nVALUE_{index} = json.dumps({index})\n", encoding="utf-8"
        )
    cold = _keys(_lint(tmp_path, cache=False))
    _lint(tmp_path)
    (index_file,) = (tmp_path / CACHE_DIR).glob("*/text-index.marshal")
    saved = marshal.loads(index_file.read_bytes())
    assert saved[3] is None and saved[5] is not None  # no words; imports
    assert _keys(_lint(tmp_path)) == cold

    dense = tmp_path / "dense"
    dense.mkdir()
    (dense / "pyproject.toml").write_text("[project]\nname = 'd'\n", encoding="utf-8")
    (dense / "app").mkdir()
    (dense / "app" / "__init__.py").write_text("", encoding="utf-8")
    (dense / "app" / "helpers.py").write_text(HELPER, encoding="utf-8")
    for index in range(10):  # every module imports the app package: all their words are read
        (dense / "app" / f"routes{index}.py").write_text(ROUTE, encoding="utf-8")
    _lint(dense)
    (index_file,) = (dense / CACHE_DIR).glob("*/text-index.marshal")
    assert marshal.loads(index_file.read_bytes())[3] is not None
    assert _keys(_lint(dense)) == _keys(_lint(dense, cache=False))


def test_layout_is_taken_from_the_cache_while_the_files_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module layout (every file's module names) is built once, then taken from the cache
    until a file is added, removed or renamed."""
    built: list[int] = []
    original = engine.build_layout

    def counting(root: Path, paths: Sequence[str], packages: frozenset[str]) -> Layout:
        built.append(len(paths))
        return original(root, paths, packages)

    monkeypatch.setattr(engine, "build_layout", counting)
    _project(tmp_path)
    expected = _keys(_lint(tmp_path, cache=False))
    assert len(built) == 1
    assert _keys(_lint(tmp_path)) == expected
    assert _keys(_lint(tmp_path)) == expected
    assert len(built) == 2, "the second cached run took the layout from the cache"
    (tmp_path / "app" / "added.py").write_text("VALUE = 1\n", encoding="utf-8")
    assert _keys(_lint(tmp_path)) == expected
    assert built[-1] == built[0] + 1, "a file added: built again"


def test_saved_layout_is_refused_when_a_folder_gains_or_loses_its_init(tmp_path: Path) -> None:
    """Module names depend on which folders are packages, also folders whose ``__init__.py``
    is not among the files (excluded, or above the project root)."""
    package = tmp_path / "outer" / "inner"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    paths = [str(package / "module.py")]
    key = layout_key(tmp_path, paths, frozenset({"fastapi"}))
    layout = build_layout(tmp_path, paths, frozenset({"fastapi"}))
    assert layout.names[0][0] == "inner.module"
    saved = saved_layout(layout, key)
    restored = restored_layout(pickle.loads(pickle.dumps(saved)), key)
    assert restored is not None and restored.names == layout.names
    assert restored_layout(saved, layout_key(tmp_path, paths, frozenset())) is None
    (package / "__init__.py").unlink()
    assert restored_layout(saved, key) is None
    assert build_layout(tmp_path, paths, frozenset({"fastapi"})).names[0][0] == "outer.inner.module"
    (tmp_path / "outer" / "__init__.py").write_text("", encoding="utf-8")
    assert restored_layout(saved, key) is None


def test_pre_commit_run_reads_only_the_named_file_when_it_cannot_hold_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, route=PLAIN_ROUTE)
    _lint(tmp_path)
    read: list[str] = []
    original = engine.read_bytes

    def recording(path: str | Path) -> bytes:
        read.append(os.fspath(path))
        return original(path)

    monkeypatch.setattr(engine, "read_bytes", recording)
    routes = tmp_path / "app" / "routes.py"
    result = _lint(tmp_path, paths=[routes])
    assert result.findings == [] and result.errors == [] and result.files_reported == 1
    assert read == [str(routes)]
    # A named file that can hold a finding: the rest of the project is read.
    routes.write_text(ROUTE, encoding="utf-8")
    read.clear()
    helpers = tmp_path / "app" / "helpers.py"
    assert [f.code for f in _lint(tmp_path, paths=[helpers]).findings] == ["RPL002"]
    assert len(read) > 20
