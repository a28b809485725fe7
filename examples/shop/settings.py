"""Settings, read from the environment once at import."""

import os

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# Size of each connection pool the app makes (max_connections). redis-py 8.1's asyncio
# ConnectionPool holds at most 100 connections by default and raises MaxConnectionsError (it does
# not wait) when all are in use: size it for the number of requests you serve at once.
REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", "100"))
