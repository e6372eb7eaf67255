"""The LLM factory: every branch, in the order docs/architecture.md gives ("The LLM factory")."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    CredentialNotFound,
    CredentialProviderMismatch,
    CredentialRevoked,
    NoLlmConfigured,
    UnknownProvider,
)
from domain.provider import Provider
from domain.resolution import ResolutionReason
from entrypoints.settings import ProviderSettings, SystemDefaultSettings
from tests.support.builders import World, make_settings, memory_world
from tests.support.constants import ANTHROPIC_KEY, COMPAT_KEY, COMPAT_URL, GOOGLE_KEY, OPENAI_KEY
from tests.support.scenarios import new_user

SYSTEM_KEY = "sk-system-platform-key-0042"


def _world_with_system_default(
    provider: str | None = "openai", model: str | None = None, key: str | None = SYSTEM_KEY
) -> World:
    settings = make_settings()
    system = SystemDefaultSettings(
        provider=provider, model=model, api_keys={"openai": key} if key else {}
    )
    world = memory_world(replace(settings, providers=ProviderSettings(system_default=system)))
    world.providers.accept(Provider.OPENAI, OPENAI_KEY)
    world.providers.accept(Provider.ANTHROPIC, ANTHROPIC_KEY)
    world.providers.accept(Provider.GOOGLE, GOOGLE_KEY)
    world.providers.accept(Provider.OPENAI_COMPATIBLE, COMPAT_KEY)
    return world


@pytest.fixture
def system_world() -> World:
    return _world_with_system_default()


async def _user(world: World) -> UUID:
    return await new_user(world, f"{uuid4().hex[:8]}@example.com")


# --- explicit credential -------------------------------------------------------------------


async def test_an_explicit_credential_wins_over_the_default(world: World, user_id: UUID) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    claude = await world.container.add_credential.execute(
        user_id, provider="anthropic", api_key=ANTHROPIC_KEY
    )
    resolved = await world.container.resolve_llm.execute(user_id, credential_id=claude.id)
    assert resolved.choice.reason is ResolutionReason.EXPLICIT_CREDENTIAL
    assert resolved.choice.provider is Provider.ANTHROPIC
    assert resolved.choice.credential_id == claude.id
    assert resolved.api_key.reveal() == ANTHROPIC_KEY
    await resolved.client.list_models(resolved.api_key)
    assert world.providers.get(Provider.ANTHROPIC).calls[-1] == ("list_models", None)


async def test_an_explicit_credential_uses_its_own_model(world: World, user_id: UUID) -> None:
    c = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, model_name="model-b"
    )
    choice = await world.container.resolve_llm.explain(user_id, credential_id=c.id)
    assert choice.model == "model-b"


async def test_a_requested_model_overrides_the_credentials(world: World, user_id: UUID) -> None:
    c = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, model_name="model-b"
    )
    choice = await world.container.resolve_llm.explain(
        user_id, credential_id=c.id, model="gpt-4.1-mini"
    )
    assert choice.model == "gpt-4.1-mini"


async def test_an_explicit_credential_without_model_takes_the_catalog_default(
    world: World, user_id: UUID
) -> None:
    c = await world.container.add_credential.execute(
        user_id, provider="anthropic", api_key=ANTHROPIC_KEY
    )
    choice = await world.container.resolve_llm.explain(user_id, credential_id=c.id)
    assert choice.model == world.container.catalog.default_model(Provider.ANTHROPIC)


async def test_another_users_credential_id_is_not_found(world: World, user_id: UUID) -> None:
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    other = await _user(world)
    with pytest.raises(CredentialNotFound):
        await world.container.resolve_llm.execute(other, credential_id=c.id)


async def test_an_unknown_credential_id_is_not_found(world: World, user_id: UUID) -> None:
    with pytest.raises(CredentialNotFound):
        await world.container.resolve_llm.execute(user_id, credential_id=uuid4())


async def test_a_revoked_explicit_credential_is_refused(world: World, user_id: UUID) -> None:
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    await world.container.revoke_credential.execute(user_id, c.id)
    with pytest.raises(CredentialRevoked):
        await world.container.resolve_llm.execute(user_id, credential_id=c.id)


async def test_a_revoked_credential_is_refused_even_with_a_system_default(
    system_world: World,
) -> None:
    user = await _user(system_world)
    c = await system_world.container.add_credential.execute(
        user, provider="openai", api_key=OPENAI_KEY
    )
    await system_world.container.revoke_credential.execute(user, c.id)
    with pytest.raises(CredentialRevoked, match="pick another model or credential"):
        await system_world.container.resolve_llm.execute(user, credential_id=c.id)


async def test_an_explicit_credential_of_another_provider_than_asked_is_refused(
    world: World, user_id: UUID
) -> None:
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    with pytest.raises(CredentialProviderMismatch, match="credential is for openai"):
        await world.container.resolve_llm.execute(user_id, credential_id=c.id, provider="anthropic")


# --- requested provider --------------------------------------------------------------------


async def test_a_requested_provider_uses_the_users_credential_for_it(
    world: World, user_id: UUID
) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    gemini = await world.container.add_credential.execute(
        user_id, provider="google", api_key=GOOGLE_KEY
    )
    resolved = await world.container.resolve_llm.execute(user_id, provider="google")
    assert resolved.choice.reason is ResolutionReason.PROVIDER_CREDENTIAL
    assert resolved.choice.credential_id == gemini.id
    assert resolved.api_key.reveal() == GOOGLE_KEY


@pytest.mark.parametrize("spelling", ["Gemini", " GOOGLE ", "google", "google-gemini"])
async def test_requested_providers_are_case_insensitive_with_aliases(
    world: World, user_id: UUID, spelling: str
) -> None:
    await world.container.add_credential.execute(user_id, provider="google", api_key=GOOGLE_KEY)
    choice = await world.container.resolve_llm.explain(user_id, provider=spelling)
    assert choice.provider is Provider.GOOGLE


async def test_a_requested_provider_accepts_the_enum(world: World, user_id: UUID) -> None:
    await world.container.add_credential.execute(user_id, provider="google", api_key=GOOGLE_KEY)
    choice = await world.container.resolve_llm.explain(user_id, provider=Provider.GOOGLE)
    assert choice.provider is Provider.GOOGLE


async def test_an_unknown_requested_provider_is_refused(world: World, user_id: UUID) -> None:
    with pytest.raises(UnknownProvider):
        await world.container.resolve_llm.explain(user_id, provider="skynet")


async def test_a_requested_provider_is_never_swapped_for_the_default(
    world: World, user_id: UUID
) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    with pytest.raises(NoLlmConfigured, match="no active anthropic credential"):
        await world.container.resolve_llm.explain(user_id, provider="anthropic")


async def test_a_requested_provider_falls_back_to_a_system_default_of_that_provider(
    system_world: World,
) -> None:
    user = await _user(system_world)
    resolved = await system_world.container.resolve_llm.execute(user, provider="openai")
    assert resolved.choice.reason is ResolutionReason.SYSTEM_DEFAULT
    assert resolved.choice.credential_id is None
    assert resolved.api_key.reveal() == SYSTEM_KEY


async def test_a_requested_provider_never_falls_back_to_another_system_default(
    system_world: World,
) -> None:
    user = await _user(system_world)
    with pytest.raises(NoLlmConfigured):
        await system_world.container.resolve_llm.explain(user, provider="google")


async def test_a_revoked_provider_credential_is_skipped(world: World, user_id: UUID) -> None:
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    await world.container.revoke_credential.execute(user_id, c.id)
    with pytest.raises(NoLlmConfigured):
        await world.container.resolve_llm.explain(user_id, provider="openai")


async def test_a_requested_model_applies_to_the_provider_credential(
    world: World, user_id: UUID
) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    choice = await world.container.resolve_llm.explain(user_id, provider="openai", model="o3-mini")
    assert choice.model == "o3-mini"


# --- user default --------------------------------------------------------------------------


async def test_without_a_request_the_users_default_serves(world: World, user_id: UUID) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    claude = await world.container.add_credential.execute(
        user_id, provider="anthropic", api_key=ANTHROPIC_KEY, is_default=True
    )
    resolved = await world.container.resolve_llm.execute(user_id)
    assert resolved.choice.reason is ResolutionReason.USER_DEFAULT
    assert resolved.choice.credential_id == claude.id
    assert resolved.api_key.reveal() == ANTHROPIC_KEY


async def test_the_user_default_beats_the_system_default(system_world: World) -> None:
    user = await _user(system_world)
    c = await system_world.container.add_credential.execute(
        user, provider="google", api_key=GOOGLE_KEY
    )
    choice = await system_world.container.resolve_llm.explain(user)
    assert choice.reason is ResolutionReason.USER_DEFAULT
    assert choice.credential_id == c.id


async def test_a_requested_model_applies_to_the_user_default(world: World, user_id: UUID) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    choice = await world.container.resolve_llm.explain(user_id, model=" gpt-4o ")
    assert choice.model == "gpt-4o"


async def test_a_default_changed_moments_ago_is_what_serves(world: World, user_id: UUID) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    gemini = await world.container.add_credential.execute(
        user_id, provider="google", api_key=GOOGLE_KEY
    )
    await world.container.set_default_credential.execute(user_id, gemini.id)
    choice = await world.container.resolve_llm.explain(user_id)
    assert choice.provider is Provider.GOOGLE


async def test_an_openai_compatible_default_carries_its_base_url(
    world: World, user_id: UUID
) -> None:
    await world.container.add_credential.execute(
        user_id,
        provider="openai_compatible",
        api_key=COMPAT_KEY,
        base_url=COMPAT_URL,
        model_name="model-a",
    )
    choice = await world.container.resolve_llm.explain(user_id)
    assert choice.base_url == COMPAT_URL
    assert choice.model == "model-a"


async def test_an_openai_compatible_credential_without_a_model_is_not_usable(
    world: World, user_id: UUID
) -> None:
    await world.container.add_credential.execute(
        user_id, provider="openai_compatible", api_key=COMPAT_KEY, base_url=COMPAT_URL
    )
    with pytest.raises(NoLlmConfigured, match="set its model_name"):
        await world.container.resolve_llm.explain(user_id)


# --- system default and nothing -------------------------------------------------------------


async def test_without_credentials_the_system_default_serves(system_world: World) -> None:
    user = await _user(system_world)
    resolved = await system_world.container.resolve_llm.execute(user)
    assert resolved.choice.reason is ResolutionReason.SYSTEM_DEFAULT
    assert resolved.choice.credential_id is None
    assert resolved.choice.provider is Provider.OPENAI
    assert resolved.choice.model == system_world.container.catalog.default_model(Provider.OPENAI)
    assert resolved.api_key.reveal() == SYSTEM_KEY


async def test_the_system_default_model_is_configurable() -> None:
    world = _world_with_system_default(model="gpt-4.1-nano")
    user = await _user(world)
    assert (await world.container.resolve_llm.explain(user)).model == "gpt-4.1-nano"


async def test_the_system_default_serves_after_the_default_is_revoked(
    system_world: World,
) -> None:
    user = await _user(system_world)
    c = await system_world.container.add_credential.execute(
        user, provider="google", api_key=GOOGLE_KEY
    )
    await system_world.container.revoke_credential.execute(user, c.id)
    choice = await system_world.container.resolve_llm.explain(user)
    assert choice.reason is ResolutionReason.SYSTEM_DEFAULT


async def test_a_system_default_without_a_key_is_not_usable() -> None:
    world = _world_with_system_default(key=None)
    user = await _user(world)
    with pytest.raises(NoLlmConfigured):
        await world.container.resolve_llm.explain(user)


async def test_nothing_configured_is_a_clear_error(world: World, user_id: UUID) -> None:
    with pytest.raises(NoLlmConfigured, match="add a provider API key"):
        await world.container.resolve_llm.execute(user_id)


async def test_sessions_started_on_the_system_default_resolve_it_again() -> None:
    world = _world_with_system_default(model="gpt-4o")
    resolved = world.container.resolve_llm.system_default(uuid4(), "gpt-4o")
    assert resolved.choice.model == "gpt-4o"
    assert resolved.choice.credential_id is None
    assert resolved.api_key.reveal() == SYSTEM_KEY


async def test_a_removed_system_default_fails_sessions_that_used_it(world: World) -> None:
    with pytest.raises(NoLlmConfigured, match="no longer configured"):
        world.container.resolve_llm.system_default(uuid4(), "gpt-4o")


async def test_explain_never_opens_a_key(world: World, user_id: UUID) -> None:
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    row = world.db.credentials[c.id]
    row.encrypted_api_key = b"\x01" + b"\x00" * 40  # would fail to open
    choice = await world.container.resolve_llm.explain(user_id)
    assert choice.credential_id == c.id


async def test_resolving_makes_no_provider_call(world: World, user_id: UUID) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    calls = world.providers.calls
    await world.container.resolve_llm.execute(user_id)
    assert world.providers.calls == calls
