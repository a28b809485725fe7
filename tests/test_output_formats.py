"""Every output format, checked against the rules of what consumes it.

- SARIF: the OASIS 2.1.0 schema (jsonschema), and a SARIF consumer's reading of rules, locations
  and fixes (applying a result's ``fixes`` gives what ``--fix`` writes).
- GitHub: the Actions runner's own parsing of workflow commands (``ActionCommand.TryParseV2``).
- GitLab: Code Quality's required fields, and fingerprints that survive runs and line moves.
- JUnit: ``xml.etree`` parses it; a case per linted file, a failure per finding.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema
import pytest

from redispool_lint.config import Settings, find_config, load_config
from redispool_lint.diagnostics import Finding, Position
from redispool_lint.engine import lint
from redispool_lint.output import FORMATS, Report, Style
from redispool_lint.rules import ALL_RULES, RULES_BY_CODE

from .helpers import lint_folder
from .output_helpers import PROJECTS, copy_project, run_cli

#: The OASIS SARIF 2.1.0 JSON schema (a copy: the tests run offline).
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

UNUSED_NOQA_APP = """\
import redis

client = redis.Redis()  # noqa: RPL002, E501
"""


def planned_findings(folder: Path) -> list[Finding]:
    """The findings with their fixes planned, as the CLI computes them for the formats that show
    fixes (json, sarif): the RPL001 rewrite is planned by the fix machinery, not by the rule."""
    config = find_config(folder)
    settings = load_config(config) if config and config.parent == folder else Settings()
    result = lint([folder], settings, root=folder, cwd=folder, keep_sources=True, plan_fixes=True)
    return result.findings


@pytest.fixture(params=PROJECTS, ids=lambda p: p.name)
def fixture_project(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return copy_project(request.param, tmp_path / request.param.name)


# --- SARIF -------------------------------------------------------------------------------------


def _sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


def _artifact_path(log: dict[str, Any], location: dict[str, Any]) -> Path:
    """Resolve an artifactLocation the way a SARIF consumer does (uriBaseId -> base URI)."""
    uri = location["uri"]
    base_id = location.get("uriBaseId")
    if base_id is not None:
        base = log["runs"][0]["originalUriBaseIds"][base_id]["uri"]
        assert base.endswith("/"), "a base URI must end with a slash (SARIF 3.14.14)"
        uri = base + uri
    parsed = urlparse(uri)
    assert parsed.scheme == "file"
    return Path(unquote(parsed.path))


def test_sarif_valid_for_every_fixture_project(fixture_project: Path) -> None:
    run = run_cli(["--format", "sarif", "."], fixture_project)
    assert run.exit_code in (0, 1), run.stderr
    log = json.loads(run.stdout)
    errors = sorted(_sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    findings = planned_findings(fixture_project)
    sarif_run = log["runs"][0]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [rule.code for rule in ALL_RULES]
    results = sarif_run["results"]
    assert len(results) == len(findings)
    for result, finding in zip(results, findings):
        assert result["ruleId"] == finding.code
        assert rules[result["ruleIndex"]]["id"] == finding.code
        assert result["message"]["text"] == finding.message
        physical = result["locations"][0]["physicalLocation"]
        assert (
            _artifact_path(log, physical["artifactLocation"])
            == (fixture_project / finding.path).resolve()
        )
        region = physical["region"]
        assert (region["startLine"], region["startColumn"]) == (
            finding.start.row,
            finding.start.column,
        )
        assert (region["endLine"], region["endColumn"]) == (finding.end.row, finding.end.column)
        assert ("fixes" in result) == (finding.fix is not None)
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                assert _artifact_path(log, change["artifactLocation"]).is_file()


def test_sarif_rules_carry_their_docs_and_links() -> None:
    log = json.loads(FORMATS["sarif"](Report(findings=[]), Style(False)))
    for entry in log["runs"][0]["tool"]["driver"]["rules"]:
        rule = RULES_BY_CODE[entry["id"]]
        assert entry["name"] == rule.name
        assert entry["help"]["markdown"] == rule.docs()
        assert entry["help"]["text"] == rule.docs()
        assert entry["helpUri"] == rule.url()
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["defaultConfiguration"]["enabled"] is (not rule.opt_in)


def _apply_sarif_fix(log: dict[str, Any], fix: dict[str, Any]) -> dict[Path, str]:
    """What a SARIF consumer (an IDE's "apply fix") does with a result's fix."""
    out: dict[Path, str] = {}
    for change in fix["artifactChanges"]:
        path = _artifact_path(log, change["artifactLocation"])
        text = path.read_text(encoding="utf-8")
        starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                starts.append(index + 1)

        def offset(line: int, column: int, starts: list[int] = starts) -> int:
            return starts[line - 1] + column - 1

        replacements = sorted(
            change["replacements"],
            key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
            reverse=True,
        )
        for replacement in replacements:
            region = replacement["deletedRegion"]
            start = offset(region["startLine"], region["startColumn"])
            end = offset(region["endLine"], region["endColumn"])
            text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
        out[path] = text
    return out


def test_sarif_fix_applied_by_a_consumer_equals_what_fix_writes(project: Path) -> None:
    app = project / "app.py"
    app.write_text(UNUSED_NOQA_APP, encoding="utf-8")
    log = json.loads(run_cli(["--format", "sarif", "."], project).stdout)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "RPL100"
    [fix] = result["fixes"]
    applied = _apply_sarif_fix(log, fix)

    assert run_cli(["--fix", "."], project).exit_code == 0
    assert applied == {app.resolve(): app.read_text(encoding="utf-8")}
    assert "# noqa: E501" in app.read_text(encoding="utf-8")


def test_sarif_reports_unreadable_files_as_notifications(project: Path) -> None:
    (project / "bad.py").write_bytes(b"x = '\xff\xfe'\n")
    run = run_cli(["--format", "sarif", "."], project)
    assert run.exit_code == 2
    log = json.loads(run.stdout)
    assert not list(_sarif_validator().iter_errors(log))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    location = note["locations"][0]["physicalLocation"]["artifactLocation"]
    assert _artifact_path(log, location) == (project / "bad.py").resolve()


# --- GitHub Actions -----------------------------------------------------------------------------


def _unescape_property(value: str) -> str:
    # actions/runner ActionCommand.UnescapeProperty: %25 last, so "%253A" stays "%3A".
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, char)
    return value


def _unescape_data(value: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        value = value.replace(escaped, char)
    return value


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """A port of the Actions runner's ``ActionCommand.TryParseV2``."""
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    command, _, properties_text = info.partition(" ")
    properties: dict[str, str] = {}
    for item in properties_text.strip().split(","):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if sep:
            properties[key] = _unescape_property(value)
    return command, properties, _unescape_data(line[end + 2 :])


def test_github_commands_as_the_runner_reads_them(fixture_project: Path) -> None:
    run = run_cli(["--format", "github", "."], fixture_project)
    findings = lint_folder(fixture_project).findings
    lines = run.stdout.splitlines()
    assert len(lines) == len(findings)
    for line, finding in zip(lines, findings):
        parsed = parse_workflow_command(line)
        assert parsed is not None, line
        command, properties, message = parsed
        assert command == "error"
        assert properties == {
            "file": finding.path,
            "line": str(finding.start.row),
            "col": str(finding.start.column),
            "endLine": str(finding.end.row),
            "endColumn": str(finding.end.column),
            "title": finding.code,
        }
        assert message == f"{finding.code} {finding.message}"


def test_github_escapes_what_the_runner_would_split_on() -> None:
    nasty_path = "src/we:ird,50%/app.py"
    nasty_message = "line one\nline two: 100% done, really\r"
    finding = Finding("RPL001", nasty_message, nasty_path, Position(3, 4), Position(3, 9), 3)
    text = FORMATS["github"](Report(findings=[finding]), Style(False))
    assert text.count("\n") == 1, "a newline in a message must not end the command"
    parsed = parse_workflow_command(text.rstrip("\n"))
    assert parsed is not None
    _, properties, message = parsed
    assert properties["file"] == nasty_path
    assert properties["line"] == "3" and properties["endColumn"] == "9"
    assert message == f"RPL001 {nasty_message}"


# --- GitLab Code Quality ------------------------------------------------------------------------

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}

