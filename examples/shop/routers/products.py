"""The catalogue: /products."""

from fastapi import APIRouter, HTTPException, Request
from redis.asyncio import Redis

from ..deps import RedisDep

router = APIRouter(prefix="/products", tags=["products"])


@router.get("")
async def list_products(request: Request) -> list[dict[str, str]]:
    async with Redis.from_pool(request.app.state.pool) as r:
        ids = sorted(await r.smembers("shop:products"), key=int)
        async with r.pipeline(transaction=False) as pipe:
            for product_id in ids:
                pipe.hgetall(f"shop:product:{product_id}")
            return await pipe.execute()


@router.get("/{product_id}")
async def read_product(product_id: int, r: RedisDep) -> dict[str, str]:
    product = await r.hgetall(f"shop:product:{product_id}")
    if not product:
        raise HTTPException(status_code=404, detail="no such product")
    return product
