"""The text tests that decide which files the demand-driven analysis reads.

Each must be a superset of what the project model can resolve (``test_demand_equivalence``
checks the findings), and as tight as the text allows: in a virtualenv, words like ``util`` or
``commands`` are everywhere, and a loose test pulls in every file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from redispool_lint.config import Settings
from redispool_lint.engine import lint
from redispool_lint.text import FileFacts, read_imports


@pytest.mark.parametrize(
    ("source", "roots"),
    [
        ("import os\n", {"os"}),
        ("import a.b as c, d.e\n", {"a", "d"}),
        ("from a.b import c, d\n", {"a"}),
        ("from . import x\nfrom .m import y\n", set()),
        ("if True:\n    from pkg import x\n", {"pkg"}),
        ("try: import fast\nexcept ImportError: import slow\n", {"fast", "slow"}),
        ("x = 1; import late\n", {"late"}),
        ("import first, \\\n    second\n", {"first", "second"}),
        ("from \\\n    spaced import x\n", {"spaced"}),
        # Prose in comments and docstrings that is not at a statement's start is not an import.
        ("# the value taken from the cache\nimport real\n", {"real"}),
        ('"""Read from a file, import nothing."""\n', set()),
        # A keyword in prose right before a real import does not swallow it.
        ("try:\n    pass\nexcept KeyError:\n    # a pseudo-import\n    import types\n", {"types"}),
        # A comment's backslash continues nothing: the next line's import is read.
        ("x = 1  # not an import \\\nimport real\n", {"real"}),
        # The first line of a file with a byte order mark.
        ("\ufeffimport first\n", {"first"}),
    ],
)
def test_imported_roots(source: str, roots: set[str]) -> None:
    assert read_imports(source.encode()).roots == {r.encode() for r in roots}


@pytest.mark.parametrize(
    ("source", "words", "plain_roots", "from_names"),
    [
        ("import a.b as c, d\n", {"a", "b", "c", "d", "as"}, {"a", "d"}, set()),
        (
            "from a.b import c as e, d\n",
            {"from", "a", "b", "import", "c", "as", "e", "d"},
            set(),
            {"c", "e", "d"},  # (aliases too)
        ),
        ("from . import x\n", {"from", "import", "x"}, set(), {"x"}),
        ("from ..pkg.mod import *\n", {"from", "pkg", "mod", "import"}, set(), {"*"}),
        # Parentheses over lines; a comment's parenthesis does not close them.
        (
            "from a import (  # first (old)\n    b,\n    c as d,\n)\nafter = 1\n",
            {"from", "a", "import", "first", "old", "b", "c", "as", "d"},
            set(),
            {"first", "old", "b", "c", "d"},  # (words of comments too: a superset will do)
        ),
        ("from a import \\\n    b\nafter = 1\n", {"from", "a", "import", "b"}, set(), {"b"}),
        ("x = 1; from a import b\n", {"from", "a", "import", "b"}, set(), {"b"}),
        ("# taken from the cache\nvalue = 1\n", set(), set(), set()),
    ],
)
def test_read_imports(
    source: str, words: set[str], plain_roots: set[str], from_names: set[str]
) -> None:
    facts = read_imports(source.encode())
    assert facts.words == {w.encode() for w in words}
    assert facts.plain_roots == {r.encode() for r in plain_roots}
    assert facts.from_names == {n.encode() for n in from_names}


@pytest.mark.parametrize(
    ("source", "imports"),
    [
        ("import redis\n", True),
        ("import redis.asyncio as r\n", True),
        ("from redis.asyncio import Redis\n", True),
        ("import os, sys as s, redis\n", True),
        ("import aioredis\n", True),
        ("from valkey import Valkey\n", True),
        ("x = 1; import redis\n", True),
        # An import continued over lines by backslashes, also with CRLF line ends.
        ("import os, \\\n    redis\n", True),
        ("from \\\n  redis import Redis\n", True),
        ("import os, \\\r\n    redis\r\n", True),
        # The name comes many times before the import: every occurrence is tried.
        ("# redis redis redis\nREDIS_URL = 'redis://'\nimport redis\n", True),
        ("# uses redis\nREDIS = 'redis://localhost'\n", False),
        ("import redisearch\n", False),
        ("from app.redis import cache\n", False),
        ("import os\nredis = None\n", False),
        ("", False),
    ],
)
def test_redis_import_test(source: str, imports: bool) -> None:
    assert FileFacts(source.encode()).redis is imports


#: Sources whose text facts each line end could change (a statement's start, a continuation,
#: the end of a parenthesised import, a comment's end, a directive's line).
_LINE_END_SOURCES = [
    "import os\nfrom shop import views\nx = 1; import late\n",
    "# read from\nredis = None\n",
    "import first, \\\n    second\nfrom \\\n    spaced import x\n",
    "from a import (  # first (old)\n    b,\n    c as d,\n)\nafter = 1\nimport e\n",
    "import os, \\\n    redis\n",
    "# uses redis\nREDIS = 'redis://localhost'\n",
    "x = app.  # comment\nstate\n",
    "x = app.\\\n  stat  # e\ny = 1  # noqa: E501\nrpl1 = 2\n",
]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
@pytest.mark.parametrize("source", _LINE_END_SOURCES)
def test_text_facts_do_not_depend_on_line_ends(source: str, newline: str) -> None:
    """``\\r`` ends a line for Python as ``\\n`` does: the tests see the same statements."""
    data, other = source.encode(), source.replace("\n", newline).encode()
    assert read_imports(other) == read_imports(data)
    facts, others = FileFacts(data), FileFacts(other)
    assert (others.contains_redis, others.redis) == (facts.contains_redis, facts.redis)
    assert (others.state, others.noqa, others.noqa_rpl) == (facts.state, facts.noqa, facts.noqa_rpl)


_HELPER = (
    "import redis.asyncio\n\n\ndef make(request):\n    return redis.asyncio.from_url('redis://x')\n"
)
_ROUTE = """\
from fastapi import APIRouter, Request