#: GitLab's Code Quality report (docs.gitlab.com/ee/ci/testing/code_quality.html: required
#: fields) and the Code Climate issue spec it is a subset of (types, categories).
GITLAB_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "type": {"const": "issue"},
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": sorted(GITLAB_SEVERITIES)},
            "categories": {
                "type": "array",
                "items": {
                    "enum": [
                        "Bug Risk",
                        "Clarity",
                        "Compatibility",
                        "Complexity",
                        "Duplication",
                        "Performance",
                        "Security",
                        "Style",
                    ]
                },
            },
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {"type": "integer", "minimum": 1},
                            "end": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            },
        },
    },
}


def _gitlab(folder: Path) -> list[dict[str, Any]]:
    run = run_cli(["--format", "gitlab", "."], folder)
    assert run.exit_code in (0, 1), run.stderr
    issues: list[dict[str, Any]] = json.loads(run.stdout)
    return issues


def test_gitlab_code_quality_fields(fixture_project: Path) -> None:
    issues = _gitlab(fixture_project)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    findings = lint_folder(fixture_project).findings
    assert len(issues) == len(findings)
    for issue, finding in zip(issues, findings):
        # The fields GitLab requires of a Code Quality report entry.
        assert isinstance(issue["description"], str) and finding.message in issue["description"]
        assert issue["check_name"] == finding.code
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["location"]["path"] == finding.path
        assert issue["location"]["lines"]["begin"] == finding.start.row
        assert (fixture_project / issue["location"]["path"]).is_file()
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints), "GitLab drops issues with equal prints"


