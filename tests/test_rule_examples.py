"""Generated from the rules themselves: each rule's Example triggers it, its Use instead does not.

A rule cannot exist without both, and its docs cannot drift from what it does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from redispool_lint.config import Settings
from redispool_lint.rules import ALL_RULES, Rule

from .helpers import lint_folder, write_files

REQUIRED = ("what_it_does", "why_is_this_bad", "example", "use_instead", "fix_safety")


def _settings(rule: type[Rule]) -> Settings:
    return Settings(select=[rule.code])


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_example_triggers_the_rule(rule: type[Rule], tmp_path: Path) -> None:
    write_files(tmp_path, rule.example)
    result = lint_folder(tmp_path, _settings(rule))
    assert rule.code in {f.code for f in result.findings}, result.findings


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_use_instead_is_clean(rule: type[Rule], tmp_path: Path) -> None:
    write_files(tmp_path, rule.use_instead)
    # Clean for every default rule and for the rule itself (an opt-in rule included).
    result = lint_folder(tmp_path, Settings(extend_select=[rule.code]))
    assert result.findings == [], result.findings


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule: type[Rule]) -> None:
    for attribute in REQUIRED:
        assert getattr(rule, attribute).strip(), f"{rule.code} lacks {attribute}"
    docs = rule.docs()
    for heading in (
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Fix safety",
    ):
        assert heading in docs
    assert rule.name == rule.name.lower() and " " not in rule.name
    assert len(rule.code) == 6 and rule.code[:3] == "RPL" and rule.code[3:].isdigit()
