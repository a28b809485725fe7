"""redispool-lint: find (and fix) Redis clients created per request in async Python web apps."""

__version__ = "0.1.0"