def test_gitlab_fingerprints_stable_across_runs_and_line_moves(fixture_project: Path) -> None:
    first = _gitlab(fixture_project)
    assert _gitlab(fixture_project) == first
    # Move every finding down: new lines at the top of each file with findings.
    for path in {issue["location"]["path"] for issue in first}:
        file = fixture_project / path
        file.write_text("# moved\n\n\n" + file.read_text(encoding="utf-8"), encoding="utf-8")
    moved = _gitlab(fixture_project)
    assert [i["location"]["lines"]["begin"] for i in moved] == [
        i["location"]["lines"]["begin"] + 3 for i in first
    ]
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in first]


def test_gitlab_fingerprint_distinguishes_identical_lines_and_changes(project: Path) -> None:
    handler = """\
from fastapi import FastAPI
from redis.asyncio import Redis

app = FastAPI()


@app.get("/a")
async def a():
    client = Redis.from_url("redis://")
    return await client.get("a")


@app.get("/b")
async def b():
    client = Redis.from_url("redis://")
    return await client.get("b")
"""
    (project / "app.py").write_text(handler, encoding="utf-8")
    issues = _gitlab(project)
    assert [i["check_name"] for i in issues] == ["RPL002", "RPL002"]
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    # The same line twice in one function: still two distinct fingerprints.
    twice = handler.replace(
        '    return await client.get("b")', '    client = Redis.from_url("redis://")\n    return 1'
    )
    (project / "app.py").write_text(twice, encoding="utf-8")
    assert len({i["fingerprint"] for i in _gitlab(project)}) == 3
    changed = handler.replace('Redis.from_url("redis://")', 'Redis.from_url("redis://x")', 1)
    (project / "app.py").write_text(changed, encoding="utf-8")
    after = _gitlab(project)
    # The edited line is a new finding to GitLab; the other one, in another function, is still
    # the same finding.
    assert after[0]["fingerprint"] not in {i["fingerprint"] for i in issues}
    assert after[1]["fingerprint"] == issues[1]["fingerprint"]


# --- JUnit --------------------------------------------------------------------------------------


def test_junit_one_case_per_file_and_a_failure_per_finding(fixture_project: Path) -> None:
    run = run_cli(["--format", "junit", "."], fixture_project)
    root = ET.fromstring(run.stdout)
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    linted = {p.relative_to(fixture_project).as_posix() for p in fixture_project.rglob("*.py")}
    assert set(cases) == linted
    findings = lint_folder(fixture_project).findings
    for path, case in cases.items():
        expected = [f for f in findings if f.path == path]
        failures = case.findall("failure")
        assert [(f.get("type"), f.get("message")) for f in failures] == [
            (f.code, f.message) for f in expected
        ]
        for failure, finding in zip(failures, expected):
            assert (failure.text or "").startswith(
                f"{finding.path}:{finding.start.row}:{finding.start.column}: {finding.code}"
            )
    for element in (root, suite):
        assert element.get("tests") == str(len(linted))
        assert element.get("failures") == str(len(findings))
        assert element.get("errors") == "0"


