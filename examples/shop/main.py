"""The application: lifespan, middleware, routers.

Run it:  REDIS_URL=redis://127.0.0.1:6379/0 uvicorn shop.main:app
"""

from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable

import redis
import redis.asyncio
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from . import settings
from .routers import carts, products


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One pool per process, made at startup and closed at shutdown.
    app.state.pool = redis.asyncio.ConnectionPool.from_url(
        settings.REDIS_URL,
        max_connections=settings.REDIS_MAX_CONNECTIONS,
        decode_responses=True,
    )
    # The cart code is older and still uses the sync client, in FastAPI's thread pool.
    app.state.sync_pool = redis.ConnectionPool.from_url(
        settings.REDIS_URL,
        max_connections=settings.REDIS_MAX_CONNECTIONS,
        decode_responses=True,
    )
    yield
    await app.state.pool.aclose()
    app.state.sync_pool.close()


app = FastAPI(title="example-shop", lifespan=lifespan)
app.include_router(products.router)
app.include_router(carts.router)


@app.middleware("http")
async def maintenance_mode(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    client = redis.asyncio.from_url(
        settings.REDIS_URL,
        max_connections=settings.REDIS_MAX_CONNECTIONS,
        decode_responses=True,
    )
    try:
        down = await client.get("shop:maintenance")
    finally:
        await client.aclose()
    if down:
        return JSONResponse({"detail": "down for maintenance"}, status_code=503)
    return await call_next(request)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
