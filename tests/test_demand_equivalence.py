"""The demand-driven analysis finds exactly what the full analysis finds.

``lint(..., full=True)`` parses every file of the project; the default parses only the files the
candidates' findings depend on (``redispool_lint.demand``). Both must give the same findings, with
the same messages (the message names the entry point that makes a function per request, so a
missing caller would show). Compared on every fixture project, on every rule's examples, on each
fixture linted one file at a time (how pre-commit runs), with unrelated modules added, and on
generated multi-module projects.
"""

from __future__ import annotations

import random
import shutil
import textwrap
from pathlib import Path

import pytest

from redispool_lint import demand
from redispool_lint.config import Settings, find_config, load_config
from redispool_lint.diagnostics import Finding
from redispool_lint.engine import LintResult, lint
from redispool_lint.rules import ALL_RULES

from .helpers import FIXTURES, write_files

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())
Key = tuple[str, int, int, str, str]


def _keys(findings: list[Finding]) -> list[Key]:
    return sorted((f.path, f.start.row, f.start.column, f.code, f.message) for f in findings)


def _settings(folder: Path, **overrides: object) -> Settings:
    config = find_config(folder)
    settings = load_config(config) if config and config.parent == folder else Settings()
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings


def assert_same(folder: Path, paths: list[Path] | None = None, **overrides: object) -> list[Key]:
    settings = _settings(folder, **overrides)
    targets = paths or [folder]
    full = lint(targets, settings, root=folder, cwd=folder, full=True)
    demand = lint(targets, settings, root=folder, cwd=folder, full=False)
    assert _keys(demand.findings) == _keys(full.findings)
    assert sorted(map(str, demand.errors)) == sorted(map(str, full.errors))
    assert demand.files_reported == full.files_reported
    return _keys(full.findings)