{imports}

router = APIRouter()


@router.get("/x")
async def handle(request: Request):
    return {call}(request)
"""


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _codes(folder: Path, full: bool) -> list[tuple[str, int, str]]:
    result = lint([folder], Settings(), root=folder, cwd=folder, full=full)
    return sorted((f.path, f.start.row, f.code) for f in result.findings)


def _assert_found(folder: Path, expected: list[tuple[str, str]], analysed_at_most: int) -> None:
    """The demand-driven findings equal the full analysis's, are ``expected`` (path, code), and
    took at most ``analysed_at_most`` summaries."""
    demand = _codes(folder, full=False)
    assert demand == _codes(folder, full=True)
    assert [(path, code) for path, _, code in demand] == expected
    result = lint([folder], Settings(), root=folder, cwd=folder)
    assert result.files_analysed <= analysed_at_most


@pytest.mark.parametrize(
    ("files", "expected_path"),
    [
        # Absolute import of a module deep in a package: every segment is written.
        (
            {
                "pkg/__init__.py": "",
                "pkg/deep/__init__.py": "",
                "pkg/deep/util.py": _HELPER,
                "app.py": _ROUTE.format(imports="from pkg.deep import util", call="util.make"),
            },
            "pkg/deep/util.py",
        ),
        # Relative import from a module of a sibling package: up to the common package.
        (
            {
                "pkg/__init__.py": "",
                "pkg/deep/__init__.py": "",
                "pkg/deep/util.py": _HELPER,
                "pkg/web/__init__.py": "",
                "pkg/web/routes.py": _ROUTE.format(
                    imports="from ..deep.util import make", call="make"
                ),
            },
            "pkg/deep/util.py",
        ),
        # Relative import inside a package's __init__ (its package is itself).
        (
            {
                "pkg/__init__.py": _ROUTE.format(imports="from .util import make", call="make"),
                "pkg/util.py": _HELPER,
            },
            "pkg/util.py",
        ),
        # Top-level modules of a plain folder importing each other relatively.
        (
            {
                "util.py": _HELPER,
                "app.py": _ROUTE.format(imports="from .util import make", call="make"),
            },
            "util.py",
        ),
        # A module attribute reached through its package (`pkg.util.make`).
        (
            {
                "pkg/__init__.py": "from . import util\n",
                "pkg/util.py": _HELPER,
                "app.py": _ROUTE.format(imports="import pkg", call="pkg.util.make"),
            },
            "pkg/util.py",
        ),
        # A package bound by ``from ... import`` (attributes reach any module below it).
        (
            {
                "pkg/__init__.py": "",
                "pkg/deep/__init__.py": "",
                "pkg/deep/util.py": _HELPER,
                "app.py": _ROUTE.format(imports="from pkg import deep", call="deep.util.make"),
            },
            "pkg/deep/util.py",
        ),
        # A plain import of a dotted name binds the top package.
        (
            {
                "pkg/__init__.py": "",
                "pkg/deep/__init__.py": "",
                "pkg/deep/util.py": _HELPER,
                "pkg/deep/other.py": "X = 1\n",
                "app.py": _ROUTE.format(imports="import pkg.deep.other", call="pkg.deep.util.make"),
            },
            "pkg/deep/util.py",
        ),
        # A star import names nothing (here: the package's submodule it imported).
        (
            {
                "pkg/__init__.py": "from . import util\n",
                "pkg/util.py": _HELPER,
                "app.py": _ROUTE.format(imports="from pkg import *", call="util.make"),
            },
            "pkg/util.py",
        ),
        # Parenthesised names over several lines, with comments (one with a parenthesis).
        (
            {
                "pkg/__init__.py": "",
                "pkg/util.py": _HELPER + "\n\ndef other():\n    return 1\n",
                "app.py": _ROUTE.format(
                    imports="from pkg.util import (  # both (for now)\n    other,\n    make,\n)",
                    call="make",
                ),
            },
            "pkg/util.py",
        ),
    ],
    ids=[
        "absolute-deep",
        "relative-sibling",
        "relative-in-init",
        "relative-top-level",
        "attribute",
        "from-package",
        "plain-dotted",
        "star",
        "parenthesised",
    ],
)
def test_callers_reached_through_every_import_form(
    files: dict[str, str], expected_path: str, tmp_path: Path
) -> None:
    _write(tmp_path, files)
    demand = _codes(tmp_path, full=False)
    assert demand == _codes(tmp_path, full=True)
    assert [(path, code) for path, _, code in demand] == [(expected_path, "RPL002")]


def test_common_short_names_do_not_pull_in_unrelated_packages(tmp_path: Path) -> None:
    """A file that writes ``util`` but imports another package's ``util`` is not read."""
    files = {
        "pkg/__init__.py": "",
        "pkg/util.py": _HELPER,
        "app.py": _ROUTE.format(imports="from pkg.util import make", call="make"),
    }
    for index in range(30):
        files[f"other{index}/__init__.py"] = ""
        # Prose mentions, and an import of a different `util`: neither reaches pkg.util.
        files[f"other{index}/util.py"] = "# values taken from pkg util\n"
        files[f"other{index}/user.py"] = f"from other{index} import util\n\nx = util\n"
    _write(tmp_path, files)
    result = lint([tmp_path], Settings(), root=tmp_path, cwd=tmp_path)
    assert [f.code for f in result.findings] == ["RPL002"]
    assert result.files_analysed <= 4


