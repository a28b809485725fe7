"""The example app (examples/) under real load, on a real redis-server and a real uvicorn:
the bugs the linter reports are real.

Run the end-to-end tests alone: `python -m pytest -m e2e` (about a minute on 2 cores).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import app_env
from .harness import EXAMPLE, AppServer, RedisServer, example_paths, run_load, server_error_types

pytestmark = pytest.mark.e2e

REQUESTS = 2_000
CONCURRENCY = 50
# The endpoints with a per-request from_pool (RPL001): async dependency, inline, sync dependency.
BUGGY = ["list_products", "read_product", "read_cart"]
# Redis errors the per-request from_pool produces (REDIS-FACTS.md) when it closes connections
# other requests are using.
REDIS_ERRORS = {"ConnectionError", "AttributeError", "ValueError", "RuntimeError", "TimeoutError"}


@pytest.mark.parametrize("endpoint", BUGGY)
def test_before_fix_concurrent_requests_fail(
    endpoint: str, redis_server: RedisServer, baseline: dict[str, tuple[int, str]], logs: Path
) -> None:
    app = AppServer(EXAMPLE, app_env(redis_server), logs)
    try:
        offset = app.stderr_size()
        result = run_load(app.base_url, example_paths()[endpoint], REQUESTS, CONCURRENCY)
        logged = server_error_types(app.stderr_since(offset))
    finally:
        app.stop()
    assert result.not_sent == 0
    # The bug is real: requests fail, and the server says Redis connections broke under them.
    assert result.failed > 0, f"{endpoint}: no failure in {REQUESTS} requests at {CONCURRENCY}"
    assert set(logged) & REDIS_ERRORS, logged
    # ...and only because requests overlap: the same app is fine one request at a time.
    assert all(status == 200 for status, _ in baseline.values())


def test_before_fix_middleware_opens_a_connection_per_request(
    redis_server: RedisServer, logs: Path
) -> None:
    # RPL002: the middleware's from_url client is closed properly, so nothing fails, but every
    # request opens (and closes) a TCP connection to Redis.
    app = AppServer(EXAMPLE, app_env(redis_server), logs)
    try:
        before = redis_server.stat("total_connections_received")
        result = run_load(app.base_url, example_paths()["health"], 500, 10)
        opened = redis_server.stat("total_connections_received") - before
    finally:
        app.stop()
    assert result.failed == 0, result.errors
    assert opened >= 500
