"""Django's Redis cache through Redis Sentinel.

Django's RedisCache builds each server's pool with
`OPTIONS["pool_class"].from_url(LOCATION, **other OPTIONS)`; this pool takes
the sentinels and the master's name from those options and asks the
sentinels for the master's address on each new connection, so the cache
follows a failover. LOCATION only carries the database number
("redis://<master name>/<db>"); its host is not used.

    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://mymaster/0",
        "OPTIONS": {
            "pool_class": "core.redis_sentinel.SentinelPool",
            "sentinels": [("10.0.0.1", 26379), ("10.0.0.2", 26379)],
            "master_name": "mymaster",
            "sentinel_kwargs": {"password": "..."},  # the sentinels' own, optional
            "password": "...",  # the master's, optional
        },
    }}
"""

from typing import Any

from redis.connection import parse_url
from redis.sentinel import Sentinel, SentinelConnectionPool


class SentinelPool(SentinelConnectionPool):
    @classmethod
    def from_url(  # type: ignore[override]
        cls,
        url: str,
        *,
        sentinels: list[tuple[str, int]],
        master_name: str,
        sentinel_kwargs: dict[str, Any] | None = None,
        **options: Any,
    ) -> "SentinelPool":
        from_location = parse_url(url)
        for key in ("host", "port", "path"):
            from_location.pop(key, None)
        manager = Sentinel(
            [tuple(address) for address in sentinels], sentinel_kwargs=sentinel_kwargs or {}
        )
        return cls(master_name, manager, **{**from_location, **options})
