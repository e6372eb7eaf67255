from __future__ import annotations

from uuid import UUID

import pytest

from domain.provider import Provider
from tests.builders import World, memory_world

OPENAI_KEY = "sk-proj-" + "a1B2c3D4" * 20 + "wxyz"
ANTHROPIC_KEY = "sk-ant-api03-" + "Zy9_" * 23 + "AAAA"
GOOGLE_KEY = "AIzaSyD" + "x" * 28 + "g00g"
COMPAT_KEY = "sk-local-llama-key-0001"
COMPAT_URL = "https://llm.example.com/v1"


@pytest.fixture
def world() -> World:
    w = memory_world()
    w.providers.accept(Provider.OPENAI, OPENAI_KEY, OPENAI_KEY.replace("wxyz", "new1"))
    w.providers.accept(Provider.ANTHROPIC, ANTHROPIC_KEY)
    w.providers.accept(Provider.GOOGLE, GOOGLE_KEY)
    w.providers.accept(Provider.OPENAI_COMPATIBLE, COMPAT_KEY)
    return w


@pytest.fixture
async def user_id(world: World) -> UUID:
    user = await world.container.register_user.execute(
        email="trader@example.com", password="a long enough password"
    )
    return user.id


async def new_user(world: World, email: str) -> UUID:
    user = await world.container.register_user.execute(email=email, password="another password")
    return user.id
