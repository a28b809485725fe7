"""Generate a FastAPI monorepo of N modules for the speed benchmark.

    python bench/gen_monorepo.py /tmp/monorepo --modules 5000

The shape of a large service: ``N`` modules in domain packages (``svc/d017/``), each domain with
routers, services, schemas and helpers of realistic size (40-120 lines), an app module that
includes every router, and a lifespan. About 2% of the modules use Redis: a cache helper per few
domains, dependencies that make a client per request (the bug, so the linter has work), and
routers that depend on them. Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import textwrap
from pathlib import Path

_SCHEMA = '''\
"""Schemas of {domain}."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class {cls}In:
    name: str
    quantity: int = 0
    tags: list[str] = field(default_factory=list)
    note: Optional[str] = None

    def validate(self) -> None:
        if not self.name:
            raise ValueError("name is required")
        if self.quantity < 0:
            raise ValueError("quantity must be positive")


@dataclass
class {cls}Out:
    id: int
    name: str
    quantity: int
    tags: list[str]

    @classmethod
    def from_row(cls, row: dict) -> "{cls}Out":
        return cls(row["id"], row["name"], row.get("quantity", 0), list(row.get("tags", ())))
'''

_SERVICE = '''\
"""Business logic of {domain}."""

from __future__ import annotations

import logging
from collections import defaultdict

from svc.{domain}.schemas_{index} import {cls}In, {cls}Out

logger = logging.getLogger(__name__)
_ROWS: dict[int, dict] = {{}}
_BY_TAG: dict[str, set[int]] = defaultdict(set)


class {cls}Service:
    def __init__(self, prefix: str = "{domain}") -> None:
        self.prefix = prefix
        self.counter = len(_ROWS)

    def create(self, payload: {cls}In) -> {cls}Out:
        payload.validate()
        self.counter += 1
        row = {{"id": self.counter, "name": payload.name, "quantity": payload.quantity,
               "tags": payload.tags}}
        _ROWS[self.counter] = row
        for tag in payload.tags:
            _BY_TAG[tag].add(self.counter)
        logger.info("created %s %s", self.prefix, self.counter)
        return {cls}Out.from_row(row)

    def get(self, item_id: int) -> {cls}Out | None:
        row = _ROWS.get(item_id)
        return {cls}Out.from_row(row) if row else None

    def by_tag(self, tag: str) -> list[{cls}Out]:
        return [{cls}Out.from_row(_ROWS[i]) for i in sorted(_BY_TAG.get(tag, ()))]

    def total(self) -> int:
        return sum(row["quantity"] for row in _ROWS.values())
'''

_ROUTER = '''\
"""HTTP routes of {domain}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from svc.{domain}.schemas_{index} import {cls}In, {cls}Out
from svc.{domain}.service_{index} import {cls}Service
{extra_imports}
router = APIRouter(prefix="/{domain}/{index}", tags=["{domain}"])


def get_service() -> {cls}Service:
    return {cls}Service()


@router.post("/")
async def create_{index}(
    payload: {cls}In, service: {cls}Service = Depends(get_service)
) -> {cls}Out:
    return service.create(payload)


@router.get("/{{item_id}}")
async def read_{index}(item_id: int, service: {cls}Service = Depends(get_service)) -> {cls}Out:
    found = service.get(item_id)
    if found is None:
        raise HTTPException(status_code=404, detail="not found")
    return found


@router.get("/tags/{{tag}}")
async def by_tag_{index}(tag: str, request: Request,
                         service: {cls}Service = Depends(get_service)) -> list[{cls}Out]:
    {state_line}return service.by_tag(tag)
{extra_routes}'''

_CACHE = '''\
"""Redis helpers of {domain}."""

from __future__ import annotations

import redis.asyncio as redis
from fastapi import Request


async def get_redis(request: Request):
    # The bug: a client that owns the shared pool, per request.
    async with redis.Redis.from_pool(request.app.state.pool) as client:
        yield client


def make_key(*parts: object) -> str:
    return ":".join(str(p) for p in ("{domain}", *parts))
'''

_CACHED_ROUTE = """

@router.get("/cached/{{key}}")
async def cached_{index}(key: str, client=Depends(get_redis)) -> dict:
    return {{"value": await client.get(make_key(key))}}
"""

_HELPER = '''\
"""Helpers of {domain}: formatting and paging."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator


