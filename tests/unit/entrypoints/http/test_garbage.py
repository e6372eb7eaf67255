"""A serving worker's collector: start-up's objects frozen, the youngest generation collected
less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from entrypoints.http.garbage import YOUNGEST_THRESHOLD, settle_after_startup


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_objects_alive_at_startup_are_frozen() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    kept = Node()
    gc.unfreeze()
    before = gc.get_freeze_count()

    settle_after_startup()

    assert gc.get_freeze_count() > before
    assert not any(o is kept for o in gc.get_objects())  # out of every generation's reach
    assert gc.get_threshold()[0] == YOUNGEST_THRESHOLD


@pytest.mark.usefixtures("restored_collector")
def test_the_older_generations_keep_their_thresholds() -> None:
    gc.set_threshold(700, 11, 12)

    settle_after_startup()

    assert gc.get_threshold() == (YOUNGEST_THRESHOLD, 11, 12)
