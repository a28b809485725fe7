"""The pre-commit hooks, for real: the real ``pre-commit`` installs this checkout's hooks from
``.pre-commit-hooks.yaml`` and runs them on ``git commit`` in a temporary git repository holding a
small multi-module FastAPI app (and once through ``pre-commit try-repo``, the way a hook author
tries hooks out).

pre-commit builds one virtualenv per (repository, revision) in ``PRE_COMMIT_HOME``. So that the
session builds it once, the checkout's working tree (committed or not: what is under test) is
snapshotted into one git repository at one revision, which every test's config points at
(``try-repo`` always builds its own, in a temporary store: one more).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent

PYPROJECT = """\
[project]
name = "shop"
version = "0"

[tool.redispool-lint]
extend-exclude = ["legacy"]
"""

MAIN = """\
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI

from app.routers import items


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = aioredis.ConnectionPool.from_url("redis://localhost")
    app.state.redis = aioredis.Redis(connection_pool=app.state.pool)
    yield
    await app.state.redis.aclose()
    await app.state.pool.aclose()


app = FastAPI(lifespan=lifespan)
app.add_api_route("/items/{key}", items.read_item)


@app.get("/legacy-in-main")
async def legacy_in_main():
    # An old finding in an unchanged file: pre-commit does not pass this file, so the hook must
    # not report it (while still reading it to know read_item is a route).
    client = aioredis.Redis.from_url("redis://localhost")
    return await client.get("x")
"""

ITEMS_GOOD = """\
from fastapi import Request


async def read_item(key: str, request: Request):
    return await request.app.state.redis.get(key)
"""

# Not decorated: only app/main.py (unchanged, not passed by pre-commit) makes it a route.
ITEMS_BAD = """\
from fastapi import Request
from redis.asyncio import Redis


async def read_item(key: str, request: Request):
    async with Redis.from_pool(request.app.state.pool) as client:
        return await client.get(key)
"""

# A suppression that suppresses nothing: RPL100, whose fix (removing it) exists.
ITEMS_UNUSED_NOQA = """\
from fastapi import Request


async def read_item(key: str, request: Request):
    return await request.app.state.redis.get(key)  # noqa: RPL002, E501
"""

LEGACY = """\
from fastapi import FastAPI
from redis.asyncio import Redis

app = FastAPI()


@app.get("/old")
async def old():
    return await Redis.from_url("redis://localhost").get("old")
