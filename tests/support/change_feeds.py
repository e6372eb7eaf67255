"""Change feeds for the contract suite: two feeds of one adapter as two processes would hold them,
and what a test does to them from outside (end a feed's connection, send a raw notice)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import pytest
from redis.asyncio import Redis

from adapters.changes.postgres_notify import PostgresChangeFeed, connect_args
from adapters.changes.redis_pubsub import RedisChangeFeed
from domain.ports import ChangeFeed
from tests.support.databases import postgres_url_or_skip, redis_url_or_skip

SECRET = "hunter2-not-for-logs"
UNREACHABLE = [  # nothing listens on port 9 here: refused at once
    pytest.param(
        lambda: PostgresChangeFeed(f"postgresql+asyncpg://byom:{SECRET}@127.0.0.1:9/byom"),
        id="postgres",
    ),
    pytest.param(lambda: RedisChangeFeed(f"redis://:{SECRET}@127.0.0.1:9/0"), id="redis"),
]
WAIT_S = 10.0  # a bound on a wait that normally ends in milliseconds, not a timed assertion


@dataclass
class Backend:
    """Feeds of one adapter, and what a test does to them from outside."""

    new: Callable[[str], ChangeFeed]
    kill: Callable[[str], Awaitable[None]] | None = None  # end the named feed's connection
    send: Callable[[str], Awaitable[None]] | None = None  # a raw notice, as another program
    made: list[ChangeFeed] = field(default_factory=list)

    def feed(self, name: str = "a") -> ChangeFeed:
        built = self.new(name)
        self.made.append(built)
        return built

    @property
    def remote(self) -> bool:
        return self.kill is not None


def postgres_backend(tag: str) -> Backend:
    url = postgres_url_or_skip()
    channel = f"byom_changes_{tag}"

    async def kill(name: str) -> None:
        conn = await asyncpg.connect(**connect_args(url))
        try:
            ended = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = $1",
                f"{tag}-{name}",
            )
        finally:
            await conn.close()
        assert ended == 1

    async def send(payload: str) -> None:
        conn = await asyncpg.connect(**connect_args(url))
        try:
            await conn.execute("SELECT pg_notify($1, $2)", channel, payload)
        finally:
            await conn.close()

    return Backend(
        lambda name: PostgresChangeFeed(url, channel=channel, name=f"{tag}-{name}"), kill, send
    )


def redis_backend(tag: str) -> Backend:
    url = redis_url_or_skip()
    channel = f"byom-changes-{tag}"  # pub/sub is server-wide: each test its own channel

    async def kill(name: str) -> None:
        async with Redis.from_url(url) as client:
            listening = await client.client_list(_type="pubsub")
            mine = [each["id"] for each in listening if each["name"] == f"{tag}-{name}"]
            assert len(mine) == 1
            await client.execute_command("CLIENT", "KILL", "ID", mine[0])

    async def send(payload: str) -> None:
        async with Redis.from_url(url) as client:
            await client.publish(channel, payload)

    return Backend(
        lambda name: RedisChangeFeed(url, channel=channel, name=f"{tag}-{name}"), kill, send
    )


class Heard:
    """A listener that remembers each notice and whether its feed was live when it came."""

    def __init__(self, feed: ChangeFeed) -> None:
        self.notices: list[UUID | None] = []
        self.live_then: list[bool] = []
        self._feed = feed
        self._changed = asyncio.Event()
        feed.subscribe(self)

    def __call__(self, user_id: UUID | None) -> None:
        self.notices.append(user_id)
        self.live_then.append(self._feed.live)
        self._changed.set()

    async def until(self, done: Callable[[list[UUID | None]], bool]) -> None:
        async with asyncio.timeout(WAIT_S):
            while not done(self.notices):
                self._changed.clear()
                await self._changed.wait()
