"""``--fix`` on generated projects: random mixes of the shapes the planner rewrites (lifespan or
none, ``on_event``, pool or URL clients, ``async with`` / assignment + close / ``try/finally`` /
dependency, with or without a ``Request``), in a main module and a router module.

Whatever the mix: the fixed project parses, every per-request client the planner fixed is gone
(what is left carries a note saying why), nothing is fixed twice, and a second ``--fix`` changes
nothing.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redispool_lint.config import Settings
from redispool_lint.fix import fix_project, write_changes

CONSTRUCTOR_CODES = {"RPL001", "RPL002", "RPL003", "RPL004"}

LIFESPANS = {
    "pool": (
        "@asynccontextmanager\n"
        "async def lifespan(app: FastAPI):\n"
        '    app.state.pool = ConnectionPool.from_url("redis://localhost")\n'
        "    yield\n"
        "    await app.state.pool.aclose()\n\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    ),
    "try": (
        "@asynccontextmanager\n"
        "async def lifespan(app: FastAPI):\n"
        '    app.state.pool = ConnectionPool.from_url("redis://localhost")\n'
        "    try:\n"
        "        yield\n"
        "    finally:\n"
        "        await app.state.pool.disconnect()\n\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    ),
    "on_event": (
        "app = FastAPI()\n\n\n"
        '@app.on_event("startup")\n'
        "async def start():\n"
        '    app.state.pool = ConnectionPool.from_url("redis://localhost")\n\n\n'
        '@app.on_event("shutdown")\n'
        "async def stop():\n"
        "    await app.state.pool.aclose()\n"
    ),
    "none": 'app = FastAPI()\napp.state.pool = ConnectionPool.from_url("redis://localhost")\n',
}

CLIENTS = {
    "from_pool": "Redis.from_pool(request.app.state.pool)",
    "wrapper": "Redis(connection_pool=request.app.state.pool)",
    "url": "Redis.from_url(REDIS_URL)",
}

USES = {
    "with": "    async with {client} as r:\n        value = await r.get({key!r})\n",
    "assign": "    r = {client}\n    value = await r.get({key!r})\n    await r.aclose()\n",
    "try": (
        "    r = {client}\n"
        "    try:\n"
        "        value = await r.get({key!r})\n"
        "    finally:\n"
        "        await r.aclose()\n"
    ),
}


@st.composite
def projects(draw: st.DrawFn) -> dict[str, str]:
    lifespan = draw(st.sampled_from(sorted(LIFESPANS)))
    handlers = []
    count = draw(st.integers(min_value=1, max_value=3))
    client = "from_pool"
    for index in range(count):
        client = draw(st.sampled_from(sorted(CLIENTS)))
        use = draw(st.sampled_from(sorted(USES)))
        with_request = client != "url" or draw(st.booleans())
        params = "request: Request" if with_request else ""
        body = USES[use].format(client=CLIENTS[client], key=f"k{index}")
        handlers.append(
            f'\n\n@router.get("/h{index}")\n'
            f"async def h{index}({params}):\n{body}    return {{'value': value}}\n"
        )
    dependency = draw(st.booleans()) and client != "url"
    if dependency:
        handlers.append(
            "\n\nasync def get_redis(request: Request):\n"
            f"    async with {CLIENTS[client]} as client:\n"
            "        yield client\n\n\n"
            '@router.get("/dep")\n'
            "async def dep(r: Redis = Depends(get_redis)):\n"
            '    return {"value": await r.get("d")}\n'
        )
    main = (
        "from contextlib import asynccontextmanager\n\n"
        "from fastapi import FastAPI\n"
        "from redis.asyncio import ConnectionPool\n\n"
        "from app import routes\n\n\n" + LIFESPANS[lifespan] + "app.include_router(routes.router)\n"
    )
    routes = (
        "from fastapi import APIRouter, Depends, Request\n"
        "from redis.asyncio import Redis\n\n"
        'REDIS_URL = "redis://localhost:6379/0"\n\n'
        "router = APIRouter()\n" + "".join(handlers)
    )
    return {"app/__init__.py": "", "app/main.py": main, "app/routes.py": routes}


def assert_no_undefined_names(folder: Path) -> None:
    """A rewrite that parses can still read a name it never bound: ruff's F821 says."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "F821",
            str(folder),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def write(folder: Path, files: dict[str, str]) -> None:
    (folder / "pyproject.toml").write_text("", encoding="utf-8")
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=projects())
def test_generated_projects_fix_cleanly(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write(work, files)
        outcome = fix_project([work], Settings(), unsafe=True, cwd=work)
        assert outcome.failures == []
        write_changes(outcome)
        for path in work.rglob("*.py"):
            ast.parse(path.read_text(encoding="utf-8"))
        assert_no_undefined_names(work)
        for finding in outcome.result.findings:
            if finding.code in CONSTRUCTOR_CODES:
                assert finding.fix is None and finding.notes, finding
        assert outcome.changes, "nothing was fixed"
        # Every shared client the handlers now read is made once, in main.py.
        main = (work / "app" / "main.py").read_text(encoding="utf-8")
        routes = (work / "app" / "routes.py").read_text(encoding="utf-8")
        for attribute in set(re.findall(r"request\.app\.state\.(\w+)", routes)) - {"pool"}:
            assert main.count(f"app.state.{attribute} = ") == 1, (attribute, main)
        again = fix_project([work], Settings(), unsafe=True, cwd=work)
        assert again.changes == {}
