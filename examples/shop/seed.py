"""Fill Redis with the demo catalogue and carts: python -m shop.seed"""

import redis

from . import settings

PRODUCTS = 20
CARTS = 10


def seed(url: str = settings.REDIS_URL) -> None:
    # A script, run once: its own client is right here.
    with redis.Redis.from_url(url, decode_responses=True) as r:
        pipe = r.pipeline()
        for n in range(1, PRODUCTS + 1):
            pipe.hset(f"shop:product:{n}", mapping={"id": str(n), "name": f"Product {n}", "price": f"{n * 1.5:.2f}"})
            pipe.sadd("shop:products", str(n))
        for n in range(1, CARTS + 1):
            pipe.delete(f"shop:cart:{n}")
            pipe.hset(f"shop:cart:{n}", mapping={f"sku-{(n + k) % PRODUCTS + 1}": str(k + 1) for k in range(3)})
        pipe.delete("shop:maintenance")
        pipe.execute()


if __name__ == "__main__":
    seed()
    print(f"seeded {PRODUCTS} products and {CARTS} carts into {settings.REDIS_URL}")
