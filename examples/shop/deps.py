"""Dependencies shared by the routers."""

from typing import Annotated, AsyncIterator, Iterator

import redis
from fastapi import Depends, Request
from redis.asyncio import Redis


async def get_redis(request: Request) -> AsyncIterator[Redis]:
    # BUG (RPL001): from_pool makes this client OWN the shared pool. When the request ends,
    # `async with` closes the client, and with it every connection of the pool, including
    # the ones other requests are using right now.
    async with Redis.from_pool(request.app.state.pool) as client:
        yield client


RedisDep = Annotated[Redis, Depends(get_redis)]


def get_sync_redis(request: Request) -> Iterator[redis.Redis]:
    # BUG (RPL001): the same with the sync client. `def` dependencies run in a thread pool,
    # so requests overlap here too, and close() closes the shared sync pool under them.
    client = redis.Redis.from_pool(request.app.state.sync_pool)
    try:
        yield client
    finally:
        client.close()
