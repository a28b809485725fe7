from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Finding
from .base import Rule, RuleContext


class SyntaxErrorRule(Rule):
    """Produced by the engine when a file does not parse."""

    code = "RPL999"
    name = "syntax-error"
    summary = "a file that does not parse"

    what_it_does = """
        Reports a Python file that the parser rejects, with the parser's message and position,
        among the files the analysis looks at: those that name a Redis package or may reach one
        (import a module that does, touch app state), and every file named on the command line.
        A file that cannot touch Redis is not parsed at all. The rest of the project is still
        linted.
    """
    why_is_this_bad = """
        A file that does not parse cannot be analysed: any per-request client in it, or any
        handler it registers, is invisible to the other rules.
    """
    example = """
        import redis

        def handler(:
            pass
    """
    use_instead = """
        import redis

        def handler():
            pass
    """

    def check(self, context: RuleContext) -> Iterator[Finding]:
        return iter(())
