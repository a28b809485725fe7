"""The rules: one module each, carrying its docs and examples."""

from __future__ import annotations

from .base import Rule, RuleContext
from .rpl001_from_pool_per_request import FromPoolPerRequest
from .rpl002_client_per_request import ClientPerRequest
from .rpl003_pool_per_request import PoolPerRequest
from .rpl004_wrapper_client_per_request import WrapperClientPerRequest
from .rpl005_shared_client_closed_per_request import SharedClientClosedPerRequest
from .rpl006_shared_pool_closed import SharedPoolClosed
from .rpl007_lifespan_client_not_closed import LifespanClientNotClosed
from .rpl008_deprecated_async_close import DeprecatedAsyncClose
from .rpl009_pool_raises_when_full import PoolRaisesWhenFull
from .rpl100_unused_noqa import UnusedNoqa
from .rpl999_syntax_error import SyntaxErrorRule

#: Every rule, in code order. Rules that work on the project model come first; the two last are
#: produced by the engine itself (parse failures, suppressions) but documented like the others.
ALL_RULES: tuple[type[Rule], ...] = (
    FromPoolPerRequest,
    ClientPerRequest,
    PoolPerRequest,
    WrapperClientPerRequest,
    SharedClientClosedPerRequest,
    SharedPoolClosed,
    LifespanClientNotClosed,
    DeprecatedAsyncClose,
    PoolRaisesWhenFull,
    UnusedNoqa,
    SyntaxErrorRule,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
RULES_BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "RULES_BY_NAME", "Rule", "RuleContext"]
