"""Session creation records what the LLM factory chose, for each of its branches."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import CredentialNotFound, CredentialRevoked, InvalidMessage, NoLlmConfigured
from tests.support.builders import World
from tests.support.scenarios import add_key, new_user, system_default_world


def _stored(world: World) -> list[tuple[str, str, UUID | None]]:
    return [(s.llm_provider, s.llm_model, s.llm_credential_id) for s in world.db.sessions.values()]


async def test_an_explicit_credential_serves_the_session(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    claude = await add_key(world, user_id, "anthropic", model_name="model-b")

    session = await world.container.start_agent_session.execute(
        user_id, credential_id=claude, title="  Rates desk  "
    )

    assert (session.llm_provider, session.llm_model, session.llm_credential_id) == (
        "anthropic",
        "model-b",
        claude,
    )
    assert session.title == "Rates desk"
    assert _stored(world) == [("anthropic", "model-b", claude)]


async def test_a_requested_provider_uses_the_users_credential_for_it(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")  # the default
    gemini = await add_key(world, user_id, "google")

    session = await world.container.start_agent_session.execute(user_id, provider=" Gemini ")

    assert (session.llm_provider, session.llm_model, session.llm_credential_id) == (
        "google",
        "model-a",  # the catalog default for the provider
        gemini,
    )


async def test_without_a_choice_the_users_default_serves_with_a_requested_model(
    world: World, user_id: UUID
) -> None:
    default = await add_key(world, user_id, "openai", model_name="model-a")
    await add_key(world, user_id, "anthropic")

    session = await world.container.start_agent_session.execute(user_id, model="model-b")

    assert (session.llm_provider, session.llm_model, session.llm_credential_id) == (
        "openai",
        "model-b",
        default,
    )


async def test_a_user_without_keys_gets_the_system_default_and_a_null_credential() -> None:
    world = system_default_world(model="model-b")
    user_id = await new_user(world)

    session = await world.container.start_agent_session.execute(
        user_id, system_prompt="You are a cautious risk analyst."
    )

    assert (session.llm_provider, session.llm_model, session.llm_credential_id) == (
        "anthropic",
        "model-b",
        None,
    )
    assert session.system_prompt == "You are a cautious risk analyst."
    assert _stored(world) == [("anthropic", "model-b", None)]


async def test_no_key_and_no_system_default_is_no_llm_configured_and_stores_nothing(
    world: World, user_id: UUID
) -> None:
    with pytest.raises(NoLlmConfigured):
        await world.container.start_agent_session.execute(user_id)
    assert world.db.sessions == {}


async def test_a_requested_provider_without_a_key_is_not_swapped_for_another(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    with pytest.raises(NoLlmConfigured, match="anthropic"):
        await world.container.start_agent_session.execute(user_id, provider="anthropic")
    assert world.db.sessions == {}


async def test_another_users_credential_cannot_be_named(world: World, user_id: UUID) -> None:
    theirs = await add_key(world, await new_user(world, "other@example.com"), "openai")
    with pytest.raises(CredentialNotFound):
        await world.container.start_agent_session.execute(user_id, credential_id=theirs)
    with pytest.raises(CredentialNotFound):
        await world.container.start_agent_session.execute(user_id, credential_id=uuid4())
    assert world.db.sessions == {}


async def test_a_revoked_credential_cannot_start_a_session(world: World, user_id: UUID) -> None:
    openai = await add_key(world, user_id, "openai")
    await world.container.revoke_credential.execute(user_id, openai)
    with pytest.raises(CredentialRevoked):
        await world.container.start_agent_session.execute(user_id, credential_id=openai)


async def test_an_oversized_title_is_refused(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    with pytest.raises(InvalidMessage):
        await world.container.start_agent_session.execute(user_id, title="x" * 201)
    assert world.db.sessions == {}
