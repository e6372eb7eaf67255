"""The login throttle on its own: free attempts, doubling waits, forgetting, per account and
address together, and no emails or addresses kept."""

from __future__ import annotations

import hashlib

from litestar.stores.memory import MemoryStore

from entrypoints.http.login_throttle import StoreLoginThrottle
from tests.support.fakes import FakeClock

HERE = "203.0.113.9"


async def test_waits_double_after_the_free_attempts_and_a_success_clears_them() -> None:
    clock = FakeClock()
    throttle = StoreLoginThrottle(MemoryStore(), clock, free_attempts=2, max_delay_s=4)
    for _ in range(2):
        assert await throttle.retry_after("a@example.com", HERE) is None
        await throttle.failed("a@example.com", HERE)
    assert await throttle.retry_after("a@example.com", HERE) == 1
    waits = []
    for _ in range(4):
        await throttle.failed("a@example.com", HERE)
        waits.append(await throttle.retry_after("a@example.com", HERE))
    assert waits == [2, 4, 4, 4], "doubling, capped at max_delay_s"
    assert await throttle.retry_after("b@example.com", HERE) is None
    clock.advance(4)
    assert await throttle.retry_after("a@example.com", HERE) is None
    await throttle.succeeded("a@example.com", HERE)
    await throttle.failed("a@example.com", HERE)
    assert await throttle.retry_after("a@example.com", HERE) is None, "the count started again"


async def test_another_address_is_not_slowed_by_this_ones_failures() -> None:
    throttle = StoreLoginThrottle(MemoryStore(), FakeClock(), free_attempts=2)
    for _ in range(10):
        await throttle.failed("a@example.com", HERE)
    assert await throttle.retry_after("a@example.com", HERE) is not None
    assert await throttle.retry_after("a@example.com", "198.51.100.1") is None


async def test_the_store_holds_digests_not_email_addresses() -> None:
    store = MemoryStore()
    await StoreLoginThrottle(store, FakeClock()).failed("trader@example.com", HERE)
    digest = hashlib.sha256(f"trader@example.com\n{HERE}".encode()).hexdigest()
    assert await store.exists(f"login-failures:{digest}")
    assert not await store.exists("login-failures:trader@example.com")
