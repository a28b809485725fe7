"""Rule docs: pages generated from the rules are up to date, complete, and what --explain prints."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from redispool_lint import docs
from redispool_lint.rules import ALL_RULES
from redispool_lint.rules.base import DOCS_URL, Rule

from .output_helpers import run_cli

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "rules"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_page_is_up_to_date(rule: type) -> None:
    page = DOCS / f"{rule.code}.md"
    assert page.exists(), f"{page} missing: run `python -m redispool_lint.docs`"
    assert page.read_text(encoding="utf-8") == rule.docs(), (
        f"{page} is out of date: run `python -m redispool_lint.docs`"
    )


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_docs_have_every_section(rule: type) -> None:
    assert docs.problems(rule) == []


def test_a_rule_lacking_a_section_is_caught() -> None:
    base = ALL_RULES[0]
    no_example = type("NoExample", (base,), {"example": "\n"})
    assert any("`Example`" in p for p in docs.problems(no_example))
    no_why = type("NoWhy", (base,), {"why_is_this_bad": ""})
    assert any("`Why is this bad?` is empty" in p for p in docs.problems(no_why))
    # A rule that never defines a section at all.
    undocumented = type("Undocumented", (Rule,), {"code": "RPL998", "name": "x", "summary": "x"})
    assert any("what_it_does" in p for p in docs.problems(undocumented))


def test_index_and_readme_table_are_up_to_date() -> None:
    assert (DOCS / "README.md").read_text(encoding="utf-8") == docs.index()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert docs.readme_with_table(readme) == readme, "run `python -m redispool_lint.docs`"
    section = readme.split("\n## Rules\n", 1)[1]
    for rule in ALL_RULES:
        row = next(line for line in section.splitlines() if line.startswith(f"| [{rule.code}]"))
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[0] == f"[{rule.code}](docs/rules/{rule.code}.md)"
        assert cells[3] == docs.FIX_LABELS[rule.fixable]
        assert (REPO / "docs" / "rules" / f"{rule.code}.md").exists()


def test_no_page_without_a_rule() -> None:
    pages = {p.name for p in DOCS.glob("*.md")}
    assert pages == {f"{rule.code}.md" for rule in ALL_RULES} | {"README.md"}


def test_urls_point_at_the_pages() -> None:
    for rule in ALL_RULES:
        assert rule.url() == DOCS_URL.format(code=rule.code)
        assert rule.url().endswith(f"/docs/rules/{rule.code}.md")


def test_check_mode_fails_on_a_stale_page(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    shutil.copytree(DOCS, root / "docs" / "rules")
    shutil.copy(REPO / "README.md", root / "README.md")
    command = [sys.executable, "-m", "redispool_lint.docs", "--check", "--root", str(root)]
    assert subprocess.run(command, capture_output=True).returncode == 0

    page = root / "docs" / "rules" / "RPL002.md"
    page.write_text(page.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    stale = subprocess.run(command, capture_output=True, text=True)
    assert stale.returncode == 1
    assert "RPL002.md" in stale.stderr

    # Regenerating repairs it.
    regenerate = [sys.executable, "-m", "redispool_lint.docs", "--root", str(root)]
    assert subprocess.run(regenerate, capture_output=True).returncode == 0
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert page.read_text(encoding="utf-8") == (DOCS / "RPL002.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_explain_prints_the_page(rule: type, tmp_path: Path) -> None:
    page = (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")
    by_code = run_cli(["--explain", rule.code.lower()], tmp_path)
    assert by_code.exit_code == 0
    assert by_code.stdout == page
    assert run_cli(["--explain", rule.name], tmp_path).stdout == page


def test_explain_unknown_rule(tmp_path: Path) -> None:
    run = run_cli(["--explain", "RPL01"], tmp_path)
    assert run.exit_code == 2
    assert "unknown rule `RPL01`" in run.stderr
    assert "did you mean" in run.stderr
