"""What the Redis client libraries create, and who owns what.

Everything this tool knows about redis-py, valkey-py, aioredis and arq lives here, as tables keyed
by fully qualified name (after import resolution). The facts are those of ``shared/REDIS-FACTS.md``:

* ``Redis.from_pool(pool)`` and Sentinel's ``master_for``/``slave_for`` return a client that OWNS
  the pool: closing the client disconnects every connection of that pool, in use or not.
* ``Redis.from_url(...)``, ``Redis(host=...)``, ``Redis()`` and the cluster clients build a pool
  of their own.
* ``Redis(connection_pool=pool)`` wraps a pool without owning it.
* ``ConnectionPool(...)`` and friends make a pool.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Ownership(enum.Enum):
    """How the object a constructor returns relates to a connection pool."""

    #: A client that takes ownership of a pool it is given (``from_pool``) or that a Sentinel made.
    OWNS_GIVEN_POOL = "owns-given-pool"
    #: A client that creates and owns a pool of its own (``from_url``, ``Redis()``, clusters).
    OWN_POOL = "own-pool"
    #: A client that borrows a pool (``Redis(connection_pool=pool)``) and never closes it.
    WRAPPER = "wrapper"
    #: A connection pool.
    POOL = "pool"


class Flavor(enum.Enum):
    ASYNC = "asyncio"
    SYNC = "sync"


@dataclass(frozen=True)
class Constructor:
    """One way of creating a Redis client or pool."""

    qualname: str
    ownership: Ownership
    flavor: Flavor
    #: The class of the object it returns, as written in messages (``Redis``, ``ConnectionPool``).
    result: str
    #: True for a class called directly, where ``connection_pool=`` makes it a wrapper.
    is_class_call: bool = False
    #: True for pools that wait for a free connection instead of raising when full.
    blocking: bool = False
    #: True for coroutine functions (aioredis 1.x's factories, arq's ``create_pool``): the
    #: object exists only once the call is awaited.
    coroutine: bool = False


def _client_family(
    modules: tuple[str, ...], classes: tuple[str, ...], flavor: Flavor, *, with_from_pool: bool
) -> list[Constructor]:
    constructors: list[Constructor] = []
    for module in modules:
        for cls in classes:
            name = f"{module}.{cls}"
            constructors.append(
                Constructor(name, Ownership.OWN_POOL, flavor, cls, is_class_call=True)
            )
            constructors.append(Constructor(f"{name}.from_url", Ownership.OWN_POOL, flavor, cls))
            if with_from_pool:
                constructors.append(
                    Constructor(f"{name}.from_pool", Ownership.OWNS_GIVEN_POOL, flavor, cls)
                )
    return constructors


def _pool_family(modules: tuple[str, ...], flavor: Flavor) -> list[Constructor]:
    constructors: list[Constructor] = []
    for module in modules:
        for cls, blocking in (
            ("ConnectionPool", False),
            ("BlockingConnectionPool", True),
            ("SentinelConnectionPool", False),
        ):
            name = f"{module}.{cls}"
            for qualname in (name, f"{name}.from_url"):
                constructors.append(
                    Constructor(qualname, Ownership.POOL, flavor, cls, blocking=blocking)
                )
    return constructors


def _build_table() -> dict[str, Constructor]:
    table: list[Constructor] = []
    for pkg, client in (("redis", "Redis"), ("valkey", "Valkey")):
        strict = f"Strict{client}"
        # Async clients.
        table += _client_family(
            (f"{pkg}.asyncio", f"{pkg}.asyncio.client"),
            (client, strict),
            Flavor.ASYNC,
            with_from_pool=True,
        )
        table += _client_family(
            (f"{pkg}.asyncio", f"{pkg}.asyncio.cluster"),
            (f"{client}Cluster",),
            Flavor.ASYNC,
            with_from_pool=False,
        )
        for module in (f"{pkg}.asyncio", f"{pkg}.asyncio.utils"):
            table.append(
                Constructor(f"{module}.from_url", Ownership.OWN_POOL, Flavor.ASYNC, client)
            )
        # Sync clients.
        table += _client_family(
            (pkg, f"{pkg}.client"), (client, strict), Flavor.SYNC, with_from_pool=True
        )
        table += _client_family(
            (pkg, f"{pkg}.cluster"), (f"{client}Cluster",), Flavor.SYNC, with_from_pool=False
        )
        for module in (pkg, f"{pkg}.utils"):
            table.append(Constructor(f"{module}.from_url", Ownership.OWN_POOL, Flavor.SYNC, client))
        # Pools.
        table += _pool_family((f"{pkg}.asyncio", f"{pkg}.asyncio.connection"), Flavor.ASYNC)
        table += _pool_family((pkg, f"{pkg}.connection"), Flavor.SYNC)
        # Sentinel: every master_for/slave_for call builds a new pool and returns from_pool(pool).
        for module, flavor in (
            (f"{pkg}.sentinel", Flavor.SYNC),
            (pkg, Flavor.SYNC),
            (f"{pkg}.asyncio.sentinel", Flavor.ASYNC),
            (f"{pkg}.asyncio", Flavor.ASYNC),
        ):
            for method in ("master_for", "slave_for"):
                table.append(
                    Constructor(
                        f"{module}.Sentinel().{method}", Ownership.OWNS_GIVEN_POOL, flavor, client
                    )
                )
    # aioredis 2.x mirrors redis-py 4's asyncio API (no from_pool).
    table += _client_family(
        ("aioredis", "aioredis.client"),
        ("Redis", "StrictRedis"),
        Flavor.ASYNC,
        with_from_pool=False,
    )
    table.append(Constructor("aioredis.from_url", Ownership.OWN_POOL, Flavor.ASYNC, "Redis"))
    table += _pool_family(("aioredis", "aioredis.connection"), Flavor.ASYNC)
    # aioredis 1.x: coroutine factories.
    for name, ownership, result in (
        ("create_redis", Ownership.OWN_POOL, "Redis"),
        ("create_redis_pool", Ownership.OWN_POOL, "Redis"),
        ("create_pool", Ownership.POOL, "ConnectionsPool"),
        ("create_sentinel", Ownership.OWN_POOL, "RedisSentinel"),
    ):
        table.append(
            Constructor(f"aioredis.{name}", ownership, Flavor.ASYNC, result, coroutine=True)
        )
    # arq's ``ArqRedis`` is a ``redis.asyncio.Redis`` subclass; ``create_pool(settings)`` builds
    # a new one with a pool of its own (and pings it) at every call.
    table += _client_family(
        ("arq", "arq.connections"), ("ArqRedis",), Flavor.ASYNC, with_from_pool=True
    )
    for module in ("arq", "arq.connections"):
        table.append(
            Constructor(
                f"{module}.create_pool",
                Ownership.OWN_POOL,
                Flavor.ASYNC,
                "ArqRedis",
                coroutine=True,
            )
        )
    # Redis OM: ``get_redis_connection(**kwargs)`` returns a new client with a pool of its own
    # (``Redis.from_url(url)``, else ``Redis(**kwargs)``) at every call; ``redis_om`` is built
    # on the sync client, ``aredis_om`` on the asyncio one.
    for package, flavor in (("redis_om", Flavor.SYNC), ("aredis_om", Flavor.ASYNC)):
        for module in (package, f"{package}.connections"):
            table.append(
                Constructor(f"{module}.get_redis_connection", Ownership.OWN_POOL, flavor, "Redis")
            )
    return {constructor.qualname: constructor for constructor in table}


CONSTRUCTORS: dict[str, Constructor] = _build_table()

#: Top-level packages whose names a file must mention to hold a Redis constructor. The text
#: pre-filter is sound because every qualified name above starts with one of these.
PACKAGES: tuple[str, ...] = ("redis", "valkey", "aioredis", "arq", "redis_om", "aredis_om")

#: Classes whose instances are clients or pools: calls of their methods on a long-lived object.
CLIENT_CLASSES: frozenset[str] = frozenset(
    c.qualname for c in CONSTRUCTORS.values() if c.is_class_call
)

#: Methods that close a client or a pool.
CLOSE_METHODS: frozenset[str] = frozenset({"aclose", "close", "disconnect"})

#: Library calls that keep the client given to them (first argument, or the keyword) and the
#: call that closes it: ``await FastAPILimiter.init(client)`` at startup, ``await
#: FastAPILimiter.close()`` at shutdown (fastapi-limiter 0.1: ``cls.redis.aclose()``).
KEEPERS: dict[str, tuple[str, str]] = {
    "fastapi_limiter.FastAPILimiter.init": ("redis", "fastapi_limiter.FastAPILimiter.close"),
}
#: Their packages: the extractor keeps the calls into them.
KEEPER_PACKAGES: frozenset[str] = frozenset(name.split(".", 1)[0] for name in KEEPERS)

#: Methods whose results are safe per request (they borrow the client's pool).
SAFE_PER_REQUEST_METHODS: frozenset[str] = frozenset({"pipeline", "pubsub", "client", "lock"})

#: Pool options a wrapper or owning client takes from its pool.
POOL_KEYWORD = "connection_pool"


def lookup(qualname: str) -> Constructor | None:
    """The constructor a fully qualified callee names, if it is one."""
    return CONSTRUCTORS.get(qualname)


def has_aclose(constructor: Constructor) -> bool:
    """True for clients with ``aclose()`` (redis-py >= 5.0.1, valkey-py). aioredis has none: its
    2.x ``close()`` is the coroutine to await, its 1.x ``close()`` a plain method followed by
    ``await wait_closed()``."""
    return not constructor.qualname.startswith("aioredis.")


def close_is_coroutine(constructor: Constructor) -> bool:
    """True for asyncio clients whose ``close()`` is a coroutine, which does nothing unless
    awaited: redis-py's and valkey-py's (deprecated, ``aclose()`` is the name to use) and
    aioredis 2.x's (its only close). aioredis 1.x's clients, made by the coroutine factories,
    close with a plain ``close()`` followed by ``await wait_closed()``."""
    if constructor.flavor is not Flavor.ASYNC or constructor.ownership is Ownership.POOL:
        return False
    return has_aclose(constructor) or not constructor.coroutine


def classify(constructor: Constructor, keywords: frozenset[str]) -> Ownership:
    """The ownership of one call, which for a class call depends on ``connection_pool=``."""
    if constructor.is_class_call and POOL_KEYWORD in keywords:
        return Ownership.WRAPPER
    return constructor.ownership
