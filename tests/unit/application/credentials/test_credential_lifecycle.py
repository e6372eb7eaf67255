"""Set default, update, rotate, revoke, validate and revalidate."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.errors import (
    CredentialNotFound,
    CredentialRevoked,
    InvalidApiKey,
    ModelNotAvailable,
    ProviderUnavailable,
)
from domain.provider import Provider
from tests.support.builders import World
from tests.support.constants import ANTHROPIC_KEY, GOOGLE_KEY, OPENAI_KEY, OPENAI_ROTATED
from tests.support.scenarios import new_user


async def _three(world: World, user_id: UUID) -> list[UUID]:
    add = world.container.add_credential.execute
    return [
        (await add(user_id, provider="openai", api_key=OPENAI_KEY)).id,
        (await add(user_id, provider="anthropic", api_key=ANTHROPIC_KEY)).id,
        (await add(user_id, provider="google", api_key=GOOGLE_KEY)).id,
    ]


def _defaults(world: World, user_id: UUID) -> list[UUID]:
    return [
        c.id
        for c in world.db.credentials.values()
        if c.user_id == user_id and c.is_default and c.is_active
    ]


async def test_setting_a_default_unsets_the_previous_one(world: World, user_id: UUID) -> None:
    openai, anthropic, _ = await _three(world, user_id)
    assert _defaults(world, user_id) == [openai]
    await world.container.set_default_credential.execute(user_id, anthropic)
    assert _defaults(world, user_id) == [anthropic]


async def test_setting_the_current_default_again_changes_nothing(
    world: World, user_id: UUID
) -> None:
    openai, *_ = await _three(world, user_id)
    result = await world.container.set_default_credential.execute(user_id, openai)
    assert result.is_default
    assert _defaults(world, user_id) == [openai]


async def test_a_revoked_credential_cannot_become_default(world: World, user_id: UUID) -> None:
    _, anthropic, _ = await _three(world, user_id)
    await world.container.revoke_credential.execute(user_id, anthropic)
    with pytest.raises(CredentialRevoked):
        await world.container.set_default_credential.execute(user_id, anthropic)


async def test_another_users_credential_is_not_found_for_any_operation(
    world: World, user_id: UUID
) -> None:
    openai, *_ = await _three(world, user_id)
    intruder = await new_user(world, "intruder@example.com")
    c = world.container
    for operation in (
        lambda: c.get_credential.execute(intruder, openai),
        lambda: c.set_default_credential.execute(intruder, openai),
        lambda: c.revoke_credential.execute(intruder, openai),
        lambda: c.update_credential.execute(intruder, openai, model_name="model-a"),
        lambda: c.revalidate_credential.execute(intruder, openai),
    ):
        with pytest.raises(CredentialNotFound):
            await operation()
    stored = world.db.credentials[openai]
    assert stored.is_active
    assert stored.is_default
    assert stored.model_name is None
    assert _defaults(world, intruder) == []


async def test_revoking_erases_the_ciphertext_and_keeps_the_row(
    world: World, user_id: UUID
) -> None:
    openai, *_ = await _three(world, user_id)
    revoked = await world.container.revoke_credential.execute(user_id, openai)
    row = world.db.credentials[openai]
    assert not row.is_active
    assert not row.is_default
    assert row.encrypted_api_key is None
    assert row.revoked_at is not None
    assert revoked.key_hint == "wxyz", "the audit row still tells which key it was"


async def test_revoking_the_default_promotes_nothing(world: World, user_id: UUID) -> None:
    openai, *_ = await _three(world, user_id)
    await world.container.revoke_credential.execute(user_id, openai)
    assert _defaults(world, user_id) == []


async def test_revoking_twice_is_harmless(world: World, user_id: UUID) -> None:
    openai, *_ = await _three(world, user_id)
    await world.container.revoke_credential.execute(user_id, openai)
    commits = world.db.commits
    again = await world.container.revoke_credential.execute(user_id, openai)
    assert not again.is_active
    assert world.db.commits == commits


async def test_listing_puts_the_default_first_then_newest(world: World, user_id: UUID) -> None:
    openai, anthropic, google = await _three(world, user_id)
    listed = await world.container.list_credentials.execute(user_id)
    assert [c.id for c in listed] == [openai, google, anthropic]


async def test_listing_hides_revoked_unless_asked(world: World, user_id: UUID) -> None:
    openai, anthropic, google = await _three(world, user_id)
    await world.container.revoke_credential.execute(user_id, anthropic)
    active = await world.container.list_credentials.execute(user_id)
    everything = await world.container.list_credentials.execute(user_id, include_inactive=True)
    assert {c.id for c in active} == {openai, google}
    assert {c.id for c in everything} == {openai, anthropic, google}


async def test_rotating_a_key_keeps_the_id_and_reseals(world: World, user_id: UUID) -> None:
    openai, *_ = await _three(world, user_id)
    before = world.db.credentials[openai].encrypted_api_key
    rotated = await world.container.update_credential.execute(
        user_id, openai, api_key=OPENAI_ROTATED
    )
    assert rotated.id == openai
    assert rotated.key_hint == "n3w1"
    assert world.db.credentials[openai].encrypted_api_key != before
    async with world.container.uow() as uow:
        opened = await world.container.sealer.open(uow, world.db.credentials[openai])
    assert opened.reveal() == OPENAI_ROTATED


async def test_rotating_to_a_rejected_key_leaves_the_old_one(world: World, user_id: UUID) -> None:
    openai, *_ = await _three(world, user_id)
    before = world.db.credentials[openai].encrypted_api_key
    with pytest.raises(InvalidApiKey):
        await world.container.update_credential.execute(
            user_id, openai, api_key="sk-proj-rejected-key-0000"
        )
    assert world.db.credentials[openai].encrypted_api_key == before
    assert world.db.credentials[openai].key_hint == "wxyz"


async def test_changing_the_model_checks_the_live_list(world: World, user_id: UUID) -> None:
    openai, *_ = await _three(world, user_id)
    with pytest.raises(ModelNotAvailable):
        await world.container.update_credential.execute(user_id, openai, model_name="gpt-99")
    updated = await world.container.update_credential.execute(user_id, openai, model_name="model-b")
    assert updated.model_name == "model-b"
    cleared = await world.container.update_credential.execute(user_id, openai, model_name=None)
    assert cleared.model_name is None


async def test_a_revoked_credential_cannot_be_updated(world: World, user_id: UUID) -> None:
    openai, *_ = await _three(world, user_id)
    await world.container.revoke_credential.execute(user_id, openai)
    with pytest.raises(CredentialRevoked):
        await world.container.update_credential.execute(user_id, openai, model_name="model-a")


async def test_validating_stores_nothing(world: World, user_id: UUID) -> None:
    result = await world.container.validate_api_key.execute(
        user_id=user_id, provider=" Gemini ", api_key=GOOGLE_KEY, model_name="model-a"
    )
    assert result.valid
    assert result.provider is Provider.GOOGLE
    assert result.models == ("model-a", "model-b")
    assert result.model_available is True
    assert world.db.credentials == {}
    assert world.db.data_keys == {}


async def test_validating_a_wrong_key_is_an_answer_not_an_error(world: World) -> None:
    result = await world.container.validate_api_key.execute(
        user_id=uuid4(), provider="openai", api_key="sk-proj-wrong-key-00000"
    )
    assert not result.valid
    assert result.detail is not None
    assert "invalid" in result.detail


async def test_validating_against_a_down_provider_is_an_error(world: World) -> None:
    world.providers.get(Provider.OPENAI).fail_with = ProviderUnavailable("openai", "down")
    with pytest.raises(ProviderUnavailable):
        await world.container.validate_api_key.execute(
            user_id=uuid4(), provider="openai", api_key=OPENAI_KEY
        )


async def test_revalidating_a_good_key_moves_last_validated_at(world: World, user_id: UUID) -> None:
    openai, *_ = await _three(world, user_id)
    first = world.db.credentials[openai].last_validated_at
    world.clock.advance(60)
    result = await world.container.revalidate_credential.execute(user_id, openai)
    assert result.valid
    later = world.db.credentials[openai].last_validated_at
    assert first is not None
    assert later is not None
    assert later > first


async def test_revalidating_a_rejected_key_clears_validation_and_records_why(
    world: World, user_id: UUID
) -> None:
    openai, *_ = await _three(world, user_id)
    world.providers.get(Provider.OPENAI).valid_keys.clear()
    result = await world.container.revalidate_credential.execute(user_id, openai)
    assert not result.valid
    row = world.db.credentials[openai]
    assert row.last_validated_at is None
    assert row.last_error is not None
    assert "invalid" in row.last_error


async def test_revalidating_while_the_provider_is_down_changes_nothing(
    world: World, user_id: UUID
) -> None:
    openai, *_ = await _three(world, user_id)
    before = world.db.credentials[openai].last_validated_at
    world.providers.get(Provider.OPENAI).fail_with = ProviderUnavailable("openai", "down")
    with pytest.raises(ProviderUnavailable):
        await world.container.revalidate_credential.execute(user_id, openai)
    assert world.db.credentials[openai].last_validated_at == before


async def test_a_missing_id_is_not_found(world: World, user_id: UUID) -> None:
    with pytest.raises(CredentialNotFound):
        await world.container.get_credential.execute(user_id, uuid4())
