"""Which change feed the settings choose, and that the container opens and closes it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from adapters.changes import InProcessChangeFeed
from adapters.changes.postgres_notify import PostgresChangeFeed
from adapters.changes.redis_pubsub import RedisChangeFeed
from entrypoints.bootstrap.change_feed import change_feed
from entrypoints.settings import ServerSettings, Settings
from tests.support.builders import make_settings, memory_world
from tests.support.databases import postgres_url_or_skip

SQLITE = "sqlite+aiosqlite:///var/byom.db"
POSTGRES = "postgresql+asyncpg://byom:secret@db.internal:5432/byom"
REDIS = "redis://cache.internal:6379/0"


def settings(database_url: str, *, redis_url: str | None = None, workers: int = 1) -> Settings:
    base = make_settings(database_url=database_url)
    return replace(base, server=ServerSettings(redis_url=redis_url, workers=workers))


@pytest.mark.parametrize(
    ("database_url", "redis_url", "workers", "chosen"),
    [
        (POSTGRES, REDIS, 2, RedisChangeFeed),  # the instances share that Redis
        (SQLITE, REDIS, 4, RedisChangeFeed),
        (POSTGRES, None, 2, PostgresChangeFeed),
        (POSTGRES, None, 1, PostgresChangeFeed),  # other instances may share the database
        (SQLITE, None, 1, InProcessChangeFeed),  # one process is everyone
    ],
)
def test_the_settings_choose_a_feed_every_process_hears(
    database_url: str, redis_url: str | None, workers: int, chosen: type
) -> None:
    assert type(change_feed(settings(database_url, redis_url=redis_url, workers=workers))) is chosen


def test_sqlite_with_several_workers_has_no_feed_so_nothing_is_cached() -> None:
    assert change_feed(settings(SQLITE, workers=2)) is None


def test_choosing_connects_nowhere() -> None:
    feed = change_feed(settings(POSTGRES))  # db.internal does not exist: nothing was tried
    assert feed is not None
    assert not feed.live


@pytest.mark.postgres
async def test_the_container_opens_and_closes_its_feed() -> None:
    world = memory_world(settings(postgres_url_or_skip()))
    changes = world.container.changes
    assert isinstance(changes, PostgresChangeFeed)
    await world.container.open()
    opened = changes.live
    await world.container.aclose()
    assert (opened, changes.live) == (True, False)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
