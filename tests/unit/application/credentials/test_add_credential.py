from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import (
    DuplicateActiveCredential,
    InvalidApiKey,
    InvalidBaseUrl,
    MalformedApiKey,
    ModelNotAvailable,
    ProviderUnavailable,
    UnknownProvider,
    UserNotFound,
)
from domain.provider import Provider
from tests.support.builders import World
from tests.support.constants import ANTHROPIC_KEY, COMPAT_KEY, COMPAT_URL, GOOGLE_KEY, OPENAI_KEY


async def test_the_first_credential_becomes_the_default(world: World, user_id: UUID) -> None:
    credential = await world.container.add_credential.execute(
        user_id, provider="OpenAI", api_key=OPENAI_KEY
    )
    assert credential.is_default
    assert credential.provider is Provider.OPENAI
    assert credential.key_hint == "wxyz"
    assert credential.last_validated_at is not None
    assert world.db.credentials[credential.id].is_default


async def test_a_second_credential_does_not_take_the_default(world: World, user_id: UUID) -> None:
    first = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    second = await world.container.add_credential.execute(
        user_id, provider="claude", api_key=ANTHROPIC_KEY
    )
    assert not second.is_default
    assert world.db.credentials[first.id].is_default


async def test_asking_for_default_moves_it_in_one_transaction(world: World, user_id: UUID) -> None:
    first = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    commits = world.db.commits
    second = await world.container.add_credential.execute(
        user_id, provider="gemini", api_key=GOOGLE_KEY, is_default=True
    )
    assert second.is_default
    assert not world.db.credentials[first.id].is_default
    assert world.db.commits == commits + 1


async def test_is_default_false_keeps_a_first_credential_out_of_default(
    world: World, user_id: UUID
) -> None:
    credential = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, is_default=False
    )
    assert not credential.is_default


async def test_a_second_active_credential_for_a_provider_is_refused_with_its_id(
    world: World, user_id: UUID
) -> None:
    first = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    calls = world.providers.calls
    with pytest.raises(DuplicateActiveCredential) as caught:
        await world.container.add_credential.execute(user_id, provider="OPENAI", api_key=OPENAI_KEY)
    assert caught.value.existing_id == first.id
    assert world.providers.calls == calls, "no provider call is spent on a duplicate"
    assert len(world.db.credentials) == 1


async def test_a_revoked_credential_does_not_block_a_new_one(world: World, user_id: UUID) -> None:
    first = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    await world.container.revoke_credential.execute(user_id, first.id)
    again = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    assert again.id != first.id
    assert again.is_default, "no default remained, so the new one takes it"


async def test_a_key_the_provider_rejects_stores_nothing(world: World, user_id: UUID) -> None:
    with pytest.raises(InvalidApiKey):
        await world.container.add_credential.execute(
            user_id, provider="openai", api_key="sk-proj-not-a-real-key-0000"
        )
    assert world.db.credentials == {}
    assert world.db.data_keys == {}


async def test_an_unreachable_provider_stores_nothing_and_says_so(
    world: World, user_id: UUID
) -> None:
    world.providers.get(Provider.OPENAI).fail_with = ProviderUnavailable("openai", "503")
    with pytest.raises(ProviderUnavailable):
        await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    assert world.db.credentials == {}


async def test_a_model_the_key_cannot_reach_is_refused(world: World, user_id: UUID) -> None:
    with pytest.raises(ModelNotAvailable):
        await world.container.add_credential.execute(
            user_id, provider="openai", api_key=OPENAI_KEY, model_name="gpt-99"
        )
    assert world.db.credentials == {}


async def test_a_model_the_key_can_reach_is_kept(world: World, user_id: UUID) -> None:
    credential = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY, model_name=" model-b "
    )
    assert credential.model_name == "model-b"


async def test_a_key_of_another_provider_is_refused_before_any_call(
    world: World, user_id: UUID
) -> None:
    with pytest.raises(MalformedApiKey, match="Anthropic"):
        await world.container.add_credential.execute(
            user_id, provider="openai", api_key=ANTHROPIC_KEY
        )
    assert world.providers.calls == 0


@pytest.mark.parametrize("bad", ["", "   ", "sk-abc\ndef123", "sk-abc\x00def123", "short"])
async def test_malformed_keys_are_refused_before_any_call(
    world: World, user_id: UUID, bad: str
) -> None:
    with pytest.raises(MalformedApiKey):
        await world.container.add_credential.execute(user_id, provider="openai", api_key=bad)
    assert world.providers.calls == 0


async def test_unknown_providers_are_refused(world: World, user_id: UUID) -> None:
    with pytest.raises(UnknownProvider, match="openai, google, anthropic, openai_compatible"):
        await world.container.add_credential.execute(
            user_id, provider="mistral-cloud", api_key=OPENAI_KEY
        )


async def test_openai_compatible_needs_a_base_url(world: World, user_id: UUID) -> None:
    with pytest.raises(InvalidBaseUrl, match="required"):
        await world.container.add_credential.execute(
            user_id, provider="openai_compatible", api_key=COMPAT_KEY
        )


async def test_other_providers_refuse_a_base_url(world: World, user_id: UUID) -> None:
    with pytest.raises(InvalidBaseUrl, match="only for openai_compatible"):
        await world.container.add_credential.execute(
            user_id, provider="openai", api_key=OPENAI_KEY, base_url=COMPAT_URL
        )


async def test_openai_compatible_keeps_its_normalised_base_url(world: World, user_id: UUID) -> None:
    credential = await world.container.add_credential.execute(
        user_id, provider="ollama", api_key=COMPAT_KEY, base_url=COMPAT_URL + "/"
    )
    assert credential.base_url == COMPAT_URL
    assert world.providers.get(Provider.OPENAI_COMPATIBLE).calls == [("list_models", COMPAT_URL)]


@pytest.mark.parametrize(
    "url",
    [
        "http://llm.example.com/v1",
        "ftp://llm.example.com",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://user:pw@llm.example.com",
        "https://llm.example.com/v1?x=1",
        "https:///nohost",
    ],
)
async def test_unacceptable_base_urls_are_refused(world: World, user_id: UUID, url: str) -> None:
    with pytest.raises(InvalidBaseUrl):
        await world.container.add_credential.execute(
            user_id, provider="openai_compatible", api_key=COMPAT_KEY, base_url=url
        )
    assert world.providers.calls == 0


async def test_the_stored_key_is_sealed_and_opens_only_to_its_owner(
    world: World, user_id: UUID
) -> None:
    credential = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    stored = world.db.credentials[credential.id]
    assert stored.encrypted_api_key is not None
    assert OPENAI_KEY.encode() not in stored.encrypted_api_key
    assert OPENAI_KEY[8:40].encode() not in stored.encrypted_api_key
    async with world.container.uow() as uow:
        opened = await world.container.sealer.open(uow, stored)
    assert opened.reveal() == OPENAI_KEY


async def test_all_credentials_of_a_user_share_one_data_key(world: World, user_id: UUID) -> None:
    a = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    b = await world.container.add_credential.execute(
        user_id, provider="anthropic", api_key=ANTHROPIC_KEY
    )
    assert a.encryption_key_id == b.encryption_key_id
    assert len(world.db.data_keys) == 1


async def test_an_unknown_user_cannot_store_a_key(world: World) -> None:
    with pytest.raises(UserNotFound):
        await world.container.add_credential.execute(uuid4(), provider="openai", api_key=OPENAI_KEY)
    assert world.db.credentials == {}
