"""Fixtures for the end-to-end tests: a real redis-server, the example app before and after fix."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import (
    EXAMPLE,
    AppServer,
    RedisServer,
    copy_example,
    example_paths,
    run_fix,
    run_load,
    seed,
)

# Every pool the example makes is sized (REDIS_MAX_CONNECTIONS) above the test load of 50
# concurrent, so that the fixed app never meets MaxConnectionsError here; bench/runtime.py shows
# what the default of 100 does at 200 concurrent.
POOL_SIZE = 60
# A request goes through at most two pools: the middleware's client and the endpoint's (the
# asyncio one, or the sync one for /carts). --fix may merge them; it must not add per-request ones.
POOLS = 2


@pytest.fixture(scope="session")
def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        message = (
            "redis-server is not installed: the end-to-end tests need Debian's redis-server "
            "package (apt-get install redis-server; .ci/run installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI these tests must run, never silently skip
        pytest.skip(message)
    return binary


@pytest.fixture(scope="module")
def redis_server(
    redis_server_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RedisServer]:
    with RedisServer(redis_server_binary, tmp_path_factory.mktemp("redis")) as server:
        seed(EXAMPLE, server.url)
        yield server


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


def app_env(redis_server: RedisServer) -> dict[str, str]:
    return {"REDIS_URL": redis_server.url, "REDIS_MAX_CONNECTIONS": str(POOL_SIZE)}


@pytest.fixture(scope="module")
def baseline(redis_server: RedisServer, logs: Path) -> dict[str, tuple[int, str]]:
    """What the original app answers for every path, one request at a time (where the bug
    cannot strike: it needs two requests in flight)."""
    app = AppServer(EXAMPLE, app_env(redis_server), logs)
    try:
        paths = [path for group in example_paths().values() for path in group]
        result = run_load(app.base_url, paths * 2, total=len(paths) * 2, concurrency=1)
    finally:
        app.stop()
    assert result.failed == 0, result.errors
    answers: dict[str, tuple[int, str]] = {}
    for path, status, body in result.responses:
        assert answers.setdefault(path, (status, body)) == (status, body), path
        assert status == 200, (path, status, body)
    assert set(answers) == set(paths)
    return answers


@dataclass
class FixedApp:
    path: Path
    fix: subprocess.CompletedProcess[str]

    def check_fixed(self) -> None:
        """The fix ran, exited 0 (nothing left to report) and changed the app."""
        report = f"stdout:\n{self.fix.stdout}\nstderr:\n{self.fix.stderr}"
        code = self.fix.returncode
        assert code == 0, f"redispool-lint --fix exited {code}\n{report}"
        assert tree_texts(self.path) != tree_texts(EXAMPLE), f"--fix changed nothing\n{report}"


def tree_texts(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.py"))}


@pytest.fixture(scope="module")
def fixed_app(tmp_path_factory: pytest.TempPathFactory) -> FixedApp:
    """A copy of examples/ after `redispool-lint --fix`. Not asserted here: a test that needs
    the fix calls `check_fixed()`, so a missing fix fails that test, not the fixture."""
    path = copy_example(tmp_path_factory.mktemp("fixed") / "example-shop")
    return FixedApp(path, run_fix(path))