def test_junit_survives_characters_xml_cannot_hold() -> None:
    message = 'bad <chars> & "quotes" \x0c\x00 here'
    finding = Finding("RPL002", message, "a&b.py", Position(1, 1), Position(1, 2), 1)
    text = FORMATS["junit"](Report(findings=[finding], files=["a&b.py", "ok.py"]), Style(False))
    root = ET.fromstring(text)
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["a&b.py", "ok.py"]
    [failure] = cases[0].findall("failure")
    assert failure.get("message") == 'bad <chars> & "quotes" \ufffd\ufffd here'
    assert cases[1].findall("failure") == []


# --- ruff-compatible JSON, statistics, output files, several formats in one run ------------------

RUFF_JSON_KEYS = {
    "cell",
    "code",
    "end_location",
    "filename",
    "fix",
    "location",
    "message",
    "noqa_row",
    "url",
}


def test_json_uses_ruffs_field_names(project: Path) -> None:
    (project / "app.py").write_text(UNUSED_NOQA_APP, encoding="utf-8")
    [item] = json.loads(run_cli(["--format", "json", "."], project).stdout)
    assert set(item) == RUFF_JSON_KEYS
    assert item["code"] == "RPL100"
    assert item["filename"] == "app.py"
    assert item["location"] == {"row": 3, "column": 25}
    assert item["noqa_row"] == 3
    assert item["url"] == RULES_BY_CODE["RPL100"].url()
    assert item["fix"]["applicability"] == "safe"
    [edit] = item["fix"]["edits"]
    assert {"content", "location", "end_location"} <= set(edit)
    line = UNUSED_NOQA_APP.splitlines()[2]
    start, end = edit["location"]["column"] - 1, edit["end_location"]["column"] - 1
    assert line[:start] + edit["content"] + line[end:] == "client = redis.Redis()  # noqa: E501"


def test_statistics_counts_per_code(fixture_project: Path) -> None:
    findings = lint_folder(fixture_project).findings
    run = run_cli(["--statistics", "."], fixture_project)
    counts = {}
    for line in run.stdout.splitlines():
        count, code, *_ = line.split("\t")
        counts[code] = int(count)
    expected: dict[str, int] = {}
    for finding in findings:
        expected[finding.code] = expected.get(finding.code, 0) + 1
    assert counts == expected


def test_output_file_gets_the_terminal_format_without_colour(project: Path) -> None:
    (project / "app.py").write_text(UNUSED_NOQA_APP, encoding="utf-8")
    run = run_cli(["--color", "always", "--output-file", "out/report.txt", "."], project)
    assert run.exit_code == 1
    assert run.stdout == ""
    text = (project / "out" / "report.txt").read_text(encoding="utf-8")
    assert "\x1b[" not in text
    assert text.startswith("app.py:3:25: RPL100 ")
    assert "Found 1 error (1 fixable with --fix)." in text


def test_full_format_shows_the_python_line_of_the_finding(project: Path) -> None:
    """The row as Python counts it (a form feed ends no line), with a form feed shown as a space:
    a terminal would move the cursor at it, and the caret would point elsewhere."""
    line = "\x0cclient = redis.Redis()  # noqa: RPL002"
    (project / "app.py").write_text(f"import redis\n\x0c\n{line}\n", encoding="utf-8")
    run = run_cli(["--format", "full", "."], project)
    assert run.exit_code == 1
    out = run.stdout.splitlines()
    assert out[0].startswith("app.py:3:26: RPL100 ")
    shown, caret = out[2], out[3]
    assert shown == "3 |  client = redis.Redis()  # noqa: RPL002"
    assert caret.index("^") == shown.index("# noqa")