@pytest.fixture(params=["byte-scans", "indexes"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the walk answers its text questions must give the full analysis's results:
    scanning bytes for every question (and walking imports to the end to decide if a module
    leads to a framework), or inverted indexes from the first (and never walking: "it may")."""
    if request.param == "byte-scans":
        monkeypatch.setattr(demand, "_BYTE_SCANS", 10**9)
        monkeypatch.setattr(demand, "_FRAMEWORK_WALK_BUDGET", 10**9)
    else:
        monkeypatch.setattr(demand, "_BYTE_SCANS", 0)
        monkeypatch.setattr(demand, "_FRAMEWORK_WALK_BUDGET", 0)
    return str(request.param)


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_fixture_projects(folder: Path, walk: str) -> None:
    assert_same(folder)
    # The opt-in rule too: it asks a project-wide question (is there a web app?).
    assert_same(folder, extend_select=["RPL009"])


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_fixture_projects_one_file_at_a_time(folder: Path, walk: str) -> None:
    """pre-commit passes the changed files only; the rest of the project still decides."""
    for path in sorted(folder.rglob("*.py")):
        assert_same(folder, [path])


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_fixture_projects_with_unrelated_modules(folder: Path, tmp_path: Path) -> None:
    """Modules the analysis skips (and a few it must not skip) change nothing."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    noise = copy / "noise"
    noise.mkdir()
    (noise / "__init__.py").write_text("", encoding="utf-8")
    (noise / "maths.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (noise / "state_user.py").write_text(
        "def touch(request):\n    request.state.seen = True\n    request.app.state.hits = 1\n",
        encoding="utf-8",
    )
    (noise / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    findings = assert_same(copy)
    assert not any("noise" in key[0] for key in findings)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_examples(rule: type, tmp_path: Path) -> None:
    for name in ("example", "use_instead"):
        folder = tmp_path / name
        folder.mkdir()
        write_files(folder, getattr(rule, name))
        assert_same(folder, extend_select=[rule.code])


# ----- generated projects ---------------------------------------------------------------------

_CREATORS = [
    "redis.asyncio.Redis.from_pool(request.app.state.pool)",
    "redis.asyncio.from_url('redis://localhost')",
    "redis.asyncio.ConnectionPool.from_url('redis://localhost')",
    "redis.asyncio.Redis(connection_pool=request.app.state.pool)",
]


def _generated_project(folder: Path, seed: int) -> None:
    """A FastAPI app over several modules: helpers, services, routers, an app, a lifespan.

    The wiring is random: which helper makes which client, who calls whom (directly, through a
    re-export, through ``Depends``), which router the app includes, what the lifespan stores in
    app state and what handlers close.
    """
    rng = random.Random(seed)
    app = folder / "svc"
    (app / "routers").mkdir(parents=True)
    (app / "__init__.py").write_text("", encoding="utf-8")
    (app / "routers" / "__init__.py").write_text("", encoding="utf-8")
    helpers = []
    for index in range(rng.randint(1, 4)):
        name = f"helper{index}"
        creator = rng.choice(_CREATORS)
        guarded = rng.random() < 0.2
        body = (
            f"_client = None\n\ndef {name}(request):\n    global _client\n"
            f"    if _client is None:\n        _client = {creator}\n    return _client\n"
            if guarded
            else f"def {name}(request):\n    return {creator}\n"
        )
        module = rng.choice(["clients", "cache", "store"])
        path = app / f"{module}.py"
        text = path.read_text(encoding="utf-8") if path.exists() else "import redis.asyncio\n\n"
        path.write_text(text + "\n" + body, encoding="utf-8")
        helpers.append((module, name))
    # A re-export layer, sometimes.
    reexports = rng.random() < 0.5
    if reexports:
        lines = [f"from .{module} import {name}" for module, name in helpers]
        (app / "api.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Services that call helpers.
    services = []
    for index in range(rng.randint(0, 3)):
        module, name = rng.choice(helpers)
        source = "api" if reexports else module
        text = f"from svc.{source} import {name}\n\n"
        text += f"class Service{index}:\n    def __init__(self, request):\n"
        text += f"        self.client = {name}(request)\n"
        (app / f"service{index}.py").write_text(text, encoding="utf-8")
        services.append(index)
    routers = []
    # The router object may live in a module of its own that names no handler and no Redis:
    # only following the handlers' imports forwards finds out that it is a FastAPI router.
    shared_router = rng.random() < 0.5
    if shared_router:
        (app / "routing.py").write_text(
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n", encoding="utf-8"
        )
    for index in range(rng.randint(1, 4)):
        lines = [
            "from fastapi import APIRouter, Depends, Request",
            "",
            "from svc.routing import router" if shared_router else "router = APIRouter()",
            "",
        ]
        module, name = rng.choice(helpers)
        style = rng.choice(
            [
                "call",
                "depends",
                "service",
                "close_state",
                "close_global",
                "close_http",
                "plain",
            ]
        )
        if style == "service" and not services:
            style = "call"
        source = "api" if reexports else module
        if style == "call":
            lines[0:0] = [f"from svc.{source} import {name}"]
            body = f"    client = {name}(request)\n    return await client.get('k')\n"
            params = "request: Request"
        elif style == "depends":
            lines[0:0] = [f"from svc.{source} import {name}"]
            body = "    return await client.get('k')\n"
            params = f"request: Request, client=Depends({name})"
        elif style == "service":
            service = rng.choice(services)
            lines[0:0] = [f"from svc.service{service} import Service{service}"]
            body = f"    return Service{service}(request).client\n"
            params = "request: Request"
        elif style == "close_state":
            attribute = rng.choice(["redis", "cache", "pool"])
            body = f"    await request.app.state.{attribute}.aclose()\n"
            params = "request: Request"
        elif style == "close_http":
            # Stored by a module nothing imports and that never names Redis (boot.py).
            body = "    await request.state.http.aclose()\n"
            params = "request: Request"
        elif style == "close_global":
            lines[0:0] = ["from svc import shared"]
            body = "    await shared.client.aclose()\n"
            params = "request: Request"
        else:
            body = "    return {}\n"
            params = "request: Request"
        method = rng.choice(["get", "post"])
        lines += [f"@router.{method}('/r{index}')", f"async def handle{index}({params}):"]
        (app / "routers" / f"r{index}.py").write_text(
            "\n".join(lines) + "\n" + body, encoding="utf-8"
        )
        routers.append(index)
    # Routers register their handlers themselves (decorators); the app may not import them at
    # all (a plugin loader): then only the shared state links the lifespan to the handlers.
    included = [i for i in routers if rng.random() < 0.8] if rng.random() < 0.6 else []
    (app / "shared.py").write_text("client = None\n", encoding="utf-8")
    if rng.random() < 0.8:
        (app / "boot.py").write_text(
            rng.choice(
                [
                    "def setup(app, make):\n    app.state.http = make()\n",
                    # lifespan state, read as request.state.http
                    "async def lifespan(app, make):\n    yield {'http': make()}\n",
                ]
            ),
            encoding="utf-8",
        )
    stored = rng.sample(["redis", "cache", "pool"], rng.randint(0, 3))
    lifespan_lines = []
    for attribute in stored:
        if attribute == "pool":
            lifespan_lines.append(
                "    app.state.pool = redis.asyncio.ConnectionPool.from_url('redis://x')"
            )
        else:
            lifespan_lines.append(
                f"    app.state.{attribute} = redis.asyncio.from_url('redis://x')"
            )
    if rng.random() < 0.5:
        lifespan_lines.append("    shared.client = redis.asyncio.from_url('redis://x')")
    lifespan_lines.append("    yield")
    for attribute in stored:
        if rng.random() < 0.7:
            lifespan_lines.append(f"    await app.state.{attribute}.aclose()")
    main = textwrap.dedent(
        """\
        from contextlib import asynccontextmanager

        import redis.asyncio
        from fastapi import FastAPI

        from svc import shared
        {imports}

        @asynccontextmanager
        async def lifespan(app):
        {lifespan}

        app = FastAPI(lifespan=lifespan)
        {includes}
        """
    ).format(
        imports="\n".join(f"from svc.routers import r{i}" for i in included),
        lifespan="\n".join(lifespan_lines),
        includes="\n".join(f"app.include_router(r{i}.router)" for i in included),
    )
    (app / "main.py").write_text(main, encoding="utf-8")


def _flatten(folder: Path) -> None:
    """The same project as top-level modules (several top-level names, absolute imports)."""
    package = folder / "svc"
    (package / "__init__.py").unlink()
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        text = text.replace("from svc import ", "import ").replace("from svc.", "from ")
        target = folder / path.relative_to(package)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        path.unlink()
    shutil.rmtree(package)


@pytest.mark.parametrize("seed", range(60))
def test_generated_projects(seed: int, tmp_path: Path, walk: str) -> None:
    _generated_project(tmp_path, seed)
    if seed % 2:
        _flatten(tmp_path)
        assert_same(tmp_path)
        return
    assert_same(tmp_path)
    assert_same_fixes(tmp_path)
    # and as pre-commit would lint a router alone
    for path in sorted((tmp_path / "svc" / "routers").glob("r*.py"))[:2]:
        assert_same(tmp_path, [path])


def test_generated_projects_find_something() -> None:
    """The generator makes projects with findings, so the comparison above is not vacuous."""
    found = 0
    for seed in range(60):
        folder = Path(__import__("tempfile").mkdtemp())
        try:
            _generated_project(folder, seed)
            found += bool(assert_same(folder))
        finally:
            shutil.rmtree(folder)
    assert found >= 20


def test_demand_parses_less(tmp_path: Path) -> None:
    """The point of it all: files that cannot matter are not parsed (a syntax error there is
    not even seen), while the full analysis sees them."""
    _generated_project(tmp_path, 3)
    noise = tmp_path / "noise"
    noise.mkdir()
    for index in range(20):
        (noise / f"n{index}.py").write_text("def f(:\n", encoding="utf-8")
    settings = Settings(select=["RPL999"])
    demand = lint([tmp_path], settings, root=tmp_path, cwd=tmp_path)
    full = lint([tmp_path], settings, root=tmp_path, cwd=tmp_path, full=True)
    assert demand.findings == full.findings == []
    assert full.files_analysed == full.files_in_project
    assert demand.files_analysed <= full.files_in_project - 20
    # Named on the command line, a file is always checked.
    named = lint([noise / "n0.py"], settings, root=tmp_path, cwd=tmp_path)
    assert [f.code for f in named.findings] == ["RPL999"]


# ----- fixes ----------------------------------------------------------------------------------

_FIX_CASES = sorted(p / "before" for p in (FIXTURES / "fix").iterdir() if (p / "before").is_dir())


def _fix_keys(findings: list[Finding]) -> list[tuple[object, ...]]:
    return sorted(
        (
            f.path,
            f.start.row,
            f.code,
            f.fix.message if f.fix else None,
            tuple((e.path, e.start.row, e.end.row, e.content) for e in f.fix.edits)
            if f.fix
            else (),
            f.notes,
        )
        for f in findings
    )


@pytest.mark.parametrize("folder", _FIX_CASES, ids=lambda p: p.parent.name)
def test_fixes_equal_full_analysis(folder: Path) -> None:
    """A fix needs more of the project than a finding (the app that includes the router, its
    lifespan): the demand-driven analysis must find those modules too."""
    full = assert_same_fixes(folder)
    assert any(f.fix for f in full.findings), "each case has a fix"


def assert_same_fixes(folder: Path) -> LintResult:
    settings = _settings(folder)
    full, demand = (
        lint([folder], settings, root=folder, cwd=folder, full=full, plan_fixes=True)
        for full in (True, False)
    )
    assert _fix_keys(demand.findings) == _fix_keys(full.findings)
    return full


def test_callers_of_shared_state_code_can_hold_findings(tmp_path: Path) -> None:
    """A handler that enters what a dependency returns from request state closes the shared
    client without naming state or Redis itself: it is found as a caller of the dependency's
    module, and its findings are reported (the demand-driven analysis missed them)."""
    write_files(
        tmp_path,
        """
        # file: main.py
        from contextlib import asynccontextmanager
        import redis.asyncio
        from fastapi import FastAPI
        import routes

        @asynccontextmanager
        async def lifespan(app):
            yield {"redis": redis.asyncio.from_url("redis://x")}

        app = FastAPI(lifespan=lifespan)
        app.include_router(routes.router)
        # file: deps.py
        def get_redis(request):
            return request.state.redis
        # file: routes.py
        from fastapi import APIRouter, Depends
        from deps import get_redis

        router = APIRouter()

        @router.get("/x")
        async def x(r=Depends(get_redis)):
            async with r:
                return await r.get("k")
        """,
    )
    found = assert_same(tmp_path)
    assert [key[3] for key in found] == ["RPL005"]
    assert assert_same(tmp_path, [tmp_path / "routes.py"]) == found


# ----- the targeted analysis (only files named on the command line reported) ------------------


def assert_each_file_alone(
    folder: Path, modes: tuple[bool, ...] = (True, False), **overrides: object
) -> list[Key]:
    """Each file linted alone (how pre-commit runs: the targeted analysis, which reads only
    what that file's findings can depend on; and with ``targeted=False``, the demand-driven
    analysis of the whole project) reports exactly what the full analysis of the whole
    project reports for it, with the same messages and errors."""
    settings = _settings(folder, **overrides)
    whole = lint([Path(".")], settings, root=folder, cwd=folder, full=True)
    expected: dict[Path, list[Key]] = {}
    for key in _keys(whole.findings):
        expected.setdefault((folder / key[0]).resolve(), []).append(key)
    for path in sorted(folder.rglob("*.py")):
        named = path.relative_to(folder)
        for targeted in modes:
            alone = lint([named], settings, root=folder, cwd=folder, targeted=targeted)
            assert _keys(alone.findings) == expected.get(path.resolve(), []), (named, targeted)
            errors = [e for e in whole.errors if (folder / e.path).resolve() == path.resolve()]
            assert sorted(map(str, alone.errors)) == sorted(map(str, errors)), named
    return _keys(whole.findings)


@pytest.mark.parametrize("seed", range(60))
def test_generated_projects_each_file_alone(seed: int, tmp_path: Path, walk: str) -> None:
    """Every file of the generated projects alone, not only the routers: helpers, services,
    the app and its lifespan, the module that holds a shared client."""
    _generated_project(tmp_path, seed)
    if seed % 2:
        _flatten(tmp_path)
    assert_each_file_alone(tmp_path)
    if seed % 5 == 0:
        # RPL009 asks a project-wide question: the whole analysis answers it.
        assert_each_file_alone(tmp_path, extend_select=["RPL009"])


#: Projects whose findings depend on files the named file does not import and that do not call
#: it: what stores app state, request state or a module variable, and what that code calls.
_DEPENDENCIES: dict[str, tuple[str, dict[str, str]]] = {
    # The lifespan stores a factory's product: neither the handler nor the lifespan's module
    # imports Redis.
    "state_from_factory": (
        "RPL005",
        {
            "clients.py": "import redis.asyncio\n\ndef make():\n"
            "    return redis.asyncio.from_url('redis://x')\n",
            "main.py": "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n"
            "from clients import make\nimport routes\n\n@asynccontextmanager\n"
            "async def lifespan(app):\n    app.state.cache = make()\n    yield\n"
            "    await app.state.cache.aclose()\n\napp = FastAPI(lifespan=lifespan)\n"
            "app.include_router(routes.router)\n",
            "routes.py": "from fastapi import APIRouter, Request\n\nrouter = APIRouter()\n\n"
            "@router.get('/x')\nasync def x(request: Request):\n"
            "    await request.app.state.cache.aclose()\n",
        },
    ),
    # Middleware puts the shared client on the request's state; a handler closes it there.
    "request_alias": (
        "RPL005",
        {
            "main.py": "from contextlib import asynccontextmanager\nimport redis.asyncio\n"
            "from fastapi import FastAPI, Request\nimport routes\n\n@asynccontextmanager\n"
            "async def lifespan(app):\n    app.state.redis = redis.asyncio.from_url('redis://x')\n"
            "    yield\n    await app.state.redis.aclose()\n\napp = FastAPI(lifespan=lifespan)\n"
            "app.include_router(routes.router)\n",
            "middleware.py": "from main import app\n\n@app.middleware('http')\n"
            "async def attach(request, call_next):\n"
            "    request.state.client = request.app.state.redis\n"
            "    return await call_next(request)\n",
            "routes.py": "from fastapi import APIRouter, Request\n\nrouter = APIRouter()\n\n"
            "@router.get('/x')\nasync def x(request: Request):\n"
            "    await request.state.client.aclose()\n",
        },
    ),
    # A module variable set by a boot module that nothing the handler reads imports.
    "variable_set_elsewhere": (
        "RPL005",
        {
            "shared.py": "client = None\n",
            "boot.py": "import redis.asyncio\nimport shared\n\ndef boot():\n"
            "    shared.client = redis.asyncio.from_url('redis://x')\n",
            "main.py": "from fastapi import FastAPI\nfrom boot import boot\nimport routes\n\n"
            "app = FastAPI(on_startup=[boot])\napp.include_router(routes.router)\n",
            "routes.py": "from fastapi import APIRouter\nimport shared\n\nrouter = APIRouter()\n\n"
            "@router.get('/x')\nasync def x():\n    await shared.client.aclose()\n",
        },
    ),
    # The same variable, reached through a module that re-exports the module that holds it.
    "variable_through_reexport": (
        "RPL005",
        {
            "shared.py": "client = None\n",
            "api.py": "import shared as store\n",
            "boot.py": "import redis.asyncio\nimport shared\n\ndef boot():\n"
            "    shared.client = redis.asyncio.from_url('redis://x')\n",
            "main.py": "from fastapi import FastAPI\nfrom boot import boot\nimport routes\n\n"
            "app = FastAPI(on_startup=[boot])\napp.include_router(routes.router)\n",
            "routes.py": "from fastapi import APIRouter\nfrom api import store\n\n"
            "router = APIRouter()\n\n@router.get('/x')\nasync def x():\n"
            "    await store.client.aclose()\n",
        },
    ),
    # A dependency in a module without Redis returns the shared client; the handler enters it.
    "dependency_returns_state": (
        "RPL005",
        {
            "main.py": "from contextlib import asynccontextmanager\nimport redis.asyncio\n"
            "from fastapi import FastAPI\nimport routes\n\n@asynccontextmanager\n"
            "async def lifespan(app):\n    yield {'redis': redis.asyncio.from_url('redis://x')}\n\n"
            "app = FastAPI(lifespan=lifespan)\napp.include_router(routes.router)\n",
            "deps.py": "def get_redis(request):\n    return request.state.redis\n",
            "routes.py": "from fastapi import APIRouter, Depends\nfrom deps import get_redis\n\n"
            "router = APIRouter()\n\n@router.get('/x')\nasync def x(r=Depends(get_redis)):\n"
            "    async with r:\n        return await r.get('k')\n",
        },
    ),
    # A per-request singleton: created once, stored in app state, closed by another handler.
    "singleton_in_handler": (
        "RPL005",
        {
            "a.py": "import redis.asyncio\nfrom fastapi import APIRouter, Request\n\n"
            "router = APIRouter()\n\n@router.get('/a')\nasync def a(request: Request):\n"
            "    if getattr(request.app.state, 'r', None) is None:\n"
            "        request.app.state.r = redis.asyncio.from_url('redis://x')\n"
            "    return await request.app.state.r.get('k')\n",
            "b.py": "from fastapi import APIRouter, Request\n\nrouter = APIRouter()\n\n"
            "@router.get('/b')\nasync def b(request: Request):\n"
            "    await request.app.state.r.aclose()\n",
            "main.py": "from fastapi import FastAPI\nimport a, b\n\napp = FastAPI()\n"
            "app.include_router(a.router, prefix='/v1')\napp.include_router(b.router)\n",
        },
    ),
    # The route's label comes from the prefix the app includes the router with, the router
    # from a module of its own, the client from a helper the handler's module does not name.
    "label_through_shared_router": (
        "RPL002",
        {
            "routing.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
            "helpers.py": "import redis.asyncio\n\ndef client():\n"
            "    return redis.asyncio.Redis(host='x')\n",
            "handlers.py": "from routing import router\nfrom helpers import client\n\n"
            "@router.get('/h')\nasync def h():\n    return await client().get('k')\n",
            "main.py": "from fastapi import FastAPI\nimport handlers\n"
            "from routing import router\n\napp = FastAPI()\n"
            "app.include_router(router, prefix='/api')\n",
        },
    ),
}


def _write_dependencies(folder: Path, name: str) -> str:
    code, files = _DEPENDENCIES[name]
    for path, text in files.items():
        (folder / path).write_text(text, encoding="utf-8")
    return code


@pytest.mark.parametrize("name", sorted(_DEPENDENCIES))
def test_targeted_dependencies(name: str, tmp_path: Path, walk: str) -> None:
    code = _write_dependencies(tmp_path, name)
    found = assert_each_file_alone(tmp_path)
    assert code in {key[3] for key in found}, found  # the comparison is not vacuous
    assert_same(tmp_path)


def test_module_bound_under_an_alias_is_followed(tmp_path: Path, walk: str) -> None:
    """``api.py`` binds the module ``shared`` as ``store`` without writing ``client``; the
    handler that closes ``store.client`` imports ``store`` from ``api``. The upward walk from
    the code that assigns ``shared.client`` takes ``api`` in because it binds the module
    itself (it used to take only callers that write one of the module's leading names, and
    missed the finding)."""
    _write_dependencies(tmp_path, "variable_through_reexport")
    settings = _settings(tmp_path)
    demand = lint([tmp_path], settings, root=tmp_path, cwd=tmp_path)
    assert ("RPL005", "routes.py") in {(f.code, Path(f.path).name) for f in demand.findings}


def test_targeted_parses_less(tmp_path: Path) -> None:
    """The point of the targeted analysis: a file named alone is analysed with what its
    findings can depend on, not with every Redis file of the project and their callers."""
    _generated_project(tmp_path, 3)
    noise = tmp_path / "svc" / "noise"
    noise.mkdir()
    (noise / "__init__.py").write_text("", encoding="utf-8")
    for index in range(20):
        (noise / f"n{index}.py").write_text(
            "import redis.asyncio\nfrom fastapi import APIRouter, Request\n\n"
            "router = APIRouter()\n\n"
            f"@router.get('/n{index}')\nasync def n{index}(request: Request):\n"
            "    return await redis.asyncio.from_url('redis://x').get('k')\n",
            encoding="utf-8",
        )
    settings = _settings(tmp_path)
    named = [Path("svc/routers/r0.py")]
    targeted = lint(named, settings, root=tmp_path, cwd=tmp_path)
    whole = lint(named, settings, root=tmp_path, cwd=tmp_path, targeted=False)
    assert _keys(targeted.findings) == _keys(whole.findings)
    assert whole.files_analysed >= 20 + 1
    assert targeted.files_analysed <= whole.files_analysed - 20


@pytest.mark.parametrize("folder", _FIX_CASES, ids=lambda p: p.parent.name)
def test_fixes_of_each_file_alone(folder: Path) -> None:
    """The terminal's fix hints for a file named alone (planned after the targeted analysis,
    ``LintResult.plan_fixes``) equal the full analysis's fixes for that file."""
    settings = _settings(folder)
    full = lint([Path(".")], settings, root=folder, cwd=folder, full=True, plan_fixes=True)
    for path in sorted(folder.rglob("*.py")):
        named = path.relative_to(folder)
        alone = lint([named], settings, root=folder, cwd=folder)
        alone.plan_fixes()
        expected = [key for key in _fix_keys(full.findings) if Path(str(key[0])) == named]
        assert _fix_keys(alone.findings) == expected, named