"""


@dataclass
class HookRepo:
    path: Path
    rev: str
    home: Path


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookRepo]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = _git(REPO, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # deleted-but-tracked files are not part of the working tree
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(snapshot, "init", "-q")
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot of the working tree")
    yield HookRepo(snapshot, _git(snapshot, "rev-parse", "HEAD"), tmp_path_factory.mktemp("pch"))


def _env(hooks: HookRepo) -> dict[str, str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(hooks.home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return env


def make_app_repo(root: Path, hooks: HookRepo, hook: str) -> Path:
    """A git repository holding a multi-module FastAPI app, committed, with ``hook`` installed as
    its pre-commit hook (from the snapshot of this checkout)."""
    config = {"repos": [{"repo": str(hooks.path), "rev": hooks.rev, "hooks": [{"id": hook}]}]}
    files = {
        "pyproject.toml": PYPROJECT,
        ".pre-commit-config.yaml": yaml.safe_dump(config),
        "app/__init__.py": "",
        "app/routers/__init__.py": "",
        "app/main.py": MAIN,
        "app/routers/items.py": ITEMS_GOOD,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(root, "init", "-q")
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=root,
        env=_env(hooks),
        check=True,
        capture_output=True,
    )
    _git(root, "add", "-A")
    # The legacy finding in main.py predates the tool: the first commit skips the hook.
    _git(root, "commit", "-q", "--no-verify", "-m", "initial")
    return root


@pytest.fixture
def check_repo(tmp_path: Path, hook_repo: HookRepo) -> Path:
    return make_app_repo(tmp_path / "shop", hook_repo, "redispool-lint")


@pytest.fixture
def fix_repo(tmp_path: Path, hook_repo: HookRepo) -> Path:
    return make_app_repo(tmp_path / "shop", hook_repo, "redispool-lint-fix")


@dataclass
class HookRun:
    returncode: int
    output: str
    seconds: float


def commit(hooks: HookRepo, repo: Path, message: str) -> HookRun:
    """``git commit``: the installed pre-commit hook runs on the staged files."""
    started = time.monotonic()
    done = subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo,
        env={
            **_env(hooks),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    return HookRun(done.returncode, done.stdout + done.stderr, time.monotonic() - started)


def try_repo(hooks: HookRepo, repo: Path, hook: str) -> HookRun:
    """``pre-commit try-repo`` on the staged files."""
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks.path), hook]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--ref", hooks.rev, "--verbose"],
        cwd=repo,
        env=_env(hooks),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return HookRun(done.returncode, done.stdout + done.stderr, time.monotonic() - started)


def _commits(repo: Path) -> int:
    return int(_git(repo, "rev-list", "--count", "HEAD"))


def _stage(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _git(repo, "add", name)


def test_hooks_file_matches_the_conventions() -> None:
    hooks = {
        hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    }
    assert set(hooks) >= {"redispool-lint", "redispool-lint-fix"}
    check, fix = hooks["redispool-lint"], hooks["redispool-lint-fix"]
    for hook in (check, fix):
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi"]
        # Project-wide analysis: one process must see every file pre-commit passes.
        assert hook["require_serial"] is True
    assert check["entry"].split() == ["redispool-lint", "--force-exclude"]
    assert fix["entry"].split() == [
        "redispool-lint",
        "--force-exclude",
        "--fix",
        "--exit-non-zero-on-fix",
    ]


def test_check_hook_sees_the_whole_project(hook_repo: HookRepo, check_repo: Path) -> None:
    # A commit that changes only the router module: pre-commit passes only that file.
    _stage(check_repo, "app/routers/items.py", ITEMS_BAD)
    run = commit(hook_repo, check_repo, "read items through from_pool")
    assert run.returncode == 1, run.output
    assert "redispool-lint" in run.output and "Failed" in run.output
    assert "app/routers/items.py:6:16: RPL001" in run.output
    # Why it runs per request comes from the unchanged file: the route is registered there.
    assert "app/main.py:19" in run.output
    # The old finding in the unchanged file is not this commit's business.
    assert "app/main.py:26" not in run.output
    assert _commits(check_repo) == 1, "the commit must not happen"
    print(f"first commit with the hook: {run.seconds:.1f}s (builds the hook environment)")

    # The same commit with the handler written the right way goes through.
    _stage(check_repo, "app/routers/items.py", ITEMS_GOOD.replace("key)", "key)  # cached"))
    ok = commit(hook_repo, check_repo, "read items through the shared client")
    assert ok.returncode == 0, ok.output
    assert _commits(check_repo) == 2


def test_try_repo_runs_the_check_hook(hook_repo: HookRepo, check_repo: Path) -> None:
    _stage(check_repo, "app/routers/items.py", ITEMS_BAD)
    run = try_repo(hook_repo, check_repo, "redispool-lint")
    assert run.returncode == 1, run.output
    assert "app/routers/items.py:6:16: RPL001" in run.output
    assert "app/main.py:19" in run.output and "app/main.py:26" not in run.output


def _rpl001_fix_available(repo: Path) -> bool:
    """Whether ``--fix`` rewrites this shape of code today (the RPL001 rewrite is planned by the
    fix loop, so ask it: ``--diff`` prints what ``--fix`` would write)."""
    done = subprocess.run(
        [sys.executable, "-m", "redispool_lint", "--diff", "app/routers/items.py"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    return "-    async with Redis.from_pool(" in done.stdout


def test_fix_hook_rewrites_fails_then_passes(hook_repo: HookRepo, fix_repo: Path) -> None:
    _stage(fix_repo, "app/routers/items.py", ITEMS_UNUSED_NOQA)
    run = commit(hook_repo, fix_repo, "items")
    assert run.returncode == 1, run.output
    assert "files were modified by this hook" in run.output
    assert _commits(fix_repo) == 1
    fixed = (fix_repo / "app/routers/items.py").read_text(encoding="utf-8")
    assert fixed == ITEMS_UNUSED_NOQA.replace("# noqa: RPL002, E501", "# noqa: E501")
    # The developer stages the fixed file and commits again: the hook passes.
    _git(fix_repo, "add", "app/routers/items.py")
    again = commit(hook_repo, fix_repo, "items")
    assert again.returncode == 0, again.output
    assert _commits(fix_repo) == 2
    assert (fix_repo / "app/routers/items.py").read_text(encoding="utf-8") == fixed


def test_fix_hook_rewrites_a_per_request_client(hook_repo: HookRepo, fix_repo: Path) -> None:
    (fix_repo / "app/routers/items.py").write_text(ITEMS_BAD, encoding="utf-8")
    if not _rpl001_fix_available(fix_repo):
        pytest.skip("the RPL001 rewrite is not available for this shape of code yet")
    _git(fix_repo, "add", "app/routers/items.py")
    run = commit(hook_repo, fix_repo, "items")
    assert run.returncode == 1, run.output
    assert "files were modified by this hook" in run.output
    assert "from_pool" not in (fix_repo / "app/routers/items.py").read_text(encoding="utf-8")
    _git(fix_repo, "add", "-A")
    again = commit(hook_repo, fix_repo, "items")
    assert again.returncode == 0, again.output


@pytest.mark.parametrize("hook", ["redispool-lint", "redispool-lint-fix"])
def test_excludes_hold_for_files_passed_by_name(
    hook_repo: HookRepo, tmp_path: Path, hook: str
) -> None:
    repo = make_app_repo(tmp_path / "shop", hook_repo, hook)
    _stage(repo, "legacy/old.py", LEGACY)
    # Without --force-exclude, a file named on the command line is linted despite the exclude:
    # the exclude is what keeps the hook quiet.
    direct = subprocess.run(
        [sys.executable, "-m", "redispool_lint", "legacy/old.py"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert direct.returncode == 1 and "RPL002" in direct.stdout
    run = commit(hook_repo, repo, "legacy code")
    assert run.returncode == 0, run.output
    assert "Passed" in run.output
    assert (repo / "legacy/old.py").read_text(encoding="utf-8") == LEGACY
