"""What a rule is: one small class with its code, name, docs and examples, and a ``check``.

A rule sees the project through a ``RuleContext`` (one module at a time) and yields findings. It
never formats output and never knows the command line. Its docs use ruff's headings; its
``example`` must trigger it and its ``use_instead`` must not (the test suite checks both, so a
rule without examples cannot exist).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ..diagnostics import Finding, Fix, Position
from ..frameworks.base import Unit
from ..project.model import ProjectModel
from ..project.objects import RedisObjects
from ..project.requests import RequestAnalysis
from ..project.summary import GUARD_WEBSOCKET, CallSite, FunctionSummary, ModuleSummary, Span

DOCS_URL = "https://github.com/redispool-lint/redispool-lint/blob/main/docs/rules/{code}.md"


@dataclass
class RuleContext:
    """One module of the project, with everything project-wide a rule may ask about."""

    module: ModuleSummary
    model: ProjectModel
    requests: RequestAnalysis
    objects: RedisObjects

    def functions(self) -> Iterator[FunctionSummary]:
        return iter(self.module.functions)

    def per_request(self, function: FunctionSummary, call: CallSite | None = None) -> str | None:
        """Why a function runs per request (a sentence), or None when it does not; for
        ``call``, where it runs in a websocket branch (see ``unit``)."""
        if function.qualname not in self.requests.per_request:
            return None
        branch = call is not None and GUARD_WEBSOCKET in call.guard_refs
        return self.requests.explain(function.qualname, websocket_branch=branch)

    def unit(self, function: FunctionSummary, call: CallSite | None = None) -> Unit:
        """What one run of a per-request function serves: a request, a websocket connection,
        a Socket.IO event (the word its findings use); a request handler's ``call`` under a
        ``scope["type"] == "websocket"`` test, a connection."""
        unit = self.requests.unit(function.qualname)
        if unit is Unit.REQUEST and call is not None and GUARD_WEBSOCKET in call.guard_refs:
            return Unit.CONNECTION
        return unit

    def finding(
        self,
        rule: type[Rule],
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        notes: tuple[str, ...] = (),
    ) -> Finding:
        return Finding(
            code=rule.code,
            message=message,
            path=self.module.path,
            start=Position(span.row, span.column + 1),
            end=Position(span.end_row, span.end_column + 1),
            noqa_row=span.row,
            fix=fix,
            notes=notes,
        )


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    #: One line: what the rule finds.
    summary: ClassVar[str]
    #: Not selected unless asked for (``--select`` / ``extend-select``).
    opt_in: ClassVar[bool] = False
    #: ``always``, ``sometimes`` or ``never``: whether ``--fix`` can fix its findings.
    fixable: ClassVar[str] = "never"

    what_it_does: ClassVar[str]
    why_is_this_bad: ClassVar[str]
    #: A complete example module (or several, as ``# file: path`` sections) that triggers the rule.
    example: ClassVar[str]
    #: The same code written the right way: the rule must stay silent on it.
    use_instead: ClassVar[str]
    fix_safety: ClassVar[str] = "This rule has no automatic fix."

    def check(self, context: RuleContext) -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def docs(cls) -> str:
        """The rule's documentation as Markdown, under ruff's headings."""
        sections = [
            f"# {cls.name} ({cls.code})",
            "",
            f"Fix is {_FIXABILITY[cls.fixable]}."
            + (" Opt-in: not selected by default." if cls.opt_in else ""),
            "",
            "## What it does",
            _dedent(cls.what_it_does),
            "",
            "## Why is this bad?",
            _dedent(cls.why_is_this_bad),
            "",
            "## Example",
            "```python",
            _dedent(cls.example).rstrip(),
            "```",
            "",
            "## Use instead",
            "```python",
            _dedent(cls.use_instead).rstrip(),
            "```",
            "",
            "## Fix safety",
            _dedent(cls.fix_safety),
        ]
        return "\n".join(sections).rstrip() + "\n"

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(code=cls.code)


_FIXABILITY = {
    "always": "always available",
    "sometimes": "sometimes available",
    "never": "not available",
}


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n")
