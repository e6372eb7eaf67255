"""What ``ListGatewayModels`` offers: each key's own model list from its provider, kept for a
short time under the key's version (fake clock), refreshed by every key check, fetched once for
concurrent askers, and the catalog's models (``live`` false) when the provider cannot answer."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from adapters.model_list_cache import InMemoryModelListCache
from application.llm._key_check import ApiKeyChecker
from application.llm._reachable_models import ReachableModels
from domain.errors import ProviderUnavailable
from domain.model_list import MAX_LISTED_MODELS
from domain.provider import Provider
from domain.resolution import Payer
from tests.support.builders import World
from tests.support.constants import OPENAI_KEY, OPENAI_ROTATED
from tests.support.fakes import FakeCatalog, FakeLlmProvider
from tests.support.scenarios import add_key

TTL_S = 600  # BYOM_MODEL_LIST_TTL_S's default, which the unit world keeps


def _openai(world: World) -> FakeLlmProvider:
    return world.providers.get(Provider.OPENAI)


def _lists(world: World) -> int:
    return sum(1 for kind, _ in _openai(world).calls if kind == "list_models")


async def _names(world: World, user_id: UUID) -> dict[str, bool]:
    return {m.name: m.live for m in await world.container.list_gateway_models.execute(user_id)}


async def test_the_list_is_the_providers_for_the_key_with_the_catalog_joined_in(
    world: World, user_id: UUID
) -> None:
    _openai(world).models = ("model-a", "gpt-5-preview")
    credential_id = await add_key(world, user_id, "openai")

    found = {m.name: m for m in await world.container.list_gateway_models.execute(user_id)}

    assert set(found) == {"model-a", "gpt-5-preview"}, "not the catalog's list"
    known, unknown = found["model-a"], found["gpt-5-preview"]
    assert (known.live, known.paid_by, known.credential_id) == (True, Payer.USER, credential_id)
    assert known.known is not None
    assert known.known.context_window == 128_000
    assert known.known.price is not None
    assert str(known.known.price.input_per_mtok) == "2.50"
    assert unknown.known is None


async def test_the_list_the_key_check_fetched_is_served_until_it_is_older_than_the_ttl(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    assert _lists(world) == 1  # the check when the key was saved

    assert set(await _names(world, user_id)) == {"model-a", "model-b"}
    world.clock.advance(TTL_S - 1)
    await _names(world, user_id)
    assert _lists(world) == 1, "a hit: no provider call"

    _openai(world).models = ("model-b",)
    world.clock.advance(1)
    assert await _names(world, user_id) == {"model-b": True}
    assert _lists(world) == 2
    await _names(world, user_id)
    assert _lists(world) == 2, "the fetched list is kept in turn"


async def test_a_rotated_key_never_gets_the_old_keys_list(world: World, user_id: UUID) -> None:
    credential_id = await add_key(world, user_id, "openai")
    assert set(await _names(world, user_id)) == {"model-a", "model-b"}

    _openai(world).models = ("model-a", "model-c")
    await world.container.update_credential.execute(user_id, credential_id, api_key=OPENAI_ROTATED)

    assert set(await _names(world, user_id)) == {"model-a", "model-c"}
    assert _lists(world) == 2, "the rotation's check refreshed it; listing asked nothing"


async def test_checking_a_key_again_refreshes_its_list_and_a_refused_key_loses_it(
    world: World, user_id: UUID
) -> None:
    credential_id = await add_key(world, user_id, "openai")
    _openai(world).models = ("model-c",)
    await world.container.revalidate_credential.execute(user_id, credential_id)
    assert await _names(world, user_id) == {"model-c": True}

    _openai(world).valid_keys.discard(OPENAI_KEY)
    result = await world.container.revalidate_credential.execute(user_id, credential_id)

    assert result.valid is False
    assert await _names(world, user_id) == {"model-a": False}, "the catalog's, not confirmed"


async def test_concurrent_misses_for_one_key_make_one_provider_call(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    world.clock.advance(TTL_S)
    fake, gate = _openai(world), asyncio.Event()
    fake.hold_lists = gate
    askers = [
        asyncio.create_task(world.container.list_gateway_models.execute(user_id)) for _ in range(8)
    ]
    for _ in range(20):  # let every asker reach the flight (or, without one, the provider)
        await asyncio.sleep(0)
    assert fake.lists_waiting == 1

    gate.set()
    results = await asyncio.gather(*askers)

    assert _lists(world) == 2, "the check at save time, then one call for all eight"
    assert all({m.name for m in r} == {"model-a", "model-b"} for r in results)


async def test_a_provider_that_is_down_gives_the_catalogs_models_marked_not_live(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai", model_name="model-b")
    world.clock.advance(TTL_S)
    _openai(world).fail_with = ProviderUnavailable("openai", "503 from upstream")

    found = {m.name: m for m in await world.container.list_gateway_models.execute(user_id)}

    # The catalog's OpenAI models, and the credential's own model (checked when it was saved).
    assert set(found) == {"model-a", "model-b"}
    assert {m.live for m in found.values()} == {False}
    _openai(world).fail_with = None
    assert await _names(world, user_id) == {"model-a": True, "model-b": True}, "not kept"


async def test_an_expired_keys_models_are_not_listed(world: World, user_id: UUID) -> None:
    expires = world.clock.now() + timedelta(minutes=5)
    await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, expires_at=expires
    )
    assert await _names(world, user_id) != {}

    world.clock.advance(5 * 60)

    assert await _names(world, user_id) == {}
    assert _lists(world) == 1, "an expired key is not asked either"


async def test_a_provider_that_does_not_answer_in_time_gives_the_catalog(
    world: World, user_id: UUID
) -> None:
    credential_id = await add_key(world, user_id, "openai")
    credential = world.db.credentials[credential_id]
    container = world.container
    reachable = ReachableModels(
        container.uow,
        container.sealer,
        ApiKeyChecker(container.providers, container.call_slots),
        InMemoryModelListCache(world.clock, ttl_s=TTL_S),
        FakeCatalog(),
        timeout_s=0.01,
    )
    _openai(world).hold_lists = asyncio.Event()  # never set: the provider hangs

    listing = (await reachable.of([credential]))[credential_id]

    assert (listing.names, listing.live) == (("model-a",), False)
    assert _openai(world).lists_waiting == 0, "the hung call was cancelled, not left running"


async def test_a_provider_listing_without_end_is_kept_to_a_bounded_list(
    world: World, user_id: UUID
) -> None:
    _openai(world).models = tuple(f"model-{n}" for n in range(MAX_LISTED_MODELS * 5))
    await add_key(world, user_id, "openai")
    world.clock.advance(TTL_S)  # past the list the check kept: fetched again

    listed = await _names(world, user_id)

    assert len(listed) == MAX_LISTED_MODELS
    assert set(listed.values()) == {True}


async def test_a_key_that_cannot_be_opened_lists_the_catalog_not_an_error(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai", model_name="model-b")
    world.clock.advance(TTL_S)
    [data_key] = world.db.data_keys.values()
    # The master key no longer opens it (as when the key service is down or refuses).
    data_key.wrapped = replace(data_key.wrapped, ciphertext=bytes(len(data_key.wrapped.ciphertext)))

    assert await _names(world, user_id) == {"model-a": False, "model-b": False}
