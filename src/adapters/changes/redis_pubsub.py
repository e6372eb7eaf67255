"""A change feed on Redis pub/sub: every process using the same Redis hears it.

One connection subscribes (redis-py's asyncio ``PubSub``); notices go out on the client's pool.
Pub/sub ignores the database number, so the channel carries it: two deployments that share a
Redis server on different databases (``redis://…/0`` and ``…/1``) do not hear each other."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from adapters.changes._remote import RemoteChangeFeed

CHANNEL = "byom-changes"


class RedisChangeFeed(RemoteChangeFeed):
    """Notices as ``PUBLISH byom-changes:<db> <user id>``; an empty payload means "everything".

    When Redis is down, ``publish`` tells this process, logs a warning and returns: the change
    is committed, and the other processes, whose feeds are then down too, are not live (their
    caches step aside) and hear None when they reconnect; the caches' lifetime bounds the rare
    rest (this subscription alone lost)."""

    def __init__(
        self,
        redis_url: str,
        *,
        channel: str | None = None,
        name: str = "byom-changes",
        heartbeat_s: float = 30.0,
        backoff_s: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        self._client: Redis = Redis.from_url(
            redis_url,
            client_name=name,  # CLIENT LIST shows who listens
            socket_connect_timeout=5.0,
            socket_timeout=5.0,
            socket_keepalive=True,
            health_check_interval=max(1, int(heartbeat_s)),
        )
        kwargs = self._client.connection_pool.connection_kwargs
        super().__init__(name, kwargs.get("password"), backoff_s)
        self._channel = channel or f"{CHANNEL}:{kwargs.get('db', 0)}"
        self._heartbeat_s = heartbeat_s
        self._pubsub: PubSub | None = None

    async def _connect(self) -> None:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
        except BaseException:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py's own gap
            raise
        self._pubsub = pubsub

    async def _hold(self) -> None:
        pubsub = self._pubsub
        while pubsub is not None:
            # The wait's end also sends the health check's PING, so a silent peer shows.
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=self._heartbeat_s
            )
            if message is not None and message.get("type") == "message":
                self._receive(_text(message.get("data")))

    async def _disconnect(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            try:
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py's own gap
            except Exception:  # the connection is gone already: nothing left to release
                return

    async def _send(self, payload: str) -> None:
        await self._client.publish(self._channel, payload)

    async def _release(self) -> None:
        try:
            await self._client.aclose()
        except RuntimeError:
            # A pooled connection opened on an event loop that has ended (a test client serves
            # requests on a loop of its own) went with that loop: nothing is left to close.
            return


def _text(data: Any) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode()
        except UnicodeDecodeError:
            return "?"  # not a user id: ignored
    return str(data)
