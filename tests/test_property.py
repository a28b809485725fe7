"""Random valid programs (hypothesmith) never crash the linter, and ``--fix`` never changes them.

Each program is linted as the only module of a project, once as generated and once with an
``import redis`` appended: a program that names no Redis package is not even parsed, so the second
form is what drives it through the whole analysis (parser, extractor, project model, rules,
suppressions, the fix planner). Both analyses (demand-driven and full) must agree.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, example, given, settings

from redispool_lint.config import Settings
from redispool_lint.engine import lint
from redispool_lint.fix import fix_project
from redispool_lint.fix.cst_tools import _slice_statements, _trailing_newline


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


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # (hypothesmith compiles random code)
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


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # (hypothesmith compiles random code)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_grammar())
@example(source="A\n\n ")  # (a blank line, then a space at the end: LibCST drops the blank line)
def test_statement_texts_cut_from_random_programs(source: str) -> None:
    """The fix planner splices top-level statements' texts cut from the file where the standard
    parser places them: on any program both parsers accept, the cut is refused, or its pieces
    add up to the file and are what LibCST generates for each statement (where LibCST's own
    pieces add up to the file: it does not round-trip every odd file exactly)."""
    try:
        ast.parse(source)
        module = cst.parse_module(source)
    except (SyntaxError, ValueError, RecursionError, cst.ParserSyntaxError):
        return
    sliced = _slice_statements(module, source)
    header = "".join(module.code_for_node(line) for line in module.header)
    generated = {s: module.code_for_node(s) for s in module.body}
    footer = "".join(module.code_for_node(line) for line in module.footer)
    if sliced is None:
        return
    # The pieces always add up to the file; where LibCST's own pieces do too (it round-trips
    # the file), they are LibCST's.
    assert _trailing_newline(module, sliced[0] + "".join(sliced[1].values()) + footer) == source
    if _trailing_newline(module, header + "".join(generated.values()) + footer) == source:
        assert sliced == (header, generated)
