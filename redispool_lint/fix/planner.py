"""The fix planner: per-request clients -> one client owned by the application's lifespan.

Given the findings of a lint run and its project model, the planner attaches a ``Fix`` to each
finding it knows how to rewrite:

* RPL001 to RPL004 (a client made per request): the *lifespan side* is planned once per
  application and shared client (``lifespan.py``) and the *request side* per finding
  (``request_side.py``). One ``Fix`` may edit several files; the lifespan edits are identical in
  every finding of the same app, so the fix loop applies them once.
* RPL005 (shared client closed per request) and RPL008 (``close()`` on an asyncio client):
  ``closes.py``.

What a per-request client is, and whether it can be fixed, is ``clients.py``; names across
modules are ``naming.py``. Anything the planner does not recognise gets no fix (``CannotFix``
carries the reason, added to the finding's notes). LibCST is imported only by the fix modules,
and only files a fix touches are parsed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Hashable, Iterable

from ..config import Settings
from ..diagnostics import Edit, Finding, Fix
from ..project.model import ProjectModel
from ..project.objects import RedisObjects
from ..project.requests import RequestAnalysis
from .apps import Apps
from .clients import Clients, Target
from .closes import CloseRewriter
from .context import FixContext, Rewrite, Sources
from .cst_tools import CannotFix, FileOps, render, text_edits
from .lifespan import AppPlan, LifespanPlanner
from .request_side import RequestRewriter

_CONSTRUCTOR_CODES = frozenset({"RPL001", "RPL002", "RPL003", "RPL004"})
_FIXED_CODES = _CONSTRUCTOR_CODES | {"RPL005", "RPL008"}


def attach_fixes(
    findings: list[Finding],
    sources: Sources,
    model: ProjectModel,
    requests: RequestAnalysis,
    objects: RedisObjects,
    settings: Settings,
) -> list[Finding]:
    """The findings, with a ``Fix`` on each one the planner can rewrite (and notes on others)."""
    if not any(f.code in _FIXED_CODES for f in findings):
        return findings
    planner = Planner(sources, model, requests, objects, settings)
    try:
        return planner.run(findings)
    except Exception as error:  # a planner bug must not cost the user the lint report
        note = f"no automatic fix: the fix planner failed ({_describe(error)})"
        return [
            dataclasses.replace(f, notes=(*f.notes, note)) if f.code in _FIXED_CODES else f
            for f in findings
        ]


def _reason(error: Exception) -> str:
    """Why a finding gets no fix: a ``CannotFix``'s message, or LibCST running out of Python's
    recursion on code nested deeper than it can follow (a 2,000-term ``+`` chain, which Python
    parses); anything else is a bug, raised on."""
    if isinstance(error, CannotFix):
        return str(error)
    cause: BaseException | None = error
    while cause is not None:
        # (LibCST's position metadata turns the RecursionError into a KeyError as it unwinds.)
        if isinstance(cause, RecursionError):
            return "the code is nested too deeply for LibCST"
        cause = cause.__cause__ or cause.__context__
    raise error


def _describe(error: Exception) -> str:
    """An error's type and message, short: LibCST's messages can hold a syntax tree's repr, which
    is huge, or too deep to make at all."""
    try:
        message = str(error)
    except Exception:
        message = ""
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class Planner:
    """Groups the per-request clients by application and shared client, and asks each side."""

    def __init__(
        self,
        sources: Sources,
        model: ProjectModel,
        requests: RequestAnalysis,
        objects: RedisObjects,
        settings: Settings,
    ) -> None:
        self.ctx = FixContext(sources, model, Apps(model, requests), objects, settings)
        self.clients = Clients(self.ctx)
        self.lifespans = LifespanPlanner(self.ctx, self.clients)
        self.request_side = RequestRewriter(self.ctx)
        self.closes = CloseRewriter(self.ctx)
        self._rendered: dict[Hashable, tuple[FileOps, list[Edit]]] = {}

    def run(self, findings: list[Finding]) -> list[Finding]:
        """The findings, each with its fix or a note saying why it has none."""
        out: list[Finding] = []
        reasons: dict[int, str] = {}
        fixes: dict[int, Fix] = {}
        targets: list[Target] = []
        for index, finding in enumerate(findings):
            if finding.fix is not None:
                continue
            try:
                if finding.code in _CONSTRUCTOR_CODES:
                    targets.append(self.clients.target(finding))
                elif finding.code == "RPL005":
                    fixes[index] = self.fix_of(self.closes.drop_close(finding))
                elif finding.code == "RPL008":
                    fixes[index] = self.fix_of(self.closes.use_aclose(finding))
            except Exception as why:
                reasons[index] = _reason(why)
        # One shared client per application and *base* (pool, or URL): clients over different
        # pools get different attributes; clients of one base that differ in options do not
        # agree, and are not fixed.
        groups: dict[tuple[int, tuple[str, ...]], list[Target]] = {}
        for target in targets:
            groups.setdefault((id(target.app), target.spec.base), []).append(target)
        position = {id(f): i for i, f in enumerate(findings)}
        # Each client's file is parsed for its own rewrite; once the last client of a file is
        # rewritten, its syntax tree is let go (a hundred handler modules' trees, kept, would
        # double the peak memory of a terminal run).
        left = Counter(target.module.path for target in targets)
        for group in groups.values():
            specs = {t.spec for t in group}
            if len(specs) > 1:
                described = "; ".join(sorted(s.describe() for s in specs))
                for t in group:
                    reasons[position[id(t.finding)]] = (
                        "the per-request clients of this application differ in their options "
                        f"({described}); one shared client cannot replace them all"
                    )
                continue
            try:
                plan = self.lifespans.plan_app(group[0].app, group[0].spec, group)
            except Exception as why:
                for t in group:
                    reasons[position[id(t.finding)]] = _reason(why)
                continue
            for t in group:
                index = position[id(t.finding)]
                try:
                    fixes[index] = self.fix_of(self.request_side.rewrite(t, plan))
                except Exception as why:
                    reasons[index] = _reason(why)
                left[t.module.path] -= 1
                if not left[t.module.path]:
                    self._forget(t.module.path, plan)
        for index, finding in enumerate(findings):
            if index in fixes:
                finding = dataclasses.replace(finding, fix=fixes[index])
            elif index in reasons:
                finding = dataclasses.replace(
                    finding, notes=(*finding.notes, f"no automatic fix: {reasons[index]}")
                )
            out.append(finding)
        return out

    def _forget(self, path: str, plan: AppPlan) -> None:
        """Let go of a rewritten client's parsed file, unless the app's plan edits it too."""
        if plan.ops is not None and plan.ops.parsed.source.display == path:
            return
        self.ctx.forget(path)
        for key, (ops, _) in list(self._rendered.items()):
            if ops.parsed.source.display == path:
                del self._rendered[key]

    def fix_of(self, rewrite: Rewrite) -> Fix:
        return Fix(rewrite.applicability, rewrite.message, self.edits_of(rewrite.ops))

    def edits_of(self, ops: Iterable[FileOps]) -> tuple[Edit, ...]:
        # ``render`` is looked up here, in this module, at call time: tests replace it to
        # check that a fix which would not parse is never written.
        edits: list[Edit] = []
        for file_ops in ops:
            # Every finding of an app carries a copy of the same lifespan operations: they are
            # rendered once (the cache holds the operations, so the ids in a key stay theirs).
            key = file_ops.signature()
            known = self._rendered.get(key)
            if known is None:
                source = file_ops.parsed.source
                known = (file_ops, text_edits(source.display, source.text, render(file_ops)))
                self._rendered[key] = known
            edits += known[1]
        if not edits:
            raise CannotFix("the rewrite changes nothing")
        return tuple(edits)
