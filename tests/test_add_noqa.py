"""Adoption: ``--add-noqa`` suppresses every current finding so a legacy project runs clean today;
RPL100 then reports suppressions made obsolete by fixes; ``--ignore-noqa`` shows everything."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from redispool_lint.rules import ALL_RULES, Rule

from .helpers import actual_markers, lint_folder, write_files
from .output_helpers import PROJECTS, copy_project, run_cli

ADDED = re.compile(r"Added (\d+) noqa directives? to (\d+) file")

HANDLERS = '''\
from fastapi import FastAPI
from redis.asyncio import Redis

app = FastAPI()


@app.get("/a")
async def a():
    client = Redis.from_url("redis://")  # noqa: E501
    return await client.get("a")


@app.get("/b")
async def b():
    client = Redis.from_url("redis://")  # keep this comment
    return await client.get("b")


@app.get("/c")
async def c():
    client = Redis.from_url("""redis://
localhost""")
    return await client.get("c")


@app.get("/d")
async def d():
    client = Redis.from_url("redis://" \\
        "localhost")
    return await client.get("d")


@app.get("/e")
async def e():
    value = f"""{await Redis.from_url(
"redis://").get("e")}
"""
    return value
'''


def _added(stderr: str) -> tuple[int, int]:
    match = ADDED.search(stderr)
    assert match, stderr
    return int(match.group(1)), int(match.group(2))


@pytest.mark.parametrize("source", PROJECTS, ids=lambda p: p.name)
def test_legacy_project_adopts_in_one_command(source: Path, tmp_path: Path) -> None:
    folder = copy_project(source, tmp_path / source.name)
    before = lint_folder(folder)
    suppressible = [f for f in before.findings if f.code != "RPL999"]

    run = run_cli(["--add-noqa", "."], folder)
    assert run.exit_code == 0, run.stderr
    added, _ = _added(run.stderr)
    assert added == len({(f.path, f.noqa_row, f.code) for f in suppressible})
    for path in folder.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"))

    clean = run_cli(["."], folder)
    assert clean.exit_code == 0, clean.stdout
    assert "All checks passed!" in clean.stdout
    # Comments only were added: with suppressions ignored, the very same findings are back.
    assert actual_markers(lint_folder(folder)) == set()
    shown = run_cli(["--ignore-noqa", "--format", "concise", "."], folder)
    assert shown.exit_code == (1 if before.findings else 0)
    rows = {line.split(" ")[0] + line.split(" ")[1] for line in shown.stdout.splitlines()[:-1]}
    assert rows == {f"{f.path}:{f.start.row}:{f.start.column}:{f.code}" for f in before.findings}

    # Adding again adds nothing and changes nothing.
    texts = {p: p.read_bytes() for p in folder.rglob("*.py")}
    again = run_cli(["--add-noqa", "."], folder)
    assert _added(again.stderr)[0] == 0
    assert {p: p.read_bytes() for p in folder.rglob("*.py")} == texts


def test_comments_kept_foreign_codes_kept_never_inside_a_string(project: Path) -> None:
    app = project / "app.py"
    app.write_text(HANDLERS, encoding="utf-8")
    findings = lint_folder(project).findings
    assert [(f.code, f.start.row) for f in findings] == [
        ("RPL002", 9),
        ("RPL002", 15),
        ("RPL002", 21),
        ("RPL002", 28),
        ("RPL002", 35),
    ]
    run = run_cli(["--add-noqa", "."], project)
    assert _added(run.stderr) == (5, 1)
    lines = app.read_text(encoding="utf-8").splitlines()
    assert lines[8] == '    client = Redis.from_url("redis://")  # noqa: E501, RPL002'
    assert (
        lines[14] == '    client = Redis.from_url("redis://")  # keep this comment  # noqa: RPL002'
    )
    # Row 21 ends inside a string; row 28 with a backslash: the comment goes where it can.
    assert lines[20] == '    client = Redis.from_url("""redis://'
    assert lines[21] == 'localhost""")  # noqa: RPL002'
    assert lines[27] == '    client = Redis.from_url("redis://" \\'
    assert lines[28] == '        "localhost")  # noqa: RPL002'
    # Inside an f-string's replacement field, then the string's end.
    assert lines[34:37] == [
        '    value = f"""{await Redis.from_url(',
        '"redis://").get("e")}',
        '"""  # noqa: RPL002',
    ]
    # The strings' values did not change.
    assert ast.dump(ast.parse(app.read_text(encoding="utf-8"))) == ast.dump(ast.parse(HANDLERS))
    assert run_cli(["."], project).exit_code == 0


