"""Random valid programs (hypothesmith) never crash the linter, and ``--fix`` never changes them.

Each program is linted as the only module of a project, once as generated and once with an
``import redis`` appended: a program that names no Redis package is not even parsed, so the second
form is what drives it through the whole analysis (parser, extractor, project model, rules,
suppressions, the fix planner). Both analyses (demand-driven and full) must agree.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings

from redispool_lint.config import Settings
from redispool_lint.engine import lint
from redispool_lint.fix import fix_project


def _check(source: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pyproject.toml").write_text("", encoding="utf-8")
        path = root / "module.py"
        data = source.encode("utf-8", "surrogatepass")
        path.write_bytes(data)
        lint_settings = Settings(extend_select=["RPL009"])
        demand = lint([root], lint_settings, root=root, cwd=root)
        full = lint([root], lint_settings, root=root, cwd=root, full=True)
        assert [f.sort_key for f in demand.findings] == [f.sort_key for f in full.findings]
        # Random code has no web app and no Redis client: at most a syntax error of ours to
        # report (hypothesmith's grammar is a little wider than CPython's parser).
        assert {f.code for f in demand.findings} <= {"RPL999"}, demand.findings
        outcome = fix_project([root], lint_settings, unsafe=True, cwd=root)
        assert outcome.changes == {}
        assert path.read_bytes() == data


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_grammar())
def test_random_programs_never_crash(source: str) -> None:
    _check(source)
    _check(source.rstrip("\\") + "\nimport redis\n")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_node())
def test_random_syntax_trees_never_crash(source: str) -> None:
    _check("import redis.asyncio as redis\n" + source)
