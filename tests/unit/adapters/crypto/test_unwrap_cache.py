"""CachingKeyWrapper: unwrapped data keys kept a short, bounded while, on a fake clock."""

from __future__ import annotations

import os
import uuid
from uuid import UUID

import pytest

from adapters.crypto import AesGcmKeyWrapper, Keyring, MasterKey
from adapters.crypto.unwrap_cache import CachingKeyWrapper
from domain.errors import DecryptionFailed, KeyServiceUnavailable
from domain.sealing import WrappedKey
from tests.support.fakes import FakeClock

TTL = 300


class FakeRemoteKeyWrapper(AesGcmKeyWrapper):
    """A keyring that counts the unwraps it is asked for and can be unreachable, like a KMS."""

    __slots__ = ("down", "unwraps")

    def __init__(self) -> None:
        super().__init__(Keyring([MasterKey("kms-like", os.urandom(32))]))
        self.unwraps = 0
        self.down = False

    async def unwrap(self, wrapped: WrappedKey, user_id: UUID) -> bytes:
        self.unwraps += 1
        if self.down:
            raise KeyServiceUnavailable("HTTP 503")
        return await super().unwrap(wrapped, user_id)


@pytest.fixture
def inner() -> FakeRemoteKeyWrapper:
    return FakeRemoteKeyWrapper()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(inner: FakeRemoteKeyWrapper, clock: FakeClock) -> CachingKeyWrapper:
    return CachingKeyWrapper(inner, clock, ttl_s=TTL, max_entries=2)


async def _wrapped(inner: FakeRemoteKeyWrapper) -> tuple[bytes, UUID, WrappedKey]:
    dek, user_id = os.urandom(32), uuid.uuid4()
    return dek, user_id, await inner.wrap(dek, user_id)


async def test_a_second_unwrap_is_served_from_the_cache(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper
) -> None:
    dek, user_id, wrapped = await _wrapped(inner)

    assert await cache.unwrap(wrapped, user_id) == dek
    assert await cache.unwrap(wrapped, user_id) == dek
    assert inner.unwraps == 1


async def test_a_fresh_wrap_is_cached_for_the_unwrap_that_follows(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper
) -> None:
    dek, user_id = os.urandom(32), uuid.uuid4()

    wrapped = await cache.wrap(dek, user_id)

    assert await cache.unwrap(wrapped, user_id) == dek
    assert inner.unwraps == 0


async def test_the_cache_is_keyed_by_owner_too(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper
) -> None:
    """A cached key never answers for another user: the inner wrapper decides (and refuses)."""
    _, user_id, wrapped = await _wrapped(inner)
    await cache.unwrap(wrapped, user_id)

    with pytest.raises(DecryptionFailed):
        await cache.unwrap(wrapped, uuid.uuid4())
    assert inner.unwraps == 2


async def test_an_entry_expires_after_its_lifetime_and_a_hit_does_not_extend_it(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper, clock: FakeClock
) -> None:
    _, user_id, wrapped = await _wrapped(inner)
    await cache.unwrap(wrapped, user_id)
    clock.advance(TTL - 1)
    await cache.unwrap(wrapped, user_id)
    assert inner.unwraps == 1

    clock.advance(1)
    assert len(cache) == 0, "dropped at expiry, not only ignored"
    await cache.unwrap(wrapped, user_id)
    assert inner.unwraps == 2


async def test_the_cache_holds_at_most_max_entries_dropping_the_oldest(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper
) -> None:
    first, second, third = [await _wrapped(inner) for _ in range(3)]
    for _, user_id, wrapped in (first, second, third):
        await cache.unwrap(wrapped, user_id)
    assert len(cache) == 2

    await cache.unwrap(third[2], third[1])
    assert inner.unwraps == 3
    await cache.unwrap(first[2], first[1])
    assert inner.unwraps == 4, "the oldest was dropped"


async def test_cached_keys_open_during_an_outage_and_others_recover_after_it(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper
) -> None:
    cached_dek, cached_user, cached = await _wrapped(inner)
    other_dek, other_user, other = await _wrapped(inner)
    await cache.unwrap(cached, cached_user)

    inner.down = True
    assert await cache.unwrap(cached, cached_user) == cached_dek
    with pytest.raises(KeyServiceUnavailable):
        await cache.unwrap(other, other_user)

    inner.down = False
    assert await cache.unwrap(other, other_user) == other_dek, "a failure is not cached"


async def test_a_clock_that_goes_back_expires_what_was_stored_later(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper, clock: FakeClock
) -> None:
    _, user_id, wrapped = await _wrapped(inner)
    await cache.unwrap(wrapped, user_id)

    clock.advance(-60)
    await cache.unwrap(wrapped, user_id)

    assert inner.unwraps == 2


async def test_a_returned_key_is_a_copy_and_clear_forgets_everything(
    cache: CachingKeyWrapper, inner: FakeRemoteKeyWrapper
) -> None:
    dek, user_id, wrapped = await _wrapped(inner)
    returned = await cache.unwrap(wrapped, user_id)
    assert isinstance(returned, bytes)

    cache.clear()

    assert len(cache) == 0
    assert await cache.unwrap(wrapped, user_id) == dek
    assert dek.hex() not in repr(cache)
    assert repr(cache).endswith("entries=1)")


def test_a_cache_needs_a_size_and_a_lifetime(inner: FakeRemoteKeyWrapper) -> None:
    with pytest.raises(ValueError, match="positive"):
        CachingKeyWrapper(inner, FakeClock(), max_entries=0)
    with pytest.raises(ValueError, match="positive"):
        CachingKeyWrapper(inner, FakeClock(), ttl_s=0)
