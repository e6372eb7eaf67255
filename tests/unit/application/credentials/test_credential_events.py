"""The audit trail: each change to a credential is one event, written with the change (never
without it), carrying the request's id and address when there is one, and never the key."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.audit import RequestOrigin, serving
from application.credentials.list_credential_events import EventPage
from domain.credential_event import CredentialEventKind as Kind
from domain.errors import (
    CredentialRejected,
    DuplicateActiveCredential,
    InvalidApiKey,
    InvalidCursor,
    ProviderUnavailable,
)
from domain.provider import Provider
from tests.support.builders import World
from tests.support.constants import ANTHROPIC_KEY, OPENAI_KEY, OPENAI_ROTATED
from tests.support.scenarios import new_user


async def _events(world: World, user_id: UUID) -> list[tuple[Kind, UUID | None, str]]:
    page = await world.container.list_credential_events.execute(user_id, limit=200)
    return [(e.kind, e.credential_id, e.key_hint) for e in reversed(page.events)]


async def test_the_life_of_a_key_is_written_down_in_order(world: World, user_id: UUID) -> None:
    c = world.container
    openai = await c.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    claude = await c.add_credential.execute(user_id, provider="anthropic", api_key=ANTHROPIC_KEY)
    await c.revalidate_credential.execute(user_id, openai.id)
    await c.update_credential.execute(user_id, openai.id, model_name="model-b")
    await c.update_credential.execute(user_id, openai.id, api_key=OPENAI_ROTATED)
    await c.set_default_credential.execute(user_id, claude.id)
    await c.set_default_credential.execute(user_id, claude.id)  # already: nothing happened
    await c.revoke_credential.execute(user_id, openai.id)
    await c.revoke_credential.execute(user_id, openai.id)  # idempotent: nothing happened

    assert await _events(world, user_id) == [
        (Kind.CREATED, openai.id, "wxyz"),
        (Kind.DEFAULT_SET, openai.id, "wxyz"),
        (Kind.CREATED, claude.id, "AAAA"),
        (Kind.VALIDATED, openai.id, "wxyz"),
        (Kind.MODEL_CHANGED, openai.id, "wxyz"),
        (Kind.ROTATED, openai.id, "n3w1"),
        (Kind.DEFAULT_SET, claude.id, "AAAA"),
        (Kind.REVOKED, openai.id, "n3w1"),
    ]


async def test_events_carry_the_request_they_came_from(world: World, user_id: UUID) -> None:
    with serving(RequestOrigin("req-42", "198.51.100.9")):
        await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    await world.container.add_credential.execute(
        user_id, provider="anthropic", api_key=ANTHROPIC_KEY
    )

    page = await world.container.list_credential_events.execute(user_id)
    origins = [(e.kind, e.provider, e.request_id, e.client_address) for e in page.events]
    assert origins == [
        (Kind.CREATED, Provider.ANTHROPIC, None, None),  # not over HTTP: no origin
        (Kind.DEFAULT_SET, Provider.OPENAI, "req-42", "198.51.100.9"),
        (Kind.CREATED, Provider.OPENAI, "req-42", "198.51.100.9"),
    ]


async def test_a_refused_new_key_is_not_stored_but_its_failure_is(
    world: World, user_id: UUID
) -> None:
    wrong = OPENAI_KEY.replace("wxyz", "b4d0")
    with pytest.raises(InvalidApiKey):
        await world.container.add_credential.execute(user_id, provider="openai", api_key=wrong)

    assert world.db.credentials == {}
    assert await _events(world, user_id) == [(Kind.VALIDATION_FAILED, None, "b4d0")]


async def test_a_create_that_fails_stores_neither_the_key_nor_an_event(
    world: World, user_id: UUID
) -> None:
    await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    with pytest.raises(DuplicateActiveCredential):
        await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    world.providers.get(Provider.ANTHROPIC).fail_with = ProviderUnavailable("anthropic", "down")
    with pytest.raises(ProviderUnavailable):
        await world.container.add_credential.execute(
            user_id, provider="anthropic", api_key=ANTHROPIC_KEY
        )

    assert [kind for kind, *_ in await _events(world, user_id)] == [
        Kind.CREATED,
        Kind.DEFAULT_SET,
    ]


async def test_a_refused_rotation_or_check_is_a_validation_failure_and_changes_nothing(
    world: World, user_id: UUID
) -> None:
    c = world.container
    key = await c.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    with pytest.raises(InvalidApiKey):
        await c.update_credential.execute(
            user_id, key.id, api_key=OPENAI_KEY.replace("wxyz", "b4d1")
        )
    world.providers.get(Provider.OPENAI).valid_keys.clear()
    result = await c.revalidate_credential.execute(user_id, key.id)

    assert not result.valid
    assert (await _events(world, user_id))[2:] == [
        (Kind.VALIDATION_FAILED, key.id, "b4d1"),  # the refused new key's hint
        (Kind.VALIDATION_FAILED, key.id, "wxyz"),
    ]
    assert world.db.credentials[key.id].key_hint == "wxyz"


async def test_a_provider_refusing_the_stored_key_in_use_is_recorded_with_the_flag(
    world: World, user_id: UUID
) -> None:
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    session = await world.container.start_agent_session.execute(user_id)
    world.providers.get(Provider.OPENAI).valid_keys.clear()
    with pytest.raises(CredentialRejected):
        await world.container.send_message.execute(user_id, session.id, "hello")

    assert (await _events(world, user_id))[-1] == (Kind.REJECTED_BY_PROVIDER, key.id, "wxyz")
    assert world.db.credentials[key.id].last_error is not None


async def test_events_outlive_the_key_and_go_with_the_account(world: World, user_id: UUID) -> None:
    other = await new_user(world, "other@example.com")
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    await world.container.add_credential.execute(other, provider="openai", api_key=OPENAI_KEY)
    await world.container.revoke_credential.execute(user_id, key.id)
    assert len(await _events(world, user_id)) == 3

    await world.container.delete_account.execute(user_id)

    assert await _events(world, user_id) == []
    assert len(await _events(world, other)) == 2


async def test_pages_go_back_in_time_with_the_cursor(world: World, user_id: UUID) -> None:
    key = await world.container.add_credential.execute(
        user_id, provider="openai", api_key=OPENAI_KEY
    )
    for _ in range(4):
        world.clock.advance(1)
        await world.container.revalidate_credential.execute(user_id, key.id)

    pages: list[EventPage] = []
    before = None
    while True:
        page = await world.container.list_credential_events.execute(user_id, before=before, limit=2)
        pages.append(page)
        if page.next is None:
            break
        before = page.next
    kinds = [e.kind for p in pages for e in p.events]
    assert [len(p.events) for p in pages] == [2, 2, 2]
    assert kinds == [Kind.VALIDATED] * 4 + [Kind.DEFAULT_SET, Kind.CREATED]
    with pytest.raises(InvalidCursor):
        await world.container.list_credential_events.execute(user_id, before="not-a-cursor")
