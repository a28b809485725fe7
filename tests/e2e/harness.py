"""Real parts for the end-to-end tests and bench/runtime.py.

- `RedisServer`: a real `redis-server` on a free loopback port, in a temporary folder, no
  persistence; stopped by `stop()`.
- `AppServer`: an app served by a real uvicorn (through `serve.py`) on a free loopback port, in a
  subprocess whose stdout and stderr go to files (a pipe nobody reads would block the server).
- `run_load`: an httpx + asyncio load generator, bounded in request count and in time, that only
  talks to 127.0.0.1 and records every response.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import httpx
import redis

HERE = Path(__file__).resolve().parent
SERVE = HERE / "serve.py"
REPO = HERE.parent.parent
EXAMPLE = REPO / "examples"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """A private redis-server: `--save ''` and `--appendonly no` so it never writes to disk."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.log = workdir / "redis.log"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                LOOPBACK,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
                "--logfile",
                str(self.log),
                # Enough file descriptors for a per-request client under a load of 200.
                "--maxclients",
                "4000",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        # One long-lived connection for INFO, opened before any measurement, so that reading
        # the counters never adds to total_connections_received between two readings.
        self.client = redis.Redis(host=LOOPBACK, port=self.port, decode_responses=True)
        try:
            _wait(self._answers, 15, "redis-server to answer PING")
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{log}")
        try:
            return bool(self.client.ping())
        except redis.ConnectionError:
            return False

    def stat(self, name: str) -> int:
        """An integer field of INFO (total_connections_received, connected_clients, ...)."""
        value = self.client.info()[name]
        return int(value)

    def settled_stat(self, name: str, expected: int, timeout: float = 3) -> int:
        """`stat(name)` once it equals `expected`, or its value after `timeout` seconds: Redis
        notices a closed socket on its next event-loop turn, not at once."""
        deadline = time.monotonic() + timeout
        value = self.stat(name)
        while value != expected and time.monotonic() < deadline:
            time.sleep(0.05)
            value = self.stat(name)
        return value

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def seed(app_dir: Path, redis_url: str) -> None:
    """Fill Redis with the example's demo data, with the example's own seed script."""
    subprocess.run(
        [sys.executable, "-m", "shop.seed"],
        cwd=app_dir,
        env={**os.environ, "REDIS_URL": redis_url},
        check=True,
        capture_output=True,
        timeout=60,
    )


