"""A serving worker's collector: start-up's objects frozen, the youngest generation collected
less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from entrypoints.http.garbage import YOUNGEST_THRESHOLD, settle_after_startup
from tests.support.builders import make_settings, memory_world


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
def test_a_collector_off_during_start_up_is_on_once_it_is_over() -> None:
    gc.disable()  # as ``byom serve`` starts
    try:
        settle_after_startup()

        assert gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.usefixtures("restored_collector")
def test_the_older_generations_keep_their_thresholds() -> None:
    gc.set_threshold(700, 11, 12)

    settle_after_startup()

    assert gc.get_threshold() == (YOUNGEST_THRESHOLD, 11, 12)


async def test_an_app_started_in_a_test_s_process_freezes_nothing(tmp_path: Path) -> None:
    gc.unfreeze()
    threshold = gc.get_threshold()
    world = memory_world()
    app = create_app(make_settings(var_dir=tmp_path), build_container=lambda _: world.container)

    async with AsyncTestClient(app) as client:
        assert (await client.get("/health/live")).status_code == 200

    assert gc.get_freeze_count() == 0  # a test's apps stay collectable
    assert gc.get_threshold() == threshold
