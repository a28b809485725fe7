"""A sweep over real code nobody here wrote: the standard library and this virtualenv's packages
(every ``.py`` file of both: numpy, matplotlib, mypy, pip, libcst, the web stack, redis-py...).

Linted in a scratch copy of their ``.py`` files (``fix_project`` computes fixes without writing
them, and the copy's files are compared before and after), with
``--unsafe-fixes``: no crash, no fix, and no finding but RPL999 on files that really do not parse
(the standard library ships a few on purpose). The installed ``fastapi``, ``starlette`` and
``redis`` packages report nothing at all, and there the demand-driven analysis is compared with
the full one.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import sysconfig
import warnings
from pathlib import Path

import pytest

from redispool_lint.config import Settings
from redispool_lint.engine import LintResult, lint
from redispool_lint.fix import fix_project

STDLIB = Path(sysconfig.get_paths()["stdlib"])
PACKAGES = Path(sysconfig.get_paths()["purelib"])


def _really_fails(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(path.read_bytes(), str(path))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return True
    return False


def _copy(source: Path, target: Path) -> Path:
    """The .py files of a tree (no links, no caches, no nested site-packages), and a marker."""
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in ("site-packages", "__pycache__")]
        relative = Path(folder).relative_to(source)
        for name in files:
            path = Path(folder) / name
            if name.endswith(".py") and path.is_file() and not path.is_symlink():
                destination = target / relative / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)
    (target / "pyproject.toml").write_text("[project]\nname = 'sweep'\n", encoding="utf-8")
    return target


def _digest(folder: Path) -> str:
    digest = hashlib.blake2b()
    for path in sorted(folder.rglob("*.py")):
        digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module", params=[STDLIB, PACKAGES], ids=["stdlib", "site-packages"])
def tree(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source: Path = request.param
    return _copy(source, tmp_path_factory.mktemp(source.name.replace("-", "_")))


def _sweep(folder: Path) -> LintResult:
    before = _digest(folder)
    # Every rule, the opt-in RPL009 included: redis-py's own pools are not findings (its source
    # is knowledge, not project code), though FastAPI's code is in the same tree.
    settings = Settings(extend_select=["RPL009"])
    outcome = fix_project([folder], settings, unsafe=True, cwd=folder)
    assert outcome.changes == {}, sorted(outcome.changes)
    assert outcome.failures == [], outcome.failures[:5]
    assert _digest(folder) == before
    result = outcome.result
    assert result.files_reported > 100
    for finding in result.findings:
        assert finding.code == "RPL999", (finding.path, finding.code, finding.message)
        assert _really_fails(folder / finding.path), finding.path
    return result


def test_sweep(tree: Path) -> None:
    result = _sweep(tree)
    # Errors are files that cannot be read as source at all (a test data file with a bad
    # encoding on purpose would be one): each says what is wrong, none is a crash.
    for error in result.errors:
        assert error.message and "Traceback" not in error.message


@pytest.mark.parametrize("package", ["fastapi", "starlette", "redis"])
def test_framework_and_client_packages_report_nothing(package: str) -> None:
    folder = PACKAGES / package
    settings = Settings(extend_select=["RPL009"])
    demand = lint([folder], settings, root=folder, cwd=folder)
    assert demand.findings == [] and demand.errors == []
    full = lint([folder], settings, root=folder, cwd=folder, full=True)
    assert full.findings == [] and full.errors == []


def test_full_analysis_sweep(tree: Path) -> None:
    """Every file summarised and in the project model (the demand-driven sweep above parses
    only what can reach Redis): the model does not crash on any real module either, and finds
    nothing."""
    result = lint([tree], Settings(extend_select=["RPL009"]), cwd=tree, full=True)
    assert result.files_analysed > 1000
    for finding in result.findings:
        assert finding.code == "RPL999", (finding.path, finding.code, finding.message)
