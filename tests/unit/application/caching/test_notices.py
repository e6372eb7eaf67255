"""Every use case that changes what a worker remembers publishes the user's notice after its
commit, so the very next call answers the new state (memory world, in-process feed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from application.gateway.relay_completion import RelayRequest
from application.gateway.update_gateway_token import GatewayTokenChanges
from domain.budget import UserBudget
from domain.errors import (
    BudgetExceeded,
    CredentialRejected,
    InvalidApiKey,
    InvalidGatewayToken,
    InvalidLogin,
    NoLlmConfigured,
    UserNotFound,
)
from domain.llm import ChatMessage, Role
from domain.provider import Provider
from tests.support.builders import World, key_line, keyed_providers, make_settings, memory_world
from tests.support.changes import SwitchableChangeFeed
from tests.support.constants import (
    ANTHROPIC_KEY,
    EMAIL,
    OPENAI_KEY,
    OPENAI_ROTATED,
    PASSWORD,
)
from tests.support.scenarios import add_key, new_user

NEW_PASSWORD = "another correct horse, battery staple"
HI = RelayRequest("model-a", (ChatMessage(Role.USER, "hi"),))


@pytest.fixture
def feed() -> SwitchableChangeFeed:
    return SwitchableChangeFeed()


@pytest.fixture
def world(feed: SwitchableChangeFeed) -> World:
    return memory_world(providers=keyed_providers(), changes=feed)


async def key_for(world: World, user_id: UUID, **asked: object) -> str:
    resolved = await world.container.resolve_llm.execute(user_id, **asked)  # type: ignore[arg-type]
    return resolved.api_key.reveal()


async def test_a_revoked_gateway_token_is_refused_on_its_next_call(
    world: World, user_id: UUID, feed: SwitchableChangeFeed
) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    assert feed.published == [user_id]
    authenticate = world.container.authenticate_gateway_token.execute
    await authenticate(new.secret)
    await world.container.revoke_gateway_token.execute(user_id, new.token.id)
    with pytest.raises(InvalidGatewayToken):
        await authenticate(new.secret)


async def test_a_changed_gateway_token_is_enforced_with_its_new_scopes(
    world: World, user_id: UUID
) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    authenticate = world.container.authenticate_gateway_token.execute
    assert (await authenticate(new.secret)).rpm is None
    await world.container.update_gateway_token.execute(
        user_id, new.token.id, GatewayTokenChanges(rpm=5)
    )
    assert (await authenticate(new.secret)).rpm == 5


async def test_a_remembered_token_is_not_written_to_on_every_call(
    world: World, user_id: UUID
) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    authenticate = world.container.authenticate_gateway_token.execute
    await authenticate(new.secret)
    commits = world.db.commits
    for _ in range(3):
        await authenticate(new.secret)
    assert world.db.commits == commits  # last_used_at already moved this minute
    world.clock.advance(61)
    await authenticate(new.secret)
    assert world.db.commits == commits + 1
    assert world.db.gateway_tokens[new.token.id].last_used_at == world.clock.now()


async def test_a_closed_account_is_refused_at_once_everywhere(world: World, user_id: UUID) -> None:
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    await world.container.get_user.execute(user_id)
    await world.container.authenticate_gateway_token.execute(new.secret)
    await world.container.delete_account.execute(user_id)
    with pytest.raises(UserNotFound):
        await world.container.get_user.execute(user_id)
    with pytest.raises(InvalidGatewayToken):
        await world.container.authenticate_gateway_token.execute(new.secret)


async def test_a_new_password_and_a_failed_login_show_on_the_next_read(
    world: World, user_id: UUID
) -> None:
    before = await world.container.get_user.execute(user_id)
    await world.container.change_password.execute(
        user_id, current_password=PASSWORD, new_password=NEW_PASSWORD
    )
    after = await world.container.get_user.execute(user_id)
    assert after.password_hash != before.password_hash
    with pytest.raises(InvalidLogin):
        await world.container.authenticate_user.execute(email=EMAIL, password=PASSWORD)
    failures = (await world.container.get_user.execute(user_id)).login_failures
    assert failures is not None
    assert failures.count == 1


async def test_a_rotated_key_is_the_one_sent_next(world: World, user_id: UUID) -> None:
    credential_id = await add_key(world, user_id, "openai")
    assert await key_for(world, user_id) == OPENAI_KEY
    await world.container.update_credential.execute(user_id, credential_id, api_key=OPENAI_ROTATED)
    assert await key_for(world, user_id) == OPENAI_ROTATED


async def test_a_changed_model_is_the_one_chosen_next(world: World, user_id: UUID) -> None:
    credential_id = await add_key(world, user_id, "openai", model_name="model-a")
    resolve = world.container.resolve_llm.execute
    assert (await resolve(user_id)).choice.model == "model-a"
    await world.container.update_credential.execute(user_id, credential_id, model_name="model-b")
    assert (await resolve(user_id)).choice.model == "model-b"


async def test_a_new_default_and_a_new_key_are_chosen_next(world: World, user_id: UUID) -> None:
    openai = await add_key(world, user_id, "openai")
    assert await key_for(world, user_id) == OPENAI_KEY
    await world.container.add_credential.execute(
        user_id, provider="anthropic", api_key=ANTHROPIC_KEY, is_default=True
    )
    assert await key_for(world, user_id) == ANTHROPIC_KEY
    await world.container.set_default_credential.execute(user_id, openai)
    assert await key_for(world, user_id) == OPENAI_KEY


async def test_a_revoked_key_is_never_resolved_again(world: World, user_id: UUID) -> None:
    credential_id = await add_key(world, user_id, "openai")
    await key_for(world, user_id)
    await world.container.revoke_credential.execute(user_id, credential_id)
    with pytest.raises(NoLlmConfigured):
        await key_for(world, user_id)


async def test_a_key_that_expires_while_remembered_is_not_resolved(
    world: World, user_id: UUID, feed: SwitchableChangeFeed
) -> None:
    credential_id = await add_key(world, user_id, "openai")
    expires = world.clock.now() + timedelta(seconds=30)
    await world.container.update_credential.execute(user_id, credential_id, expires_at=expires)
    await key_for(world, user_id)
    feed.published.clear()
    world.clock.advance(31)  # still within the entry's lifetime
    with pytest.raises(NoLlmConfigured):
        await key_for(world, user_id)
    assert feed.published == [user_id]  # the expiry was recorded, and said
    assert world.db.credentials[credential_id].expiry_unrecorded is False


async def test_a_key_the_provider_refuses_is_flagged_and_said(
    world: World, user_id: UUID, feed: SwitchableChangeFeed
) -> None:
    credential_id = await add_key(world, user_id, "openai")
    await world.container.relay_completion.execute(user_id, HI)
    feed.published.clear()
    world.providers.get(Provider.OPENAI).fail_with = InvalidApiKey("openai", "revoked upstream")
    with pytest.raises(CredentialRejected):
        await world.container.relay_completion.execute(user_id, HI)
    assert feed.published == [user_id]
    assert world.db.credentials[credential_id].last_error is not None
    feed.published.clear()
    await world.container.revalidate_credential.execute(user_id, credential_id)
    assert feed.published == [user_id]


async def test_a_lower_budget_refuses_the_next_call(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    await world.container.set_budget.execute(user_id, UserBudget(Decimal("1.00"), 80))
    await world.container.relay_completion.execute(user_id, HI)
    await world.container.set_budget.execute(user_id, UserBudget(Decimal("0.04"), 80))
    with pytest.raises(BudgetExceeded):
        await world.container.relay_completion.execute(user_id, HI)


async def test_a_new_data_key_and_a_rewrap_drop_the_remembered_one(
    world: World, user_id: UUID, feed: SwitchableChangeFeed
) -> None:
    await add_key(world, user_id, "openai")
    other = await new_user(world, "other@example.com")
    await add_key(world, other, "openai")
    await key_for(world, user_id)
    old_keys = {key.id for key in world.db.data_keys.values() if key.user_id == user_id}
    feed.published.clear()
    await world.container.rotate_user_data_key.execute(user_id)
    assert feed.published == [user_id]
    assert await key_for(world, user_id) == OPENAI_KEY  # opened with the new data key
    assert all(not world.db.data_keys[key].is_live for key in old_keys)
    # A new primary master key: every data key moves to it.
    keys = f"{key_line('k2')},{world.container.settings.crypto.keys}"
    restarted = memory_world(make_settings(keys=keys), db=world.db, changes=feed)
    feed.published.clear()
    report = await restarted.container.rewrap_data_keys.execute()
    assert report.rewrapped == 2
    assert sorted(feed.published) == sorted([user_id, other])


async def test_a_remembered_token_revoked_elsewhere_is_refused_by_its_touch(
    world: World, user_id: UUID
) -> None:
    """Another instance revoked it and its notice has not arrived yet: the once-a-minute write
    finds the row revoked, changes nothing, and the call is refused."""
    new = await world.container.create_gateway_token.execute(user_id, "bot")
    authenticate = world.container.authenticate_gateway_token.execute
    await authenticate(new.secret)
    row = world.db.gateway_tokens[new.token.id]
    row.revoked_at = world.clock.now()
    last_used = row.last_used_at
    world.clock.advance(61)
    with pytest.raises(InvalidGatewayToken):
        await authenticate(new.secret)
    assert world.db.gateway_tokens[new.token.id].last_used_at == last_used
    with pytest.raises(InvalidGatewayToken):
        await authenticate(new.secret)  # forgotten: read again, revoked