def test_users_of_a_library_s_other_names_are_not_read(tmp_path: Path) -> None:
    """A package re-exports a Redis-backed cache beside a file cache; code that uses only the
    file cache cannot reach Redis, so neither it nor its own callers are read. Code that uses
    the Redis cache is, and its finding is there."""
    files = {
        "lib/__init__.py": (
            "from lib.redis_cache import RedisCache\nfrom lib.files import FileCache\n"
        ),
        "lib/redis_cache.py": (
            "import redis\n\n\nclass RedisCache:\n    def __init__(self):\n"
            "        self.client = redis.Redis()\n"
        ),
        "lib/files.py": "class FileCache:\n    pass\n",
        "app.py": _ROUTE.format(imports="from lib import RedisCache", call="RedisCache"),
    }
    for index in range(30):
        files[f"user{index}.py"] = (
            f"from lib import FileCache\n\n\ndef make{index}():\n    return FileCache()\n"
        )
        files[f"caller{index}.py"] = f"from user{index} import make{index}\n\nmake{index}()\n"
    _write(tmp_path, files)
    _assert_found(tmp_path, [("lib/redis_cache.py", "RPL002")], analysed_at_most=5)


def test_the_app_that_includes_a_router_is_found_for_the_fix(tmp_path: Path) -> None:
    """The handler's module registers it on a router; the app module includes that router and
    names neither Redis nor the handler. The fix needs the app (it gets the lifespan)."""
    files = {
        "app/__init__.py": "",
        "app/cache.py": (
            "import redis.asyncio as redis\nfrom fastapi import APIRouter\n\n"
            "router = APIRouter()\n\n\n@router.get('/k')\nasync def read():\n"
            "    client = redis.Redis.from_url('redis://x')\n    return await client.get('k')\n"
        ),
        "app/main.py": (
            "from fastapi import FastAPI\n\nfrom app import cache\n\n"
            "app = FastAPI()\napp.include_router(cache.router)\n"
        ),
    }
    _write(tmp_path, files)
    result = lint([tmp_path], Settings(), root=tmp_path, cwd=tmp_path, plan_fixes=True)
    assert [f.code for f in result.findings] == ["RPL002"]
    fix = result.findings[0].fix
    assert fix is not None
    assert {edit.path for edit in fix.edits} == {"app/cache.py", "app/main.py"}