class AppServer:
    """`app` (e.g. `shop.main:app`) from `app_dir`, served by uvicorn on a free loopback port.

    Python runs with `-W error::ResourceWarning`: an unclosed socket or connection shows up as
    an "Exception ignored ... ResourceWarning" on stderr, which the tests look for.
    """

    def __init__(
        self,
        app_dir: Path,
        env: Mapping[str, str],
        workdir: Path,
        app: str = "shop.main:app",
        startup_timeout: float = 30,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = workdir / f"uvicorn-{self.port}.out"
        self.stderr_path = workdir / f"uvicorn-{self.port}.err"
        self._stdout = self.stdout_path.open("wb")
        self._stderr = self.stderr_path.open("wb")
        self.returncode: int | None = None
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        full_env.pop("PYTHONWARNINGS", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-W",
                "error::ResourceWarning",
                str(SERVE),
                "--app-dir",
                str(app_dir),
                "--port",
                str(self.port),
                app,
            ],
            cwd=app_dir,
            env=full_env,
            stdin=subprocess.PIPE,
            stdout=self._stdout,
            stderr=self._stderr,
        )
        try:
            _wait(self._answers, startup_timeout, f"the app on {self.base_url} to answer")
        except BaseException:
            self.kill()
            raise

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"the app exited with {self.process.returncode} at startup:\n{self.stderr()}"
            )
        try:
            response = httpx.get(f"{self.base_url}/health", timeout=2, trust_env=False)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stderr_size(self) -> int:
        return self.stderr_path.stat().st_size

    def stderr_since(self, offset: int) -> str:
        with self.stderr_path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", errors="replace")

    def shutdown(self, timeout: float = 30) -> None:
        """Ask uvicorn to stop; return once the lifespan's shutdown has run (process alive)."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"stop\n")
        self.process.stdin.flush()
        _wait(
            lambda: (
                self.process.poll() is not None
                or "stopped" in self.stdout_path.read_text(encoding="utf-8", errors="replace")
            ),
            timeout,
            "uvicorn to shut down",
        )

    def release(self, timeout: float = 30) -> int:
        """Let the process exit (after `shutdown`); return its exit code."""
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.returncode = self.process.wait(timeout=timeout)
        finally:
            self._stdout.close()
            self._stderr.close()
        return self.returncode

    def stop(self) -> int:
        if self.process.poll() is None:
            try:
                self.shutdown()
            except TimeoutError:
                self.kill()
        return self.release()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._stdout.close()
        self._stderr.close()


@dataclass
class LoadResult:
    requests: int
    concurrency: int
    seconds: float
    #: (path, status, body) for every request that got an HTTP response.
    responses: list[tuple[str, int, str]] = field(default_factory=list)
    #: "HTTP 500", or the httpx exception's type for requests that got no response.
    errors: Counter[str] = field(default_factory=Counter)
    #: Requests not sent because the time bound ran out.
    not_sent: int = 0

    @property
    def failed(self) -> int:
        return sum(self.errors.values()) + self.not_sent

    @property
    def rate(self) -> float:
        done = self.requests - self.not_sent
        return done / self.seconds if self.seconds else 0.0


async def _load(
    base_url: str, paths: Sequence[str], total: int, concurrency: int, time_limit: float
) -> LoadResult:
    result = LoadResult(requests=total, concurrency=concurrency, seconds=0.0)
    numbers = itertools.count()
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # trust_env=False: no proxy from the environment may ever see this traffic.
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=30, trust_env=False
    ) as client:

        async def worker() -> None:
            nonlocal sent
            while (number := next(numbers)) < total:
                sent += 1
                path = paths[number % len(paths)]
                try:
                    response = await client.get(path)
                except httpx.HTTPError as exc:
                    result.errors[type(exc).__name__] += 1
                    continue
                result.responses.append((path, response.status_code, response.text))
                if response.status_code >= 400:
                    result.errors[f"HTTP {response.status_code}"] += 1

        start = time.perf_counter()
        tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
        _done, pending = await asyncio.wait(tasks, timeout=time_limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        result.seconds = time.perf_counter() - start
    # A request cancelled mid-flight by the time bound counts as not sent.
    result.not_sent = (
        total
        - len(result.responses)
        - sum(n for kind, n in result.errors.items() if not kind.startswith("HTTP "))
    )
    return result


def run_load(
    base_url: str,
    paths: Sequence[str],
    total: int,
    concurrency: int,
    time_limit: float = 60,
) -> LoadResult:
    """`total` GET requests, `concurrency` at a time, cycling through `paths`; at most
    `time_limit` seconds. Only loopback: anything else is refused."""
    host = urlsplit(base_url).hostname
    if host != LOOPBACK:
        raise ValueError(f"load goes to {LOOPBACK} only, not {host!r}")
    if not 0 < concurrency <= 500 or not 0 < total <= 100_000:
        raise ValueError("load out of bounds (concurrency 1-500, at most 100,000 requests)")
    return asyncio.run(_load(base_url, paths, total, concurrency, time_limit))


# An exception line at the end of a traceback: "redis.exceptions.ConnectionError: ...".
_EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Warning|Group))\b")
_BLOCK_START = re.compile(r"^(ERROR|WARNING|INFO|CRITICAL):")


def server_error_types(log: str) -> Counter[str]:
    """Count, per logged error, the type of the exception that ended its traceback.

    uvicorn logs "ERROR:    Exception in ASGI application" then the traceback; chained
    exceptions print the cause first, so the last exception line of each block is the one
    that reached the server.
    """
    counts: Counter[str] = Counter()
    last: str | None = None
    for line in log.splitlines():
        if _BLOCK_START.match(line):
            if last:
                counts[last] += 1
            last = None
            continue
        match = _EXCEPTION_LINE.match(line)
        if match:
            last = match.group("type").rsplit(".", 1)[-1]
    if last:
        counts[last] += 1
    return counts


def copy_example(target: Path) -> Path:
    """A copy of examples/ (the "before" app), without caches."""
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def run_fix(app_dir: Path) -> subprocess.CompletedProcess[str]:
    """The real command line: `redispool-lint --fix` on the copy, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "redispool_lint", "--fix", "--show-fixes", "."],
        cwd=app_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )


def example_paths() -> dict[str, list[str]]:
    """The example's endpoints, by name, with the paths a load cycles through."""
    return {
        "health": ["/health"],
        "list_products": ["/products"],
        "read_product": [f"/products/{n}" for n in range(1, 21)],
        "read_cart": [f"/carts/{n}" for n in range(1, 11)],
    }
