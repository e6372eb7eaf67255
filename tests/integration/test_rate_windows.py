"""The rate limits' counters (entrypoints.http.rate_windows), in this process and in Redis:
a window opens at a subject's first request, every request in it counts (refused ones too,
which changes no answer), subjects count apart; in Redis two clients share one count."""

from __future__ import annotations

import asyncio

import pytest
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from entrypoints.http.rate_windows import MemoryRateWindows, RateWindows, rate_windows_for


@pytest.fixture(params=["memory", "redis"])
async def windows(request: pytest.FixtureRequest) -> RateWindows:
    if request.param == "memory":
        return rate_windows_for(MemoryStore())
    url = request.getfixturevalue("redis_url")
    return rate_windows_for(RedisStore.with_client(url=url, namespace="byom-rate-limit"))


async def test_every_request_in_a_window_counts_and_subjects_count_apart(
    windows: RateWindows,
) -> None:
    counts = [await windows.count("limit::chat:alice", 60) for _ in range(3)]
    assert [n for n, _ in counts] == [1, 2, 3]
    assert all(0 < left <= 60 for _, left in counts)
    assert (await windows.count("limit::chat:bob", 60))[0] == 1
    assert (await windows.count("limit::gateway:alice", 60))[0] == 1


async def test_concurrent_requests_each_take_their_own_count(windows: RateWindows) -> None:
    found = await asyncio.gather(*(windows.count("limit::gateway:x", 60) for _ in range(20)))
    assert sorted(n for n, _ in found) == list(range(1, 21))


async def test_two_instances_share_one_count_through_redis(redis_url: str) -> None:
    one, two = (
        rate_windows_for(RedisStore.with_client(url=redis_url, namespace="byom-rate-limit"))
        for _ in range(2)
    )
    assert (await one.count("limit::login:10.0.0.1", 60))[0] == 1
    assert (await two.count("limit::login:10.0.0.1", 60))[0] == 2


async def test_a_window_ends_where_it_began_plus_its_length() -> None:
    now = [1_000.0]
    windows = MemoryRateWindows(clock=lambda: now[0])
    assert await windows.count("k", 60) == (1, 60)
    now[0] += 59.5
    assert await windows.count("k", 60) == (2, 1), "requests do not push the window's end"
    now[0] += 0.5
    assert await windows.count("k", 60) == (1, 60), "a new window, counted from zero"


async def test_ended_windows_are_dropped_as_new_subjects_arrive() -> None:
    now = [0.0]
    windows = MemoryRateWindows(clock=lambda: now[0])
    for n in range(5000):
        await windows.count(f"address:{n}", 60)
    now[0] += 61
    for n in range(5000):
        await windows.count(f"later:{n}", 60)
    assert len(windows) <= 5000 + 4096, "the first window's subjects were swept"
