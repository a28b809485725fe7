"""The example app after `redispool-lint --fix`, under the same load as in test_before_fix.py:
no failure, the same answers, one pool's worth of Redis connections, a clean shutdown.

Run only the end-to-end tests: `python -m pytest -m e2e`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from .conftest import POOL_SIZE, POOLS, FixedApp, app_env
from .harness import AppServer, RedisServer, example_paths, run_load, server_error_types
from .test_before_fix import BUGGY, CONCURRENCY, REQUESTS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("endpoint", BUGGY)
def test_after_fix_no_failures_same_answers_bounded_connections(
    endpoint: str,
    redis_server: RedisServer,
    baseline: dict[str, tuple[int, str]],
    fixed_app: FixedApp,
    logs: Path,
) -> None:
    fixed_app.check_fixed()
    app = AppServer(fixed_app.path, app_env(redis_server), logs)
    try:
        before = redis_server.stat("total_connections_received")
        offset = app.stderr_size()
        result = run_load(app.base_url, example_paths()[endpoint], REQUESTS, CONCURRENCY)
        opened = redis_server.stat("total_connections_received") - before
        logged = server_error_types(app.stderr_since(offset))
    finally:
        app.stop()
    assert result.failed == 0, f"{result.errors} {logged}"
    assert not logged, logged
    assert len(result.responses) == REQUESTS
    wrong = Counter(
        path for path, status, body in result.responses if (status, body) != baseline[path]
    )
    assert not wrong, f"answers differ from the original app's at concurrency 1: {wrong}"
    # Shared pools: connections are opened once and reused, never one per request.
    assert opened <= POOLS * POOL_SIZE + 5, f"{opened} Redis connections for {REQUESTS} requests"


def test_after_fix_app_starts_serves_and_shuts_down_cleanly(
    redis_server: RedisServer, fixed_app: FixedApp, logs: Path
) -> None:
    fixed_app.check_fixed()
    clients_before = redis_server.stat("connected_clients")
    app = AppServer(fixed_app.path, app_env(redis_server), logs)
    try:
        paths = [path for group in example_paths().values() for path in group]
        result = run_load(app.base_url, paths, 400, 20)
        assert result.failed == 0, result.errors
        assert redis_server.stat("connected_clients") > clients_before  # the pool is in use
        # The lifespan's shutdown has run; the process is still alive, so any connection the
        # shutdown forgot would still be open and counted by Redis.
        app.shutdown()
        clients_after = redis_server.settled_stat("connected_clients", clients_before)
    finally:
        code = app.stop()
    stderr = app.stderr()
    assert clients_after == clients_before, f"{clients_after - clients_before} left open\n{stderr}"
    assert code == 0, stderr
    assert "Application startup complete." in stderr
    assert "Application shutdown complete." in stderr
    # python -W error::ResourceWarning: an unclosed connection or socket is reported here.
    assert "ResourceWarning" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr
    assert "Traceback" not in stderr, stderr
