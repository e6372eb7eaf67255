"""The login throttle on its own: free attempts, doubling waits, forgetting, and no emails kept."""

from __future__ import annotations

import hashlib

from litestar.stores.memory import MemoryStore

from entrypoints.http.login_throttle import StoreLoginThrottle
from tests.support.fakes import FakeClock


async def test_waits_double_after_the_free_attempts_and_a_success_clears_them() -> None:
    clock = FakeClock()
    throttle = StoreLoginThrottle(MemoryStore(), clock, free_attempts=2, max_delay_s=4)
    for _ in range(2):
        assert await throttle.retry_after("a@example.com") is None
        await throttle.failed("a@example.com")
    assert await throttle.retry_after("a@example.com") == 1
    waits = []
    for _ in range(4):
        await throttle.failed("a@example.com")
        waits.append(await throttle.retry_after("a@example.com"))
    assert waits == [2, 4, 4, 4], "doubling, capped at max_delay_s"
    assert await throttle.retry_after("b@example.com") is None
    clock.advance(4)
    assert await throttle.retry_after("a@example.com") is None
    await throttle.succeeded("a@example.com")
    await throttle.failed("a@example.com")
    assert await throttle.retry_after("a@example.com") is None, "the count started again"


async def test_the_store_holds_digests_not_email_addresses() -> None:
    store = MemoryStore()
    await StoreLoginThrottle(store, FakeClock()).failed("trader@example.com")
    digest = hashlib.sha256(b"trader@example.com").hexdigest()
    assert await store.exists(f"login-failures:{digest}")
    assert not await store.exists("login-failures:trader@example.com")
