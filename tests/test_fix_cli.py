"""``--fix`` / ``--diff`` / ``--show-fixes`` end to end through the command line, on golden
projects of ``tests/fixtures/fix``: exit codes, what is written, and what never is."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from redispool_lint.cli import main
from redispool_lint.lines import split_lines

from .helpers import FIXTURES, cli_runner

CASES = FIXTURES / "fix"


def project(tmp_path: Path, case: str) -> Path:
    work = tmp_path / case
    shutil.copytree(CASES / case / "before", work)
    (work / "pyproject.toml").write_text("", encoding="utf-8")
    return work


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def run(work: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = cli_runner().invoke(main, [*args, "--no-cache"], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def unfixed_output(work: Path) -> str:
    """What ``--fix --unsafe-fixes`` prints in ``work`` (the current folder), checking that it
    found something and changed no file."""
    before = snapshot(work)
    code, out, _ = run(work, ".", "--fix", "--unsafe-fixes")
    assert snapshot(work) == before
    assert code == 1
    return out


@pytest.fixture
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = project(tmp_path, "lifespan_pool")
    monkeypatch.chdir(work)
    return work


def test_diff_then_fix_then_nothing_left(in_project: Path) -> None:
    before = snapshot(in_project)
    code, out, err = run(in_project, ".", "--diff")
    assert code == 1  # there is a diff
    assert err == "Would fix 2 errors.\n"  # (not "All checks passed!": that is after the fix)
    assert "+    app.state.redis = aioredis.Redis.from_pool(app.state.pool)" in out
    assert "-    async with Redis.from_pool(request.app.state.pool) as client:" in out
    assert "--- a/app/main.py" in out and "+++ b/app/routers/items.py" in out
    assert snapshot(in_project) == before, "--diff wrote files"

    code, out, _ = run(in_project, ".", "--fix", "--show-fixes")
    assert code == 0, out  # everything fixed: nothing left to report
    assert "Fixed:" in out and "app/routers/items.py: RPL001 x2" in out
    # ruff's summary after a fix: what was found, fixed and left.
    assert out.endswith("Found 2 errors (2 fixed, 0 remaining).\n")
    golden = snapshot(CASES / "lifespan_pool" / "after")
    assert snapshot(in_project) == golden

    code, out, _ = run(in_project, ".", "--fix")
    assert code == 0
    assert out == "All checks passed!\n"  # nothing found, nothing fixed
    assert snapshot(in_project) == golden
    code, out, err = run(in_project, ".", "--diff")
    assert code == 0
    assert "---" not in out and "+++" not in out
    assert err == "All checks passed!\n"


def test_diff_rows_are_python_rows(in_project: Path) -> None:
    """A form feed (a page break between definitions) ends no line for Python: every hunk's
    rows are the file's rows, as editors and ``patch`` count them."""
    for path in in_project.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n\n\n", "\n\n\x0c\n"), encoding="utf-8")
    code, out, _ = run(in_project, ".", "--diff")
    assert code == 1
    checked = 0
    lines: list[str] = []
    row = 0
    for line in out.split("\n"):  # (not ``splitlines``: that splits at the form feeds too)
        if line.startswith("--- a/"):
            lines = split_lines((in_project / line[len("--- a/") :]).read_text(encoding="utf-8"))
        elif hunk := re.match(r"@@ -(\d+)", line):
            row = int(hunk.group(1))
        elif line.startswith((" ", "-")) and not line.startswith("---"):
            assert line[1:] == lines[row - 1]
            row += 1
            checked += 1
    assert checked > 10 and "\x0c" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="git applies the patch")
def test_diff_of_files_without_a_last_line_end_applies_with_git(
    in_project: Path, tmp_path: Path
) -> None:
    """A file whose last line has no line end: the diff says so (``\\ No newline at end of
    file``), else the next line of the patch would continue that line and git rejects it; the
    patch applied gives what ``--fix`` writes."""
    for path in in_project.rglob("*.py"):
        path.write_bytes(path.read_bytes().rstrip(b"\n"))
    code, patch, _ = run(in_project, ".", "--diff")
    assert code == 1 and "\\ No newline at end of file\n" in patch
    applied = tmp_path / "applied"
    shutil.copytree(in_project, applied)
    subprocess.run(
        ["git", "apply", "-"], cwd=applied, input=patch, text=True, check=True, capture_output=True
    )
    assert run(in_project, ".", "--fix")[0] == 0
    assert snapshot(applied) == snapshot(in_project)