def test_rpl100_reports_what_fixes_made_obsolete(project: Path) -> None:
    app = project / "app.py"
    app.write_text(HANDLERS, encoding="utf-8")
    assert run_cli(["--add-noqa", "."], project).exit_code == 0
    # A developer fixes handler b by hand; its suppression now suppresses nothing.
    text = app.read_text(encoding="utf-8")
    text = text.replace(
        '    client = Redis.from_url("redis://")  # keep this comment  # noqa: RPL002\n'
        '    return await client.get("b")',
        '    return await app.state.redis.get("b")  # keep this comment  # noqa: RPL002',
    )
    app.write_text(text, encoding="utf-8")
    run = run_cli(["--format", "concise", "."], project)
    assert run.exit_code == 1
    [finding] = run.stdout.splitlines()[:-1]
    assert finding.startswith("app.py:15:") and "RPL100" in finding
    assert run_cli(["--fix", "."], project).exit_code == 0
    assert (
        app.read_text(encoding="utf-8").splitlines()[14]
        == '    return await app.state.redis.get("b")  # keep this comment'
    )
    assert run_cli(["."], project).exit_code == 0


def test_unused_suppressions_are_suppressed_not_duplicated(project: Path) -> None:
    # A line whose RPL002 suppression is already unused: --add-noqa adds RPL100 next to it.
    app = project / "app.py"
    app.write_text("import redis\n\nclient = redis.Redis()  # noqa: RPL002\n", encoding="utf-8")
    assert run_cli(["."], project).exit_code == 1
    assert run_cli(["--add-noqa", "."], project).exit_code == 0
    assert app.read_text(encoding="utf-8").splitlines()[2].endswith("# noqa: RPL002, RPL100")
    assert run_cli(["."], project).exit_code == 0


def test_line_endings_and_encoding_are_kept(project: Path) -> None:
    source = "# -*- coding: latin-1 -*-\r\n" + HANDLERS.replace("\n", "\r\n").replace(
        "# keep this comment", "# caf\u00e9"
    )
    app = project / "app.py"
    app.write_bytes(source.encode("latin-1"))
    assert run_cli(["--add-noqa", "."], project).exit_code == 0
    data = app.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert "# caf\u00e9  # noqa: RPL002".encode("latin-1") in data
    assert run_cli(["."], project).exit_code == 0


def test_old_mac_line_ends_and_form_feeds(project: Path) -> None:
    """Rows as Python counts them: ``\\r`` ends a line, a form feed does not."""
    source = HANDLERS.replace("\nasync def", "\n\x0casync def").replace("\n", "\r")
    app = project / "app.py"
    app.write_bytes(source.encode())
    run = run_cli(["--add-noqa", "."], project)
    assert _added(run.stderr) == (5, 1)
    data = app.read_bytes()
    assert b"\n" not in data
    lines = data.decode().split("\r")
    assert lines[8] == '    client = Redis.from_url("redis://")  # noqa: E501, RPL002'
    assert lines[21] == 'localhost""")  # noqa: RPL002'
    assert lines[28] == '        "localhost")  # noqa: RPL002'
    assert lines[36] == '"""  # noqa: RPL002'
    assert ast.dump(ast.parse(data)) == ast.dump(ast.parse(HANDLERS))
    assert run_cli(["."], project).exit_code == 0


def test_ignore_noqa_shows_everything(project: Path) -> None:
    app = project / "app.py"
    app.write_text(HANDLERS.replace("# noqa: E501", "# noqa"), encoding="utf-8")
    assert len(lint_folder(project).findings) == 4
    run = run_cli(["--ignore-noqa", "--format", "concise", "."], project)
    assert len(run.stdout.splitlines()) == 6  # five findings and the summary
    app.write_text("# redispool-lint: noqa\n" + HANDLERS, encoding="utf-8")
    assert run_cli(["."], project).exit_code == 0
    run = run_cli(["--ignore-noqa", "--format", "concise", "."], project)
    assert run.exit_code == 1 and "Found 5 errors" in run.stdout


def test_add_noqa_refuses_to_mix_with_fix(project: Path) -> None:
    (project / "app.py").write_text(HANDLERS, encoding="utf-8")
    run = run_cli(["--add-noqa", "--fix", "."], project)
    assert run.exit_code == 2
    assert "--add-noqa cannot be combined" in run.stderr
    assert (project / "app.py").read_text(encoding="utf-8") == HANDLERS


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_example_can_be_adopted(rule: type[Rule], project: Path) -> None:
    """Each rule's own Example (its real trigger), with every rule enabled: one command, clean."""
    write_files(project, rule.example)
    args = ["--extend-select", rule.code]
    before = run_cli(["--format", "concise", *args, "."], project)
    assert before.exit_code == 1
    run = run_cli(["--add-noqa", *args, "."], project)
    if rule.code == "RPL999":
        # A file that does not parse has no lines to comment: said, not silently skipped.
        assert run.exit_code == 1 and "not suppressible" in run.stderr
        return
    assert run.exit_code == 0, run.stderr
    assert _added(run.stderr)[0] >= 1
    after = run_cli([*args, "."], project)
    assert after.exit_code == 0, after.stdout
    if rule.code != "RPL100":  # with suppressions ignored there are no unused ones to report
        shown = run_cli(["--ignore-noqa", "--format", "concise", *args, "."], project)
        assert shown.stdout == before.stdout
