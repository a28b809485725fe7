"""example-shop: a small FastAPI shop that keeps its catalogue and carts in Redis."""
