"""The ``ProviderCallSlots`` contract, run against every adapter (only the in-process one is
built: docs/security.md says why the count is per process)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from uuid import uuid4

import pytest

from adapters.call_slots import InProcessCallSlots
from domain.errors import TooManyProviderCalls
from domain.ports import ProviderCallSlots

ADAPTERS: dict[str, Callable[[int], ProviderCallSlots]] = {"in-process": InProcessCallSlots}


@pytest.fixture(params=sorted(ADAPTERS))
def make(request: pytest.FixtureRequest) -> Callable[[int], ProviderCallSlots]:
    return ADAPTERS[request.param]


def test_a_user_gets_as_many_slots_as_allowed_and_no_more(
    make: Callable[[int], ProviderCallSlots],
) -> None:
    slots, user = make(2), uuid4()
    held = [slots.take(user), slots.take(user)]
    with pytest.raises(TooManyProviderCalls) as refused:
        slots.take(user)
    assert refused.value.limit == 2
    assert refused.value.retry_after > 0
    assert len(held) == 2


def test_users_do_not_share_slots(make: Callable[[int], ProviderCallSlots]) -> None:
    slots, busy, other = make(1), uuid4(), uuid4()
    slots.take(busy)
    slots.take(other).release()


def test_a_released_slot_can_be_taken_again_and_releasing_twice_gives_back_one(
    make: Callable[[int], ProviderCallSlots],
) -> None:
    slots, user = make(2), uuid4()
    first = slots.take(user)
    kept = slots.take(user)
    first.release()
    first.release()
    again = slots.take(user)
    with pytest.raises(TooManyProviderCalls):
        slots.take(user)
    for slot in (kept, again):
        slot.release()


def test_a_slot_dropped_without_release_is_given_back(
    make: Callable[[int], ProviderCallSlots],
) -> None:
    slots, user = make(1), uuid4()
    slots.take(user)  # nobody holds it
    gc.collect()
    slots.take(user).release()