def test_several_formats_in_one_run(fixture_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import redispool_lint.cli as cli

    calls = []
    real_lint = cli.lint

    def counting_lint(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real_lint(*args, **kwargs)

    monkeypatch.setattr(cli, "lint", counting_lint)
    args = ["--output-format", "sarif=out/r.sarif", "--format", "junit=out/j.xml"]
    run = run_cli(
        ["--format", "concise", *args, "--output-format", "gitlab=g.json", "."], fixture_project
    )
    assert len(calls) == 1, "one analysis feeds every format"
    alone = run_cli(["--format", "concise", "."], fixture_project).stdout
    # Both runs plan fixes (the terminal run too, since it has fixable findings): same text.
    assert run.stdout == alone
    for fmt, file in (("sarif", "out/r.sarif"), ("junit", "out/j.xml"), ("gitlab", "g.json")):
        alone = run_cli(["--format", fmt, "."], fixture_project).stdout
        assert (fixture_project / file).read_text(encoding="utf-8") == alone, fmt


def test_format_errors_are_usage_errors(project: Path) -> None:
    run = run_cli(["--format", "sariff", "."], project)
    assert run.exit_code == 2
    assert "did you mean `sarif`" in run.stderr
    run = run_cli(["--format", "full", "--format", "json", "."], project)
    assert run.exit_code == 2
    assert "only one format can go to the terminal" in run.stderr
    assert run_cli(["--format", "sarif=", "."], project).exit_code == 2


def test_sarif_fix_spanning_files(project: Path) -> None:
    """A fix that also edits the module holding the lifespan: one artifactChange per file."""
    from redispool_lint.diagnostics import Applicability, Edit, Fix

    (project / "app").mkdir()
    (project / "app" / "main.py").write_text("async def lifespan(app):\n    yield\n")
    (project / "app" / "items.py").write_text("client = make()\n")
    fix = Fix(
        Applicability.UNSAFE,
        "Use the lifespan's client",
        (
            Edit("app/items.py", Position(1, 10), Position(1, 16), "app.state.redis"),
            Edit("app/main.py", Position(2, 5), Position(2, 5), "app.state.redis = make()\n    "),
        ),
    )
    finding = Finding("RPL002", "m", "app/items.py", Position(1, 10), Position(1, 16), 1, fix)
    report = Report(findings=[finding], files=["app/items.py", "app/main.py"], root=project)
    log = json.loads(FORMATS["sarif"](report, Style(False)))
    assert not list(_sarif_validator().iter_errors(log))
    [sarif_fix] = log["runs"][0]["results"][0]["fixes"]
    assert "unsafe" in sarif_fix["description"]["text"]
    applied = _apply_sarif_fix(log, sarif_fix)
    assert applied == {
        (project / "app" / "items.py").resolve(): "client = app.state.redis\n",
        (project / "app" / "main.py").resolve(): (
            "async def lifespan(app):\n    app.state.redis = make()\n    yield\n"
        ),
    }


def test_github_reports_unreadable_files(project: Path) -> None:
    (project / "bad.py").write_bytes(b"x = '\xff'\n")
    run = run_cli(["--format", "github", "."], project)
    assert run.exit_code == 2
    [line] = run.stdout.splitlines()
    parsed = parse_workflow_command(line)
    assert parsed is not None
    command, properties, message = parsed
    assert (command, properties["file"]) == ("error", "bad.py")
    assert "encoding" in message


SPLIT_MAIN = """\
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from fastapi import FastAPI

from app.routers import items


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = aioredis.ConnectionPool.from_url("redis://localhost")
    yield
    await app.state.pool.aclose()


app = FastAPI(lifespan=lifespan)
app.add_api_route("/items/{key}", items.read_item)
"""

SPLIT_ITEMS = """\
from fastapi import Request
from redis.asyncio import Redis


async def read_item(key: str, request: Request):
    async with Redis.from_pool(request.app.state.pool) as client:
        return await client.get(key)
"""


def test_sarif_carries_the_rpl001_rewrite_across_modules(project: Path) -> None:
    """The lifespan-owned client rewrite edits the router and the module holding the lifespan;
    its SARIF fix, applied by a consumer, fixes the finding the way --fix does."""
    (project / "app" / "routers").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "routers" / "__init__.py").write_text("")
    (project / "app" / "main.py").write_text(SPLIT_MAIN)
    (project / "app" / "routers" / "items.py").write_text(SPLIT_ITEMS)
    log = json.loads(run_cli(["--format", "sarif", "."], project).stdout)
    assert not list(_sarif_validator().iter_errors(log))
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "RPL001"
    if "fixes" not in result:
        pytest.skip("no RPL001 rewrite for this shape of code")
    [fix] = result["fixes"]
    applied = _apply_sarif_fix(log, fix)
    main, items = (
        (project / "app" / "main.py").resolve(),
        (project / "app" / "routers" / "items.py").resolve(),
    )
    assert set(applied) == {main, items}

    assert run_cli(["--fix", "."], project).exit_code == 0
    assert applied[main] == main.read_text()
    # --fix goes on (later rounds tidy what the rewrite left, like an unused import); the
    # rewritten handler itself is the same.
    fixed_items = items.read_text()
    handler = fixed_items[fixed_items.index("async def read_item") :]
    assert applied[items].endswith(handler)
    assert "from_pool" not in applied[items]
