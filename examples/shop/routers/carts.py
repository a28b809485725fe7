"""Carts: /carts. Older code, sync, run by FastAPI in its thread pool."""

import redis
from fastapi import APIRouter, Depends

from ..deps import get_sync_redis

router = APIRouter(prefix="/carts", tags=["carts"])


@router.get("/{cart_id}")
def read_cart(cart_id: int, r: redis.Redis = Depends(get_sync_redis)) -> dict[str, object]:
    items = r.hgetall(f"shop:cart:{cart_id}")
    return {"cart_id": cart_id, "items": {sku: int(qty) for sku, qty in sorted(items.items())}}
