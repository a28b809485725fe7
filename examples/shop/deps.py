"""Dependencies shared by the routers."""

from typing import Annotated, AsyncIterator, Iterator

import redis
from fastapi import Depends, Request
from redis.asyncio import Redis


async def get_redis(request: Request) -> AsyncIterator[Redis]:
    async with Redis.from_pool(request.app.state.pool) as client:
        yield client


RedisDep = Annotated[Redis, Depends(get_redis)]


def get_sync_redis(request: Request) -> Iterator[redis.Redis]:
    client = redis.Redis.from_pool(request.app.state.sync_pool)
    try:
        yield client
    finally:
        client.close()
