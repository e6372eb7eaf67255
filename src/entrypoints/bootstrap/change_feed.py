"""Choosing the change feed from the settings: how a change made in one process (a key revoked,
a token changed) reaches every process that may remember the old state."""

from __future__ import annotations

from adapters.changes import InProcessChangeFeed
from domain.ports import ChangeFeed
from entrypoints.settings import Settings


def change_feed(settings: Settings) -> ChangeFeed | None:
    """The feed every process of this deployment shares, or None: no feed reaches them all, so
    nothing may be cached across requests ("caches off").

    - ``BYOM_REDIS_URL`` set: Redis pub/sub (the instances share that Redis already);
    - else PostgreSQL: LISTEN/NOTIFY on the database every instance shares;
    - else SQLite with one worker: the in-process feed (one process is everyone);
    - SQLite with several workers (``BYOM_WORKERS`` > 1): None. SQLite has no notices between
      processes, and a worker that cached a revoked key would keep serving it.

    Nothing connects here: ``Container.open()`` opens the feed, ``aclose()`` closes it."""
    if settings.server.redis_url:
        from adapters.changes.redis_pubsub import RedisChangeFeed

        return RedisChangeFeed(settings.server.redis_url)
    if not settings.database.is_sqlite:
        from adapters.changes.postgres_notify import PostgresChangeFeed

        return PostgresChangeFeed(settings.database.url)
    if settings.server.workers == 1:
        return InProcessChangeFeed()
    return None
