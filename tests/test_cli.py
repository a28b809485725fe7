"""The command line: exit codes, rule selection, configuration errors, stdin, formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from redispool_lint.cli import main

from .helpers import cli_runner

BUGGY = textwrap.dedent(
    """
    import redis.asyncio as redis
    from fastapi import FastAPI, Request

    app = FastAPI()

    @app.get("/item")
    async def item(request: Request):
        async with redis.Redis.from_pool(request.app.state.pool) as client:
            return await client.get("item")
    """
)
CLEAN = "import os\n\nprint(os.getcwd())\n"


def run(args: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, str, str]:
    runner = cli_runner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, args, input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def buggy(project: Path) -> Path:
    (project / "app.py").write_text(BUGGY, encoding="utf-8")
    return project


def test_findings_exit_1_and_name_the_entry_point(buggy: Path) -> None:
    code, out, _ = run(["."], buggy)
    assert code == 1
    assert "app.py:9:16: RPL001" in out
    assert "`item` runs per request" in out and "GET /item" in out
    assert "Found 1 error." in out


def test_paths_shown_relative_to_the_working_folder_or_whole(buggy: Path, tmp_path: Path) -> None:
    """Inside the working folder a path is shown relative to it; a project elsewhere is shown
    by its whole path (as ruff does)."""
    code, out, _ = run(["--format", "concise", str(buggy)], buggy.parent)
    assert code == 1
    assert f"{buggy.name}/app.py:9:16: RPL001" in out.splitlines()[0]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, _ = run(["--format", "concise", str(buggy)], elsewhere)
    assert code == 1
    assert out.splitlines()[0].startswith(f"{buggy / 'app.py'}:9:16: RPL001")


def test_clean_project_exits_0(project: Path) -> None:
    (project / "tool.py").write_text(CLEAN, encoding="utf-8")
    code, out, _ = run(["."], project)
    assert code == 0
    assert "All checks passed!" in out


def test_quiet_prints_the_findings_without_the_summary(buggy: Path) -> None:
    code, out, _ = run([".", "--quiet", "--format", "concise"], buggy)
    assert code == 1
    assert out.startswith("app.py:9:16: RPL001") and len(out.splitlines()) == 1
    (buggy / "app.py").write_text(CLEAN, encoding="utf-8")
    assert run([".", "-q"], buggy) == (0, "", "")


def test_silent_prints_nothing_but_still_exits_1_and_writes_report_files(buggy: Path) -> None:
    code, out, err = run([".", "-s", "--format", "sarif=report.sarif"], buggy)
    assert (code, out, err) == (1, "", "")
    assert "RPL001" in (buggy / "report.sarif").read_text(encoding="utf-8")


def test_silent_still_names_a_file_it_could_not_read(buggy: Path) -> None:
    (buggy / "broken.py").write_bytes(b"import redis\n\xff\xfe = 1\n")
    code, out, err = run([".", "--silent"], buggy)
    assert code == 2 and out == ""
    assert "redispool-lint: error: broken.py:" in err


def test_a_folder_without_python_files_is_said(project: Path) -> None:
    (project / "notes.txt").write_text("no code here\n", encoding="utf-8")
    code, out, err = run(["."], project)
    assert code == 0 and out == "All checks passed!\n"
    assert err == "warning: No Python files found under the given path(s)\n"
    (project / "tool.py").write_text(CLEAN, encoding="utf-8")
    assert run(["."], project)[2] == ""


def test_exit_zero(buggy: Path) -> None:
    code, out, _ = run([".", "--exit-zero"], buggy)
    assert code == 0 and "RPL001" in out


def test_ignore_and_select(buggy: Path) -> None:
    assert run([".", "--ignore", "RPL001"], buggy)[0] == 0
    assert run([".", "--select", "RPL002,RPL003"], buggy)[0] == 0
    assert run([".", "--select", "RPL0"], buggy)[0] == 1


def test_unknown_code_is_a_usage_error_with_suggestion(buggy: Path) -> None:
    code, _, err = run([".", "--select", "RPL01"], buggy)
    assert code == 2
    assert "unknown rule code or prefix `RPL01`" in err
    assert "Traceback" not in err


def test_unknown_option_suggests(buggy: Path) -> None:
    code, _, err = run([".", "--selct", "RPL001"], buggy)
    assert code == 2
    assert "--select" in err


def test_config_file_selects_and_rejects_unknown_keys(buggy: Path) -> None:
    pyproject = buggy / "pyproject.toml"
    pyproject.write_text('[tool.redispool-lint]\nignore = ["RPL001"]\n', encoding="utf-8")
    assert run(["."], buggy)[0] == 0
    pyproject.write_text('[tool.redispool-lint]\nselct = ["RPL001"]\n', encoding="utf-8")
    code, _, err = run(["."], buggy)
    assert code == 2
    assert "unknown key `selct`" in err and "did you mean `select`?" in err
    assert err.count("\n") == 1  # one line


def test_command_line_overrides_config(buggy: Path) -> None:
    (buggy / "pyproject.toml").write_text(
        '[tool.redispool-lint]\nignore = ["RPL001"]\n', encoding="utf-8"
    )
    # --select replaces the configured selection, the configured ignore still applies
    assert run([".", "--extend-select", "RPL009"], buggy)[0] == 0
    (buggy / "pyproject.toml").write_text(
        '[tool.redispool-lint]\nselect = ["RPL002"]\n', encoding="utf-8"
    )
    assert run(["."], buggy)[0] == 0
    assert run([".", "--select", "RPL001"], buggy)[0] == 1


def test_bad_toml_is_one_line_exit_2(buggy: Path) -> None:
    (buggy / "pyproject.toml").write_text("[tool.redispool-lint\n", encoding="utf-8")
    code, _, err = run(["."], buggy)
    assert code == 2 and "invalid TOML" in err and "pyproject.toml" in err


def test_per_file_ignores(buggy: Path) -> None:
    (buggy / "pyproject.toml").write_text(
        '[tool.redispool-lint.per-file-ignores]\n"app.py" = ["RPL001"]\n', encoding="utf-8"
    )
    assert run(["."], buggy)[0] == 0


def test_noqa_and_file_level_noqa(buggy: Path) -> None:
    text = BUGGY.replace("as client:", "as client:  # noqa: RPL001")
    (buggy / "app.py").write_text(text, encoding="utf-8")
    assert run(["."], buggy)[0] == 0
    text = BUGGY.replace("as client:", "as client:  # noqa: RPL002")
    (buggy / "app.py").write_text(text, encoding="utf-8")
    code, out, _ = run(["--format", "concise", "."], buggy)
    assert code == 1
    assert "RPL001" in out and "RPL100" in out  # still reported, and the noqa is unused
    (buggy / "app.py").write_text("# redispool-lint: noqa\n" + BUGGY, encoding="utf-8")
    assert run(["."], buggy)[0] == 0
    text = BUGGY.replace("as client:", "as client:  # noqa")
    (buggy / "app.py").write_text(text, encoding="utf-8")
    assert run(["."], buggy)[0] == 0


def test_foreign_noqa_codes_are_not_reported(buggy: Path) -> None:
    text = BUGGY.replace("as client:", "as client:  # noqa: E501, RPL001")
    (buggy / "app.py").write_text(text, encoding="utf-8")
    assert run(["."], buggy)[0] == 0


def test_json_uses_ruffs_field_names(buggy: Path) -> None:
    code, out, _ = run([".", "--format", "json"], buggy)
    assert code == 1
    [finding] = json.loads(out)
    assert finding["code"] == "RPL001"
    assert finding["location"] == {"row": 9, "column": 16}
    assert finding["end_location"]["row"] == 9
    assert finding["filename"].endswith("app.py")
    assert finding["noqa_row"] == 9
    assert finding["url"].endswith("RPL001.md")
    assert set(finding) >= {
        "code",
        "message",
        "filename",
        "location",
        "end_location",
        "fix",
        "url",
        "noqa_row",
    }


def test_output_file(buggy: Path) -> None:
    code, out, _ = run([".", "--format", "concise", "--output-file", "report.txt"], buggy)
    assert code == 1 and out == ""
    assert "RPL001" in (buggy / "report.txt").read_text(encoding="utf-8")


def test_statistics(buggy: Path) -> None:
    code, out, _ = run([".", "--statistics"], buggy)
    assert code == 1
    # count, code, [*] when fixable, name: one line per rule
    [line] = out.splitlines()
    count, code, rest = line.split("\t")
    assert (int(count), code) == (1, "RPL001")
    assert rest.removeprefix("[*]").strip() == "from-pool-per-request"


def test_stdin_with_filename(project: Path) -> None:
    code, out, _ = run(
        ["-", "--stdin-filename", "app.py", "--format", "concise"], project, stdin=BUGGY
    )
    assert code == 1
    assert "app.py:9:16: RPL001" in out


def test_stdin_sees_the_rest_of_the_project(project: Path) -> None:
    """The handler comes from stdin, the dependency lives in a module on disk."""
    (project / "deps.py").write_text(
        textwrap.dedent(
            """
            import redis.asyncio as redis

            def get_client():
                return redis.from_url("redis://")
            """
        ),
        encoding="utf-8",
    )
    handler = textwrap.dedent(
        """
        from fastapi import FastAPI
        from deps import get_client

        app = FastAPI()

        @app.get("/")
        async def index():
            return await get_client().get("k")
        """
    )
    code, out, _ = run(
        ["-", "--stdin-filename", "main.py", "--format", "concise"], project, stdin=handler
    )
    # Only the stdin file is reported; the finding is in deps.py, so nothing is shown here...
    assert code == 0, out
    # ...but linting deps.py sees that main.py's handler calls it.
    code, out, _ = run(["deps.py", "--format", "concise"], project)
    assert code == 0  # main.py does not exist on disk: nothing calls get_client
    (project / "main.py").write_text(handler, encoding="utf-8")
    code, out, _ = run(["deps.py", "--format", "concise"], project)
    assert code == 1 and "called by `index`" in out


def test_explain_and_list_rules(project: Path) -> None:
    code, out, _ = run(["--explain", "RPL001"], project)
    assert code == 0
    assert out.startswith("# from-pool-per-request (RPL001)")
    for heading in (
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
    ):
        assert heading in out
    assert run(["--explain", "from-pool-per-request"], project)[0] == 0
    code, _, err = run(["--explain", "RPL0001"], project)
    assert code == 2 and "did you mean" in err
    code, out, _ = run(["--list-rules"], project)
    assert code == 0 and out.count("\n") >= 11 and "RPL009" in out and "opt-in" in out


def test_color_only_when_asked(buggy: Path) -> None:
    assert "\x1b[" not in run(["."], buggy)[1]  # not a terminal
    assert "\x1b[" in run([".", "--color", "always"], buggy)[1]
    assert "\x1b[" not in run([".", "--color", "never"], buggy)[1]


def test_no_color_env_wins_over_auto(buggy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(["."], buggy)[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(["."], buggy)[1]


def test_gitignored_and_excluded_files_are_skipped(buggy: Path) -> None:
    (buggy / "generated").mkdir()
    (buggy / "generated" / "app.py").write_text(BUGGY, encoding="utf-8")
    (buggy / ".gitignore").write_text("generated/\n", encoding="utf-8")
    (buggy / ".venv").mkdir()
    (buggy / ".venv" / "app.py").write_text(BUGGY, encoding="utf-8")
    code, out, _ = run([".", "--format", "concise"], buggy)
    assert code == 1 and out.count("RPL001") == 1


def test_force_exclude_applies_to_named_files(buggy: Path) -> None:
    (buggy / "pyproject.toml").write_text(
        '[tool.redispool-lint]\nextend-exclude = ["app.py"]\n', encoding="utf-8"
    )
    assert run(["app.py"], buggy)[0] == 1  # named explicitly: linted
    assert run(["app.py", "--force-exclude"], buggy)[0] == 0


def test_console_script_and_module_entry_points(buggy: Path) -> None:
    for command in (["redispool-lint"], [sys.executable, "-m", "redispool_lint"]):
        if command[0] == "redispool-lint":
            script = Path(sys.executable).parent / "redispool-lint"
            command = [str(script)]
        done = subprocess.run(
            [*command, "."], cwd=buggy, capture_output=True, text=True, check=False
        )
        assert done.returncode == 1, done.stderr
        assert "RPL001" in done.stdout


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python parses 3.12 syntax itself")
def test_syntax_newer_than_the_running_python_is_a_warning_not_an_error(project: Path) -> None:
    (project / "new.py").write_text("import redis\ntype Alias = int\n", encoding="utf-8")
    # (it names Redis: syntax errors are reported in the files the analysis looks at)
    (project / "bad.py").write_text("import redis\ndef broken(:\n", encoding="utf-8")
    code, out, err = run([".", "--format", "concise"], project)
    assert code == 1  # bad.py's RPL999
    assert "bad.py:2:" in out and "RPL999" in out
    assert "new.py" not in out
    assert "new.py: uses syntax newer than Python 3." in err


def test_a_syntax_error_libcst_accepts_is_an_error_on_every_python(project: Path) -> None:
    # LibCST's parser accepts it (so it once passed for syntax newer than the running Python:
    # a warning, exit 0, "All checks passed!"); no Python does.
    (project / "bad.py").write_text("import redis\nx = [*a for a in b]\n", encoding="utf-8")
    code, out, err = run([".", "--format", "concise"], project)
    assert code == 1
    assert "bad.py:2:6: RPL999 cannot parse: iterable unpacking" in out
    assert "newer" not in err


def test_a_module_linted_alone_in_a_project_without_a_marker(tmp_path: Path) -> None:
    """No ``pyproject.toml`` nor ``.git``: the project is the folder that holds the top package,
    so a dependency linted alone still sees the router that makes it per request."""
    app = tmp_path / "service" / "app"
    (app / "deps").mkdir(parents=True)
    (app / "__init__.py").write_text("", encoding="utf-8")
    (app / "deps" / "__init__.py").write_text("", encoding="utf-8")
    (app / "deps" / "redis.py").write_text(
        "import redis.asyncio as redis\n\n\ndef get_client():\n"
        '    return redis.from_url("redis://")\n',
        encoding="utf-8",
    )
    (app / "routes.py").write_text(
        "from fastapi import APIRouter, Depends\n\nfrom app.deps.redis import get_client\n\n"
        'router = APIRouter()\n\n\n@router.get("/")\nasync def index(client=Depends(get_client)):\n'
        '    return await client.get("k")\n',
        encoding="utf-8",
    )
    code, out, _ = run(
        ["app/deps/redis.py", "--format", "concise", "--no-cache"], tmp_path / "service"
    )
    assert code == 1, out
    assert "app/deps/redis.py:5:12: RPL002" in out and "dependency of `index`" in out
