"""Revocation stamps: each revocation moves the stamp on, even on a frozen clock, and only
for that user; the entry lives as long as a token does."""

from __future__ import annotations

from uuid import uuid4

from litestar.stores.memory import MemoryStore

from entrypoints.http.session_revocations import StoreSessionRevocations
from tests.support.fakes import FakeClock


async def test_each_revocation_raises_the_stamp_even_on_a_frozen_clock() -> None:
    revocations = StoreSessionRevocations(MemoryStore(), FakeClock(), token_ttl_s=600)
    alice, bob = uuid4(), uuid4()
    assert await revocations.stamp(alice) == 0
    first = await revocations.revoke(alice)
    second = await revocations.revoke(alice)
    assert 0 < first < second == await revocations.stamp(alice)
    assert await revocations.stamp(bob) == 0, "one user's logout is theirs alone"


async def test_the_stamp_is_kept_as_long_as_a_token_lives_and_holds_no_email() -> None:
    store = MemoryStore()
    user_id = uuid4()
    await StoreSessionRevocations(store, FakeClock(), token_ttl_s=600).revoke(user_id)
    key = f"revoked:{user_id.hex}"
    assert 600 < (await store.expires_in(key) or 0) <= 660