def test_vendored_redis_client_source_is_knowledge_not_code(tmp_path: Path) -> None:
    """A project that holds redis-py's own source (a vendored copy, a virtualenv): the client's
    internals (a pool made inside ``from_url``) are not findings, its files are not analysed,
    and the app's own ``redis.from_url`` call is still resolved by the tool's Redis knowledge."""
    files = {
        "redis/__init__.py": "from redis.client import Redis, from_url\n",
        "redis/client.py": (
            "from redis.connection import ConnectionPool\n\n\nclass Redis:\n"
            "    @classmethod\n    def from_url(cls, url):\n"
            "        return cls(connection_pool=ConnectionPool.from_url(url))\n\n"
            "    def __init__(self, connection_pool=None):\n"
            "        self.pool = connection_pool\n\n\n"
            "def from_url(url):\n    return Redis.from_url(url)\n"
        ),
        "redis/connection.py": (
            "class ConnectionPool:\n    @classmethod\n    def from_url(cls, url):\n"
            "        return cls()\n"
        ),
        "redis/asyncio/__init__.py": "from redis.client import Redis\n",
        "app.py": _ROUTE.format(imports="import redis", call="make").replace(
            "return make(request)", "return redis.from_url('redis://x')"
        ),
    }
    _write(tmp_path, files)
    _assert_found(tmp_path, [("app.py", "RPL002")], analysed_at_most=1)


def test_vendored_framework_source_is_knowledge_not_code(tmp_path: Path) -> None:
    """A project that holds a web framework's own source (a virtualenv in the tree): the
    framework's files are not analysed (a handler of its own test app is not the project's),
    and the app's routes are still recognised by the tool's framework knowledge, not by
    following the names into the copy (``fastapi.FastAPI`` re-exported from a submodule)."""
    files = {
        "fastapi/__init__.py": (
            "from .applications import FastAPI\nfrom .routing import APIRouter\n"
        ),
        "fastapi/applications.py": "class FastAPI:\n    def get(self, path):\n        return id\n",
        "fastapi/routing.py": "class APIRouter:\n    def get(self, path):\n        return id\n",
        "fastapi/testing.py": (
            "import redis\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            "@app.get('/t')\nasync def probe():\n    return redis.from_url('redis://x')\n"
        ),
        "app.py": _ROUTE.format(imports="import redis", call="make").replace(
            "return make(request)", "return redis.from_url('redis://x')"
        ),
    }
    _write(tmp_path, files)
    _assert_found(tmp_path, [("app.py", "RPL002")], analysed_at_most=1)


def test_plain_folder_named_like_a_framework_holds_project_code(tmp_path: Path) -> None:
    """A repository that keeps its service in a plain folder named like the framework
    (``fastapi/app/...``, no ``fastapi/__init__.py``; the app imports ``app.deps``) is the
    project's code, not the framework's source: its modules are named without that folder,
    and their per-request clients are found (the whole app was skipped)."""
    files = {
        "fastapi/app/deps.py": (
            "import redis.asyncio\n\n\nasync def get_redis():\n"
            "    return redis.asyncio.from_url('redis://x')\n"
        ),
        "fastapi/app/main.py": (
            "from fastapi import Depends, FastAPI\n\nfrom app.deps import get_redis\n\n"
            "app = FastAPI()\n\n\n@app.get('/k')\n"
            "async def read(client=Depends(get_redis)):\n    return await client.get('k')\n"
        ),
    }
    _write(tmp_path, files)
    _assert_found(tmp_path, [("fastapi/app/deps.py", "RPL002")], analysed_at_most=2)
    result = lint([tmp_path / "fastapi/app/deps.py"], Settings(), root=tmp_path, cwd=tmp_path)
    assert [f.message.rsplit("(", 1)[-1] for f in result.findings] == [
        "GET /k, fastapi/app/main.py:9)"
    ]


