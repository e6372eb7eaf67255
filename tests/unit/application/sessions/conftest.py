"""A memory world with one user who has keys for the three big providers, and helpers."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.provider import Provider
from entrypoints.settings import ProviderSettings, SystemDefaultSettings
from tests.builders import World, make_settings, memory_world, with_settings

OPENAI_KEY = "sk-proj-" + "a1B2c3D4" * 20 + "wxyz"
ANTHROPIC_KEY = "sk-ant-api03-" + "Zy9_" * 23 + "AAAA"
GOOGLE_KEY = "AIzaSyD" + "x" * 28 + "g00g"
SYSTEM_KEY = "sk-ant-api03-" + "SyS_" * 23 + "PLAT"


def system_default_world(model: str | None = "model-b") -> World:
    """The operator configured Anthropic with the platform's own key as the fallback."""
    settings = with_settings(
        make_settings(),
        providers=ProviderSettings(
            system_default=SystemDefaultSettings(
                provider="anthropic", model=model, api_keys={"anthropic": SYSTEM_KEY}
            )
        ),
    )
    world = memory_world(settings)
    _accept_keys(world)
    world.providers.accept(Provider.ANTHROPIC, SYSTEM_KEY)
    return world


def _accept_keys(world: World) -> None:
    world.providers.accept(Provider.OPENAI, OPENAI_KEY)
    world.providers.accept(Provider.ANTHROPIC, ANTHROPIC_KEY)
    world.providers.accept(Provider.GOOGLE, GOOGLE_KEY)


@pytest.fixture
def world() -> World:
    w = memory_world()
    _accept_keys(w)
    return w


async def new_user(world: World, email: str = "trader@example.com") -> UUID:
    user = await world.container.register_user.execute(email=email, password="a long password")
    return user.id


@pytest.fixture
async def user_id(world: World) -> UUID:
    return await new_user(world)


async def add_key(
    world: World, user_id: UUID, provider: str, *, model_name: str | None = None
) -> UUID:
    key = {"openai": OPENAI_KEY, "anthropic": ANTHROPIC_KEY, "google": GOOGLE_KEY}[provider]
    credential = await world.container.add_credential.execute(
        user_id, provider=provider, api_key=key, model_name=model_name
    )
    return credential.id
