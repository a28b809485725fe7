"""Helpers for the output, adoption and CI tests: run the CLI in-process in a project folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from redispool_lint.cli import main

from .helpers import FIXTURES, cli_runner

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@contextmanager
def chdir(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(args: Sequence[str], cwd: Path, stdin: str | None = None) -> Run:
    """Run ``redispool-lint ARGS`` in ``cwd`` (in-process, so tests can watch its internals)."""
    with chdir(cwd):
        result = cli_runner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def copy_project(source: Path, target: Path) -> Path:
    """A fixture project copied into its own folder, made its own project root (a pyproject.toml,
    so the linter's own settings, which exclude the fixtures, do not apply)."""
    shutil.copytree(source, target)
    if not (target / "pyproject.toml").exists():
        (target / "pyproject.toml").write_text("", encoding="utf-8")
    return target