_ALIASED = {
    "app/__init__.py": "",
    "app/clients.py": "import redis.asyncio\n\nClient = redis.asyncio.Redis\nrouter_name = 'x'\n",
    "app/helpers.py": "def shout(text):\n    return text.upper()\n",
    "app/deps.py": (
        "import redis.asyncio\n\n\nasync def get_redis():\n"
        "    return redis.asyncio.from_url('redis://x')\n"
    ),
    "app/plain.py": (
        "from fastapi import APIRouter, Depends\n\nfrom app.deps import get_redis\n"
        "from app.helpers import shout\n\nrouter = APIRouter()\n\n\n@router.get('/p')\n"
        "async def plain(client=Depends(get_redis)):\n    return shout(await client.get('k'))\n"
    ),
    "app/aliased.py": (
        "from fastapi import APIRouter\n\nfrom app.clients import Client\n\n"
        "router = APIRouter()\n\n\n@router.get('/a')\nasync def aliased():\n"
        "    return await Client(host='x').get('k')\n"
    ),
}


@pytest.mark.parametrize(
    ("named", "expected", "analysed_at_most"),
    [
        # Uses the Redis dependency, but has no constructor, close or `with` of its own: the
        # rest of the project is not analysed (pre-commit on an unrelated change stays fast).
        ("app/plain.py", [], 3),
        # `Client` is an alias of a Redis class, bound in another module: analysed, found.
        ("app/aliased.py", [("app/aliased.py", "RPL002")], 99),
        # The dependency itself, named alone: found (its caller is in another file).
        ("app/deps.py", [("app/deps.py", "RPL002")], 99),
    ],
)
def test_named_files_that_cannot_hold_findings(
    named: str, expected: list[tuple[str, str]], analysed_at_most: int, tmp_path: Path
) -> None:
    _write(tmp_path, _ALIASED)
    paths = [tmp_path / named]
    demand = lint(paths, Settings(), root=tmp_path, cwd=tmp_path)
    full = lint(paths, Settings(), root=tmp_path, cwd=tmp_path, full=True)
    keys = sorted((f.path, f.code) for f in demand.findings)
    assert keys == sorted((f.path, f.code) for f in full.findings) == expected
    assert demand.files_analysed <= analysed_at_most


def test_shared_state_files_are_those_of_redis_objects(tmp_path: Path) -> None:
    """Files that use app state are read when Redis code stores a Redis object under that
    name (a handler closing it per request is a finding), not when it stores a plain value."""
    files = {
        "app/__init__.py": "",
        "app/main.py": (
            "from contextlib import asynccontextmanager\n\nimport redis.asyncio as redis\n"
            "from fastapi import FastAPI, Request\n\nfrom app import routes\n\n\n"
            "@asynccontextmanager\nasync def lifespan(app):\n"
            "    client = redis.Redis.from_url('redis://x')\n    app.state.redis = client\n"
            "    yield\n    await client.aclose()\n\n\napp = FastAPI(lifespan=lifespan)\n"
            "app.include_router(routes.router)\n\n\n@app.get('/tagged')\n"
            "async def tagged(request: Request, tag: str):\n    request.state.tag = tag\n"
            "    return await request.app.state.redis.get(tag)\n"
        ),
        "app/routes.py": (
            "from fastapi import APIRouter, Request\n\nrouter = APIRouter()\n\n\n"
            "@router.get('/bye')\nasync def bye(request: Request):\n"
            "    await request.app.state.redis.aclose()\n"
        ),
    }
    for index in range(30):
        files[f"app/other{index}.py"] = (
            f"def note{index}(request):\n    request.state.tag = 'x'\n"
            "    return request.state.tag\n"
        )
    _write(tmp_path, files)
    _assert_found(tmp_path, [("app/routes.py", "RPL005")], analysed_at_most=5)