@pytest.mark.skipif(shutil.which("git") is None, reason="git applies the patch")
def test_diff_of_a_project_named_by_absolute_path_applies_with_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project outside the current folder: the headers are ``a/tmp/...`` as git writes them
    (not ``a//tmp/...``), and ``git apply -p N`` applies the patch inside the project."""
    work = project(tmp_path, "lifespan_pool")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, patch, _ = run(work, str(work), "--diff")
    assert code == 1
    assert f"--- a/{work.as_posix().lstrip('/')}/app/main.py\n" in patch
    assert "a//" not in patch and "b//" not in patch
    applied = tmp_path / "applied"
    shutil.copytree(work, applied)
    strip = 1 + len(work.parts) - 1  # "a/" and each folder of the absolute path
    subprocess.run(
        ["git", "apply", f"-p{strip}", "-"],
        cwd=applied,
        input=patch,
        text=True,
        check=True,
        capture_output=True,
    )
    assert run(work, str(work), "--fix")[0] == 0
    assert snapshot(applied) == snapshot(work)


def test_exit_non_zero_on_fix(in_project: Path) -> None:
    code, _, _ = run(in_project, ".", "--fix", "--exit-non-zero-on-fix")
    assert code == 1
    code, _, _ = run(in_project, ".", "--fix", "--exit-non-zero-on-fix")
    assert code == 0  # nothing changed the second time


def test_json_carries_the_cross_module_fix(in_project: Path) -> None:
    code, out, _ = run(in_project, ".", "--format", "json")
    assert code == 1
    findings = json.loads(out)
    assert [f["code"] for f in findings] == ["RPL001", "RPL001"]
    for finding in findings:
        fix = finding["fix"]
        assert fix["applicability"] == "safe"
        assert "request.app.state.redis" in fix["message"]
        touched = {edit["filename"] for edit in fix["edits"]}
        assert touched == {"app/main.py", "app/routers/items.py"}


def test_unsafe_fix_needs_unsafe_fixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = project(tmp_path, "unsafe_startup_arguments")
    monkeypatch.chdir(work)
    before = snapshot(work)
    code, out, _ = run(work, ".", "--fix")
    assert code == 1  # the finding remains
    assert snapshot(work) == before
    code, out, _ = run(work, ".", "--fix", "--unsafe-fixes")
    assert code == 0, out
    assert snapshot(work) == snapshot(CASES / "unsafe_startup_arguments" / "after")


def test_a_fix_that_would_not_parse_is_never_written(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redispool_lint.fix.planner as planner

    real = planner.render

    def broken(ops: planner.FileOps) -> str:
        return real(ops).replace("app.state.redis =", "app.state.redis = = (", 1)

    monkeypatch.setattr(planner, "render", broken)
    before = snapshot(in_project)
    code, out, err = run(in_project, ".", "--fix")
    assert code == 2
    assert "does not parse" in out + err
    assert snapshot(in_project) == before, "a broken fix was written (or half of a fix)"


def test_stdin_fixed_code_goes_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = project(tmp_path, "on_event")
    monkeypatch.chdir(work)
    source = (work / "app" / "main.py").read_text(encoding="utf-8")
    code, out, err = run(work, "-", "--stdin-filename", "app/main.py", "--fix", stdin=source)
    assert code == 0, err
    assert out == (CASES / "on_event" / "after" / "app" / "main.py").read_text(encoding="utf-8")
    assert (work / "app" / "main.py").read_text(encoding="utf-8") == source


def test_a_fix_that_does_not_converge_is_never_written(
    in_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redispool_lint.fix.planner as planner

    # A "fix" that changes the text every round and never removes the finding.
    monkeypatch.setattr(planner, "render", lambda ops: ops.parsed.source.text + "# again\n")
    before = snapshot(in_project)
    code, out, err = run(in_project, ".", "--fix")
    assert code == 2
    assert "did not converge" in out + err
    assert snapshot(in_project) == before


def test_readme_shows_what_diff_prints(in_project: Path) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Fixing") :]
    block = section[section.index("```diff\n") + len("```diff\n") :]
    block = block[: block.index("```\n")]
    code, out, _ = run(in_project, ".", "--diff")
    assert code == 1
    assert out == block


def test_a_client_made_by_a_coroutine_function_is_not_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arq's ``create_pool`` must be awaited: a lifespan storing the call would store a
    coroutine, and its shutdown would call ``aclose()`` on it."""
    (tmp_path / "app.py").write_text(
        "from arq import create_pool\n"
        "from arq.connections import ArqRedis, RedisSettings\n"
        "from fastapi import Depends, FastAPI\n\n"
        "app = FastAPI()\n\n\n"
        "async def get_queue() -> ArqRedis:\n"
        "    return await create_pool(RedisSettings())\n\n\n"
        '@app.post("/jobs")\n'
        "async def enqueue(queue: ArqRedis = Depends(get_queue)) -> None:\n"
        '    await queue.enqueue_job("work")\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    out = unfixed_output(tmp_path)
    assert "RPL002" in out
    assert "no automatic fix: `arq.create_pool` is a coroutine function" in out


def test_a_graphql_resolver_gets_no_request_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strawberry calls a resolver with GraphQL arguments: a ``request: Request`` parameter
    added to it would become a field argument, not the request."""
    (tmp_path / "schema.py").write_text(
        "import redis.asyncio as redis\n"
        "import strawberry\n\n\n"
        "@strawberry.type\n"
        "class Query:\n"
        "    @strawberry.field\n"
        "    async def value(self) -> str:\n"
        '        client = redis.from_url("redis://localhost")\n'
        '        return await client.get("k")\n\n\n'
        "async def total() -> int:\n"
        '    client = redis.from_url("redis://localhost")\n'
        '    return int(await client.get("total"))\n\n\n'
        "@strawberry.type\n"
        "class Stats:\n"
        "    total: int = strawberry.field(resolver=total)\n",
        encoding="utf-8",
    )
    (tmp_path / "main.py").write_text(
        "import strawberry\n"
        "from fastapi import FastAPI\n"
        "from strawberry.fastapi import GraphQLRouter\n\n"
        "from schema import Query\n\n"
        "app = FastAPI()\n"
        "app.include_router(GraphQLRouter(strawberry.Schema(Query)))\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    out = unfixed_output(tmp_path)
    assert "`Query.value` runs per request: it is a per-request hook (GraphQL resolver" in out
    assert "`total` runs per request: it is a per-request hook (GraphQL resolver" in out
    assert "no automatic fix: no `Request` in reach: `total` is not a route" in out


def test_close_on_an_async_getter_s_coroutine_is_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``get_client().close()`` with ``async def get_client``: the receiver is a coroutine, so
    ``await get_client().aclose()`` would raise AttributeError at shutdown."""
    (tmp_path / "app.py").write_text(
        "from contextlib import asynccontextmanager\n\n"
        "import redis.asyncio as redis\n"
        "from fastapi import FastAPI\n\n"
        'client = redis.from_url("redis://localhost")\n\n\n'
        "async def get_client() -> redis.Redis:\n"
        "    return client\n\n\n"
        "@asynccontextmanager\n"
        "async def lifespan(app: FastAPI):\n"
        "    yield\n"
        "    get_client().close()\n\n\n"
        "app = FastAPI(lifespan=lifespan)\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    out = unfixed_output(tmp_path)
    assert "no automatic fix: `get_client()` is a coroutine here: await it first" in out


def test_unawaited_aioredis_close_gains_await_and_keeps_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aioredis 2.x has no ``aclose()``: an un-awaited ``close()`` there is fixed by awaiting
    it, never by renaming it (``aclose`` would raise ``AttributeError``)."""
    work = tmp_path / "project"
    shutil.copytree(FIXTURES / "projects" / "rcd_aioredis_unawaited_close", work)
    monkeypatch.chdir(work)
    code, out, _ = run(work, ".", "--diff")
    assert code == 1
    assert "-        redis.close()  # error: RPL008" in out
    assert "+        await redis.close()  # error: RPL008" in out
    assert "aclose" not in out


def test_a_django_view_is_not_rewritten_even_beside_a_fastapi_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--fix`` moves clients into FastAPI and Starlette lifespans: a Django view gets a note
    saying so, also when the repository holds a FastAPI service too (which does not serve it)."""
    (tmp_path / "views.py").write_text(
        "import redis\nfrom django.http import JsonResponse\n\n\n"
        "def counter(request):\n"
        '    return JsonResponse({"n": redis.Redis(host="localhost").incr("n")})\n',
        encoding="utf-8",
    )
    (tmp_path / "urls.py").write_text(
        "from django.urls import path\n\nimport views\n\n"
        'urlpatterns = [path("count/", views.counter)]\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    note = "no automatic fix: no FastAPI or Starlette application was found to run this code"
    code, _, err = run(tmp_path, ".", "--diff")
    assert code == 1
    assert "views.py:6:31: RPL002" in err and note in err
    (tmp_path / "api.py").write_text(
        'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/health")\n'
        "async def health():\n    return {}\n",
        encoding="utf-8",
    )
    out = unfixed_output(tmp_path)
    assert "views.py:6:31: RPL002" in out and note in out


_EVENT_HANDLER_APP = (
    "import redis.asyncio as redis\n"
    "from fastapi import FastAPI, Request\n\n\n"
    "async def start() -> None:\n"
    '    app.state.pool = redis.ConnectionPool.from_url("redis://localhost")\n\n\n'
    "async def stop() -> None:\n"
    "    await app.state.pool.aclose()\n\n\n"
    "app = FastAPI()\n"
    'app.add_event_handler("startup", {startup})\n'
    "{shutdown}\n\n"
    '@app.get("/{{key}}")\n'
    "async def read(key: str, request: Request) -> object:\n"
    "    {client}\n"
    "        return await client.get(key)\n"
)
_SHUTDOWN = 'app.add_event_handler("shutdown", stop)\n'
_FROM_POOL = "async with redis.Redis.from_pool(request.app.state.pool) as client:"
_FROM_URL = 'async with redis.from_url("redis://localhost:6380") as client:'


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (
            _FROM_POOL,
            [
                '    app.state.pool = redis.ConnectionPool.from_url("redis://localhost")\n'
                "    app.state.redis = redis.Redis.from_pool(app.state.pool)\n",
                "async def stop() -> None:\n    await app.state.redis.aclose()\n",
                "    client = request.app.state.redis\n    return await client.get(key)\n",
            ],
        ),
        (
            _FROM_URL,
            [
                '    app.state.pool = redis.ConnectionPool.from_url("redis://localhost")\n'
                '    app.state.redis = redis.from_url("redis://localhost:6380")\n',
                "    await app.state.pool.aclose()\n    await app.state.redis.aclose()\n",
            ],
        ),
    ],
    ids=["pool-set-by-the-handler", "client-with-a-pool-of-its-own"],
)
def test_handlers_given_to_add_event_handler_make_the_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: str, expected: list[str]
) -> None:
    """Starlette < 1.0's ``app.add_event_handler``: a new lifespan could not take the handlers
    over (the registrations stay), so the startup handler makes the client: where it makes the
    pool the client reads (and the shutdown handler's close of that pool becomes the
    client's), or, for a client with a pool of its own, at its end (closed at the end of the
    shutdown handler)."""
    (tmp_path / "app.py").write_text(
        _EVENT_HANDLER_APP.format(startup="start", shutdown=_SHUTDOWN, client=client),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(tmp_path, ".", "--fix")
    assert code == 0, out
    fixed = (tmp_path / "app.py").read_text(encoding="utf-8")
    for text in expected:
        assert text in fixed
    assert "lifespan" not in fixed
    compile(fixed, "app.py", "exec")


@pytest.mark.parametrize(
    ("startup", "shutdown", "client", "reason"),
    [
        (
            "lambda: None",
            _SHUTDOWN,
            _FROM_POOL,
            "the application registers startup code the fix does not move",
        ),
        (
            "start",
            "",
            _FROM_URL,
            "startup code is registered with `add_event_handler`, and the application has no "
            "shutdown handler to close the client in",
        ),
    ],
    ids=["handler-not-a-known-function", "no-shutdown-handler"],
)
def test_add_event_handler_apps_left_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    startup: str,
    shutdown: str,
    client: str,
    reason: str,
) -> None:
    (tmp_path / "app.py").write_text(
        _EVENT_HANDLER_APP.format(startup=startup, shutdown=shutdown, client=client),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert reason in unfixed_output(tmp_path)


@pytest.mark.parametrize(
    "provider",
    [
        "async def get_settings() -> Settings:\n    return Settings()\n",
        "def get_settings(request: Request) -> Settings:\n    return Settings()\n",
        "def get_settings():\n    yield Settings()\n",
    ],
    ids=["async", "with-parameters", "generator"],
)
def test_a_dependency_the_lifespan_cannot_call_is_not_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    """``Depends(get_settings)`` becomes ``get_settings()`` in the lifespan only when that call
    gives the value: a plain function with no parameters."""
    (tmp_path / "app.py").write_text(
        "from fastapi import Depends, FastAPI, Request\n"
        "from redis.asyncio import Redis\n\n\n"
        "class Settings:\n"
        '    redis_url = "redis://localhost"\n\n\n'
        f"{provider}\n\n"
        "app = FastAPI()\n\n\n"
        '@app.get("/")\n'
        "async def read(settings: Settings = Depends(get_settings)) -> object:\n"
        "    async with Redis.from_url(settings.redis_url) as client:\n"
        '        return await client.get("k")\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert (
        "no automatic fix: `settings` comes from the dependency `get_settings`, which the "
        "lifespan cannot call as it is"
    ) in " ".join(unfixed_output(tmp_path).split())
