from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Finding
from .base import Rule, RuleContext


class UnusedNoqa(Rule):
    """Produced by the engine after suppression (``noqa.py``): it needs every other finding."""

    code = "RPL100"
    name = "unused-noqa"
    summary = "a `# noqa: RPLxxx` that suppresses nothing"
    fixable = "always"

    what_it_does = """
        Finds `# noqa` comments naming redispool-lint codes (`RPL...`) that suppress no finding
        on their line. Codes of other tools (`# noqa: E501`) are never reported or touched, and
        neither is a bare `# noqa`.
    """
    why_is_this_bad = """
        A suppression that no longer suppresses anything hides the next real finding on that
        line. After `--add-noqa` on a legacy codebase, this rule tells you which suppressions
        your fixes made obsolete.
    """
    example = """
        import redis

        client = redis.Redis()  # noqa: RPL002
    """
    use_instead = """
        import redis

        client = redis.Redis()
    """
    fix_safety = """
        Removing the unused codes (and the whole comment when nothing else is left in it) is
        safe: codes of other tools in the same comment are kept.
    """

    def check(self, context: RuleContext) -> Iterator[Finding]:
        return iter(())
