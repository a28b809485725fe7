"""``--fix`` on golden projects: ``tests/fixtures/fix/<case>/before`` must become ``after``.

Each case is a small project (several modules). For each one:

* the fixed files equal ``after/`` byte for byte (line endings and encodings included);
* the findings left are exactly the ``# error: CODE`` markers of ``after/`` (none, for a case
  that is fully fixed);
* every file compiles, and every module imports (FastAPI and redis are installed; importing
  needs no server);
* fixing again changes nothing.

A case with an ``unsafe`` file in its folder is fixed with ``--unsafe-fixes``; its ``after/``
is what that gives, and without ``--unsafe-fixes`` the project must not change at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from redispool_lint.config import Settings, load_config
from redispool_lint.fix import FixOutcome, fix_project, write_changes

from .helpers import _MARKER, FIXTURES, actual_markers
from .test_fix_generated import assert_no_undefined_names

CASES = sorted(p for p in (FIXTURES / "fix").iterdir() if (p / "before").is_dir())


def expected_markers(folder: Path) -> set[tuple[str, int, str]]:
    """``# error: CODE`` markers, reading each file in its own encoding (PEP 263)."""
    found: set[tuple[str, int, str]] = set()
    for path in sorted(folder.rglob("*.py")):
        with tokenize.open(path) as handle:
            lines = handle.read().splitlines()
        for row, line in enumerate(lines, start=1):
            match = _MARKER.search(line)
            if match:
                for code in match.group("codes").replace(" ", "").split(","):
                    found.add((path.relative_to(folder).as_posix(), row, code))
    return found


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def copy_project(case: Path, tmp_path: Path) -> Path:
    work = tmp_path / "project"
    shutil.copytree(case / "before", work)
    if not (work / "pyproject.toml").exists():
        (work / "pyproject.toml").write_text("", encoding="utf-8")
    return work


def settings_of(work: Path) -> Settings:
    """The case's own ``[tool.redispool-lint]`` (``before/pyproject.toml``), if it has one."""
    pyproject = work / "pyproject.toml"
    return load_config(pyproject) if pyproject.read_text(encoding="utf-8").strip() else Settings()


def run_fix(work: Path, unsafe: bool) -> FixOutcome:
    outcome = fix_project([work], settings_of(work), unsafe=unsafe, cwd=work)
    assert outcome.failures == []
    write_changes(outcome)
    return outcome


def import_all(work: Path) -> None:
    modules = []
    for path in sorted(work.rglob("*.py")):
        parts = list(path.relative_to(work).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            modules.append(".".join(parts))
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    env = {**os.environ, "PYTHONPATH": str(work), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fix_matches_golden(case: Path, tmp_path: Path) -> None:
    work = copy_project(case, tmp_path)
    unsafe = (case / "unsafe").exists()
    outcome = run_fix(work, unsafe)
    expected = files(case / "after")
    actual = files(work)
    if "pyproject.toml" not in expected:
        actual.pop("pyproject.toml", None)
    for name in sorted(set(expected) | set(actual)):
        assert actual.get(name) == expected.get(name), f"{case.name}: {name} differs"
    assert outcome.changes, "the golden case changes nothing"

    # What is left is exactly what after/ marks.
    assert actual_markers(outcome.result) == expected_markers(case / "after")

    for path in work.rglob("*.py"):
        compile(path.read_bytes(), str(path), "exec")
    assert_no_undefined_names(work)
    import_all(work)

    again = fix_project([work], settings_of(work), unsafe=unsafe, cwd=work)
    assert again.changes == {}, f"second --fix changed {sorted(again.changes)}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if (c / "unsafe").exists()], ids=lambda p: p.name
)
def test_unsafe_case_untouched_without_unsafe_fixes(case: Path, tmp_path: Path) -> None:
    work = copy_project(case, tmp_path)
    before = files(work)
    outcome = run_fix(work, unsafe=False)
    assert outcome.changes == {}
    assert files(work) == before
    assert any(
        f.fix is not None and f.fix.applicability.value == "unsafe" for f in outcome.result.findings
    )


def test_every_issue_case_has_a_golden_project() -> None:
    names = {c.name for c in CASES}
    wanted = {
        "lifespan_pool",
        "module_pool",
        "no_lifespan",
        "on_event",
        "state_dict_lifespan",
        "router_module",
        "generator_dependency",
        "annotated_alias",
        "sync_dependency",
        "websocket_handler",
        "handler_without_request",
        "name_clash",
        "crlf",
        "old_mac",
        "encoding_cookie",
    }
    assert wanted <= names, f"missing golden cases: {sorted(wanted - names)}"
