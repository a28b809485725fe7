"""`redispool-lint examples/` reports each bug of the example app, with the right rule, a safe
fix, and nothing else. (No server needed: this is the linter's side of the end-to-end story.)"""

from __future__ import annotations

import json
import subprocess
import sys

from .harness import EXAMPLE, REPO

# (file, the offending call as written, rule): the bugs examples/README.md lists.
EXPECTED = {
    ("shop/deps.py", "Redis.from_pool(request.app.state.pool)", "RPL001"),
    ("shop/deps.py", "redis.Redis.from_pool(request.app.state.sync_pool)", "RPL001"),
    ("shop/routers/products.py", "Redis.from_pool(request.app.state.pool)", "RPL001"),
    ("shop/main.py", "redis.asyncio.from_url(", "RPL002"),
}


def test_lint_reports_every_bug_of_the_example() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "redispool_lint", "--format", "json", "examples/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)
    found: set[tuple[str, str, str]] = set()
    for finding in findings:
        path = EXAMPLE.parent / finding["filename"]
        line = path.read_text(encoding="utf-8").splitlines()[finding["location"]["row"] - 1]
        call = line[finding["location"]["column"] - 1 :]
        snippet = next((s for _, s, _ in EXPECTED if call.startswith(s)), call.strip())
        found.add((path.relative_to(EXAMPLE).as_posix(), snippet, finding["code"]))
        assert finding["fix"] is not None, finding
        assert finding["fix"]["applicability"] == "safe", finding
    assert found == EXPECTED
    assert len(findings) == len(EXPECTED)
