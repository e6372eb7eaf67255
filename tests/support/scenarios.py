"""Common starting points for use-case tests on the memory world: a user, a key, the platform's
system default."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from domain.provider import Provider
from entrypoints.settings import ProviderSettings, SystemDefaultSettings
from tests.support.builders import World, keyed_providers, make_settings, memory_world
from tests.support.constants import EMAIL, KEYS, PASSWORD, SYSTEM_KEY


def keyed_world() -> World:
    """A memory world whose fake providers accept the shared test keys."""
    return memory_world(providers=keyed_providers())


def system_default_world(model: str | None = "model-b", models: tuple[str, ...] = ()) -> World:
    """The operator configured Anthropic with the platform's own key as the fallback, allowing
    ``models`` on it (none: ``model`` alone)."""
    settings = replace(
        make_settings(),
        providers=ProviderSettings(
            system_default=SystemDefaultSettings(
                provider="anthropic",
                model=model,
                models=models,
                api_keys={"anthropic": SYSTEM_KEY},
            )
        ),
    )
    world = memory_world(settings, providers=keyed_providers())
    world.providers.accept(Provider.ANTHROPIC, SYSTEM_KEY)
    return world


async def new_user(world: World, email: str = EMAIL) -> UUID:
    user = await world.container.register_user.execute(email=email, password=PASSWORD)
    return user.id


async def add_key(
    world: World, user_id: UUID, provider: str, *, model_name: str | None = None
) -> UUID:
    """Adds the shared test key of ``provider`` (``openai``, ``anthropic``, ``google``)."""
    credential = await world.container.add_credential.execute(
        user_id, provider=provider, api_key=KEYS[Provider(provider)], model_name=model_name
    )
    return credential.id
