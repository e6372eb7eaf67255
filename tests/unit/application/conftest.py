"""A memory world whose fake providers accept the shared test keys, and a user in it."""

from __future__ import annotations

from uuid import UUID

import pytest

from tests.support.builders import World
from tests.support.scenarios import keyed_world, new_user


@pytest.fixture
def world() -> World:
    return keyed_world()


@pytest.fixture
async def user_id(world: World) -> UUID:
    return await new_user(world)