def chunks(items: Iterable[object], size: int) -> Iterator[list[object]]:
    batch: list[object] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def pages(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def slug(text: str) -> str:
    return "-".join(part for part in text.lower().replace("_", " ").split() if part)
'''


#: Code a module of a real service has besides what the benchmark is about: reporting,
#: validation and conversion functions, plain classes. Appended to the modules in ``bulk`` mode
#: (blocks of about 600 bytes each, none of them touching Redis or the web framework).
_BULK = (
    '''

def summarize_{tag}(rows: list[dict], field: str = "quantity") -> dict[str, float]:
    """Count, total, mean and spread of ``field`` over ``rows``, for the {domain} reports."""
    values = [float(row.get(field, 0)) for row in rows if row.get(field) is not None]
    if not values:
        return {{"count": 0, "total": 0.0, "mean": 0.0, "spread": 0.0}}
    total = sum(values)
    mean = total / len(values)
    spread = (sum((value - mean) ** 2 for value in values) / len(values)) ** 0.5
    return {{"count": len(values), "total": total, "mean": mean, "spread": spread}}
''',
    '''

def validate_{tag}(payload: dict, required: tuple[str, ...] = ("name", "owner")) -> list[str]:
    """Problems with a {domain} payload, as messages for the client (empty when valid)."""
    problems: list[str] = []
    for key in required:
        if not payload.get(key):
            problems.append(f"{{key}} is required")
    name = str(payload.get("name", ""))
    if len(name) > 120:
        problems.append("name is longer than 120 characters")
    if payload.get("quantity", 0) < 0:
        problems.append("quantity must not be negative")
    return problems
''',
    '''

class Window{tag}:
    """A sliding window of the last ``size`` measurements of a {domain} metric."""

    def __init__(self, size: int = 60) -> None:
        self.size = size
        self.values: list[float] = []

    def add(self, value: float) -> None:
        self.values.append(value)
        if len(self.values) > self.size:
            del self.values[0]

    def average(self) -> float:
        return sum(self.values) / len(self.values) if self.values else 0.0
''',
    '''

def to_csv_{tag}(rows: list[dict], columns: tuple[str, ...]) -> str:
    """The rows as CSV text with a header line; missing values are empty cells."""
    lines = [",".join(columns)]
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            text = "" if value is None else str(value)
            if "," in text or '"' in text:
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(",".join(cells))
    return "\\n".join(lines) + "\\n"
''',
)


def _bulk(rng: random.Random, blocks: int, domain: str, index: int, name: str) -> str:
    """``blocks`` blocks of plain code on average (0 to twice as many)."""
    count = rng.randint(0, 2 * blocks) if blocks else 0
    return "".join(
        rng.choice(_BULK).format(tag=f"{name}_{index}_{number}", domain=domain)
        for number in range(count)
    )


def generate(
    target: Path, modules: int, seed: int = 0, redis_share: float = 0.02, bulk: int = 0
) -> int:
    """Write the monorepo; returns the number of modules written.

    ``bulk``: blocks of plain code added to each module on average (see ``_BULK``); 0 leaves the
    modules at their compact size (about 1 KiB).
    """
    rng = random.Random(seed)
    bulk_rng = random.Random(seed + 1)  # (its own: the project's shape is the same either way)
    if target.exists():
        shutil.rmtree(target)
    svc = target / "svc"
    svc.mkdir(parents=True)
    (target / "pyproject.toml").write_text('[project]\nname = "svc"\n', encoding="utf-8")
    (svc / "__init__.py").write_text("", encoding="utf-8")
    written = 1
    routers: list[str] = []
    # Each unit is 4 modules (schema, service, router, helper); one cache module per domain
    # that uses Redis.
    domains = max(1, modules // 40)
    index = 0
    domain_index = 0
    while written < modules - 2:
        domain = f"d{domain_index % domains:03d}"
        domain_index += 1
        folder = svc / domain
        if not folder.exists():
            folder.mkdir()
            (folder / "__init__.py").write_text("", encoding="utf-8")
            written += 1
        cls = f"Item{index}"
        uses_redis = rng.random() < redis_share * 4  # 4 modules per unit
        values = {"domain": domain, "index": index, "cls": cls}
        files = {
            f"schemas_{index}.py": _SCHEMA.format(**values),
            f"service_{index}.py": _SERVICE.format(**values),
            f"helpers_{index}.py": _HELPER.format(**values),
        }
        extra_imports = ""
        extra_routes = ""
        if uses_redis:
            files[f"cache_{index}.py"] = _CACHE.format(**values)
            extra_imports = f"from svc.{domain}.cache_{index} import get_redis, make_key\n"
            extra_routes = _CACHED_ROUTE.format(**values)
        # Some handlers use request.state (10%): the linter must look at those too.
        state_line = "request.state.tag = tag\n    " if rng.random() < 0.1 else ""
        files[f"router_{index}.py"] = _ROUTER.format(
            extra_imports=extra_imports, extra_routes=extra_routes, state_line=state_line, **values
        )
        for name, text in files.items():
            text += _bulk(bulk_rng, bulk, domain, index, name.split("_", 1)[0])
            (folder / name).write_text(text, encoding="utf-8")
        written += len(files)
        routers.append(f"svc.{domain}.router_{index}")
        index += 1
    imports = "\n".join(
        f"from {module.rsplit('.', 1)[0]} import {module.rsplit('.', 1)[1]} as r{i}"
        for i, module in enumerate(routers)
    )
    includes = "\n".join(f"app.include_router(r{i}.router)" for i in range(len(routers)))
    main = textwrap.dedent(
        """\
        from contextlib import asynccontextmanager

        import redis.asyncio as redis
        from fastapi import FastAPI

        {imports}


        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.pool = redis.BlockingConnectionPool.from_url("redis://localhost")
            yield
            await app.state.pool.aclose()


        app = FastAPI(lifespan=lifespan)
        {includes}
        """
    ).format(imports=imports, includes=includes)
    (svc / "main.py").write_text(main, encoding="utf-8")
    written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--modules", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--redis-share", type=float, default=0.02)
    parser.add_argument("--bulk", type=int, default=0, help="blocks of plain code per module")
    args = parser.parse_args()
    count = generate(args.target, args.modules, args.seed, args.redis_share, args.bulk)
    print(f"wrote {count} modules to {args.target}")


if __name__ == "__main__":
    main()
