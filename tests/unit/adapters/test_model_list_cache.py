"""``InMemoryModelListCache``: an entry answers only for its key version and until it is older
than the time to live; a new version replaces the old one; the least recently used goes first."""

from __future__ import annotations

import uuid

import pytest

from adapters.model_list_cache import InMemoryModelListCache
from domain.model_list import ModelListKey
from tests.support.fakes import FakeClock


def _key(credential_id: uuid.UUID | None = None, version: str = "v1") -> ModelListKey:
    return ModelListKey(credential_id or uuid.uuid4(), version)


async def test_an_entry_is_served_until_it_is_as_old_as_the_ttl() -> None:
    clock = FakeClock()
    cache = InMemoryModelListCache(clock, ttl_s=60)
    key = _key()
    await cache.put(key, ("gpt-4o", "gpt-4o-mini"))

    clock.advance(59)
    assert await cache.get(key) == ("gpt-4o", "gpt-4o-mini")
    clock.advance(1)
    assert await cache.get(key) is None
    assert len(cache) == 0, "an expired entry is dropped when met"


async def test_an_entry_answers_only_for_the_key_version_it_was_stored_under() -> None:
    cache = InMemoryModelListCache(FakeClock(), ttl_s=60)
    old = _key(version="old")
    await cache.put(old, ("a",))
    new = ModelListKey(old.credential_id, "new")

    assert await cache.get(new) is None
    await cache.put(new, ("b",))
    assert await cache.get(new) == ("b",)
    assert await cache.get(old) is None, "the new version replaced the old one"
    assert len(cache) == 1


async def test_the_least_recently_used_entry_goes_first_past_the_bound() -> None:
    cache = InMemoryModelListCache(FakeClock(), ttl_s=60, max_entries=2)
    first, second, third = _key(), _key(), _key()
    await cache.put(first, ("a",))
    await cache.put(second, ("b",))
    assert await cache.get(first) == ("a",)  # first is now the most recently used

    await cache.put(third, ("c",))

    assert len(cache) == 2
    assert await cache.get(second) is None
    assert await cache.get(first) == ("a",)
    assert await cache.get(third) == ("c",)


async def test_discard_forgets_a_credential() -> None:
    cache = InMemoryModelListCache(FakeClock(), ttl_s=60)
    key = _key()
    await cache.put(key, ("a",))
    await cache.discard(key.credential_id)
    await cache.discard(key.credential_id)  # twice is fine
    assert await cache.get(key) is None


@pytest.mark.parametrize(("ttl_s", "max_entries"), [(0, 10), (-1, 10), (60, 0)])
def test_a_cache_that_could_hold_nothing_is_refused(ttl_s: float, max_entries: int) -> None:
    with pytest.raises(ValueError, match="ttl_s"):
        InMemoryModelListCache(FakeClock(), ttl_s=ttl_s, max_entries=max_entries)
