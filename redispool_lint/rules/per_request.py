"""The shared mechanism of the rules that find a client or pool created per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from ..diagnostics import Finding
from ..frameworks.base import Unit
from ..project.objects import RedisCall
from ..redis_api import Ownership
from .base import Rule, RuleContext


class PerRequestConstructorRule(Rule):
    """Reports constructor calls of one ownership in functions that run per request."""

    ownership: ClassVar[Ownership]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for function in context.functions():
            if context.per_request(function) is None:
                continue
            for found in context.objects.redis_calls(function):
                if found.ownership is not self.ownership or found.call.guarded:
                    continue
                if not self.applies(found, context):
                    continue
                what = self.what(found, context.unit(function, found.call))
                why = context.per_request(function, found.call)
                yield context.finding(type(self), found.call.span, f"{what}; {why}")

    def applies(self, found: RedisCall, context: RuleContext) -> bool:
        return True

    def what(self, found: RedisCall, unit: Unit) -> str:
        """What the call makes, per ``unit`` (request, websocket connection, Socket.IO event)."""
        raise NotImplementedError
