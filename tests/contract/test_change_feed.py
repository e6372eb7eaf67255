"""The ChangeFeed contract, against every adapter: in-process; PostgreSQL LISTEN/NOTIFY
(BYOM_TEST_POSTGRES_URL); Redis pub/sub (BYOM_TEST_REDIS_URL). The cross-process ones are used
as two processes would use them: two feeds, each with its own connection."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.changes import InProcessChangeFeed
from domain.ports import ChangeFeed
from tests.support.change_feeds import (
    SECRET,
    UNREACHABLE,
    Backend,
    Heard,
    postgres_backend,
    redis_backend,
)


def _build(kind: str) -> Backend:
    tag = uuid.uuid4().hex[:12]
    if kind == "in-process":
        return Backend(lambda _name: InProcessChangeFeed())
    return postgres_backend(tag) if kind == "postgres" else redis_backend(tag)


@pytest.fixture(
    params=["in-process", pytest.param("postgres", marks=pytest.mark.postgres), "redis"]
)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    built = _build(request.param)
    yield built
    for feed in built.made:
        await feed.aclose()


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "redis"])
async def remote(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """The cross-process adapters only: in one process there is no other feed to reach, nothing
    else that can send to it and no connection to lose."""
    built = _build(request.param)
    yield built
    for feed in built.made:
        await feed.aclose()


async def test_it_is_live_once_open(backend: Backend) -> None:
    feed = backend.feed()
    if backend.remote:
        assert not feed.live  # nothing heard yet: no one may trust what they remember
    await feed.open()
    await feed.open()  # idempotent
    assert feed.live


async def test_local_listeners_are_told_before_publish_returns(backend: Backend) -> None:
    feed = backend.feed()
    await feed.open()
    heard = Heard(feed)
    user = uuid.uuid4()
    await feed.publish(user)
    assert user in heard.notices


async def test_a_publish_on_one_feed_reaches_the_other_feeds_listeners(remote: Backend) -> None:
    one, other = remote.feed("one"), remote.feed("other")
    await one.open()
    await other.open()
    heard = Heard(other)
    users = [uuid.uuid4(), uuid.uuid4()]
    for user in users:
        await one.publish(user)
    await heard.until(lambda notices: users[-1] in notices)
    assert [n for n in heard.notices if n is not None] == users


async def test_payloads_that_are_not_user_ids_are_ignored(remote: Backend) -> None:
    assert remote.send is not None
    feed = remote.feed()
    await feed.open()
    heard = Heard(feed)
    user = uuid.uuid4()
    for payload in ("not-a-user", "x" * 4000, "'; DROP TABLE users; --", "", str(user)):
        await remote.send(payload)
    await heard.until(lambda notices: user in notices)
    assert heard.notices == [None, user]  # the empty payload: "anything may have changed"
    assert feed.live


async def test_a_lost_connection_is_not_live_and_says_none_before_it_is_live_again(
    remote: Backend,
) -> None:
    assert remote.kill is not None
    one, other = remote.feed("one"), remote.feed("other")
    await one.open()
    await other.open()
    heard = Heard(other)
    await remote.kill("other")
    await heard.until(lambda notices: None in notices)
    assert heard.live_then[heard.notices.index(None)] is False
    assert other.live
    user = uuid.uuid4()
    await one.publish(user)  # and it hears the others again
    await heard.until(lambda notices: user in notices)


async def test_aclose_stops_it_cleanly(
    backend: Backend, caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    feed = backend.feed()
    await feed.open()
    with caplog.at_level(logging.WARNING):
        await feed.aclose()
        await feed.aclose()
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    assert others == []
    assert caplog.records == []
    assert not backend.remote or not feed.live
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.parametrize("make", UNREACHABLE)
async def test_while_down_it_is_not_live_and_publish_tells_this_process_only(
    make: Callable[[], ChangeFeed], caplog: pytest.LogCaptureFixture
) -> None:
    feed = make()
    heard = Heard(feed)
    user = uuid.uuid4()
    with caplog.at_level(logging.DEBUG, logger="adapters.changes"):
        try:
            await feed.open()  # returns after the first attempt: the start is not held up
            assert not feed.live
            await feed.publish(user)  # committed already: not raised
        finally:
            await feed.aclose()
    assert heard.notices == [user]
    assert any("not told" in r.getMessage() for r in caplog.records)
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert SECRET not in repr(feed)


@pytest.mark.parametrize("make", UNREACHABLE)
async def test_closing_it_while_it_opens_ends_the_open(make: Callable[[], ChangeFeed]) -> None:
    feed = make()
    opening = asyncio.create_task(feed.open())
    await asyncio.sleep(0)  # the open is under way, its first attempt not over
    await feed.aclose()
    async with asyncio.timeout(10):
        await opening
    assert not feed.live
