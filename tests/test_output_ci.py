"""The CI recipes, run locally: the shell of ``action.yml``'s steps and of the README's workflow,
read from those files (never copied here), with the runner's environment emulated
(``GITHUB_PATH``, ``RUNNER_TEMP``, inputs through ``env``), and their outputs checked: workflow
commands the runner parses, and a SARIF file valid against the schema where upload-sarif looks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .helpers import lint_folder
from .output_helpers import copy_project
from .test_output_formats import PROJECTS, SARIF_SCHEMA, parse_workflow_command

REPO = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
APP = next(p for p in PROJECTS if p.name == "fastapi_three_modules")


def _evaluate(value: str, context: dict[str, str]) -> str:
    """Substitute the simple ``${{ name }}`` expressions the files use; anything else fails."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in context, f"unexpected expression {match.group(0)!r}"
        return context[name]

    return EXPRESSION.sub(replace, value)


def _run_bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # What the runner runs for `shell: bash`.
    script_file = cwd.parent / "step.sh"
    script_file.write_text(script, encoding="utf-8")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _check_sarif(path: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    return log


def _check_annotations(stdout: str, folder: Path) -> None:
    findings = lint_folder(folder).findings
    commands = [parse_workflow_command(line) for line in stdout.splitlines()]
    assert all(c is not None for c in commands), stdout
    assert [(c[1]["file"], int(c[1]["line"]), c[1]["title"]) for c in commands if c] == [
        (f.path, f.start.row, f.code) for f in findings
    ]


def _runner_env(tmp_path: Path) -> dict[str, str]:
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    github_path = tmp_path / "github-path"
    github_path.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    # The runner's PATH has a python3 but not this test venv's tools: drop the venv's bin folder
    # so that only what the action installs provides `redispool-lint`.
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env.update(RUNNER_TEMP=str(runner_temp), GITHUB_PATH=str(github_path), GITHUB_ACTIONS="true")
    return env


def test_action_steps_run_locally(tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    workspace = copy_project(APP, tmp_path / "workspace")
    context = {f"inputs.{name}": spec["default"] for name, spec in action["inputs"].items()}
    context["inputs.python"] = sys.executable  # the runner's python3 (setup-python)
    context["github.action_path"] = str(REPO)
    env = _runner_env(tmp_path)
    github_path = Path(env["GITHUB_PATH"])
    outputs: list[subprocess.CompletedProcess[str]] = []
    upload: dict[str, Any] | None = None
    for step in action["runs"]["steps"]:
        if "uses" in step:
            assert step["uses"].startswith("github/codeql-action/upload-sarif@")
            assert "always()" in step["if"]
            upload = {k: _evaluate(str(v), context) for k, v in step["with"].items()}
            continue
        assert step["shell"] == "bash"
        assert not EXPRESSION.search(step["run"]), "inputs must reach run: through env"
        step_env = dict(env)
        step_env.update({k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()})
        # Folders a step appended to GITHUB_PATH lead PATH in later steps.
        added = [line for line in github_path.read_text(encoding="utf-8").splitlines() if line]
        step_env["PATH"] = os.pathsep.join([*reversed(added), env["PATH"]])
        outputs.append(_run_bash(step["run"], workspace, step_env))

    install, run = outputs
    assert install.returncode == 0, install.stderr
    assert (tmp_path / "runner-temp" / "redispool-lint" / "bin" / "redispool-lint").exists()
    # Findings fail the step (and the job), and annotate the pull request.
    assert run.returncode == 1, run.stderr
    _check_annotations(run.stdout, workspace)
    assert upload is not None
    sarif = workspace / upload["sarif_file"]
    log = _check_sarif(sarif)
    assert len(log["runs"][0]["results"]) == len(lint_folder(workspace).findings)


def _readme_workflow() -> dict[str, Any]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## In CI\n", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert block, "the In CI section has a workflow"
    workflow: dict[str, Any] = yaml.safe_load(block.group(1))
    return workflow


@pytest.mark.parametrize("clean", [False, True], ids=["findings", "clean"])
def test_readme_workflow_runs_locally(tmp_path: Path, clean: bool) -> None:
    workflow = _readme_workflow()
    [job] = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    workspace = copy_project(APP, tmp_path / "workspace")
    if clean:
        for path in workspace.rglob("*.py"):
            path.write_text("", encoding="utf-8")
    ran = []
    upload = None
    for step in job["steps"]:
        if "uses" in step:
            if step["uses"].startswith("github/codeql-action/upload-sarif@"):
                upload = step
            continue
        command = step["run"]
        if re.match(r"python -m pip install redispool-lint\s*$", command):
            continue  # installed here already (this checkout, in the test environment)
        env = dict(os.environ)
        # The tool as the install step would leave it: on PATH.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
        ran.append(_run_bash(command, workspace, env))
    [run] = ran
    assert run.returncode == (0 if clean else 1), run.stderr
    _check_annotations(run.stdout, workspace)
    assert upload is not None and upload["if"] == "always()"
    log = _check_sarif(workspace / upload["with"]["sarif_file"])
    assert bool(log["runs"][0]["results"]) is not clean
