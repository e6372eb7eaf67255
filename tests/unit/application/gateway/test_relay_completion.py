"""Relaying a completion: routing, system turns, usage records, failures, streams."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

import pytest

from adapters.persistence.errors import ConstraintViolation
from adapters.persistence.memory.database import MemoryDatabase
from adapters.persistence.usage_journal import Entry, UnitOfWorkUsageJournal
from application.gateway.relay_completion import RelayRequest
from domain.errors import (
    CredentialRejected,
    InvalidApiKey,
    InvalidMessage,
    NoLlmConfigured,
    ProviderCallFailed,
)
from domain.llm import ChatMessage, Role, Usage
from domain.provider import Provider
from domain.usage import UsageSource
from tests.support.builders import World, keyed_providers, memory_world
from tests.support.scenarios import add_key, new_user

CONVERSATION = (
    ChatMessage(Role.SYSTEM, "Be brief."),
    ChatMessage(Role.USER, "EUR/USD?"),
    ChatMessage(Role.ASSISTANT, "Flat."),
    ChatMessage(Role.SYSTEM, "Use basis points."),
    ChatMessage(Role.USER, "And GBP?"),
)


async def test_system_turns_become_the_system_prompt_and_usage_is_recorded(
    world: World, user_id: UUID
) -> None:
    credential = await add_key(world, user_id, "anthropic")
    await add_key(world, user_id, "openai")  # the default: routing must not pick it
    world.providers.get(Provider.ANTHROPIC).models = ("claude-x",)

    relayed = await world.container.relay_completion.execute(
        user_id, RelayRequest("claude-x", CONVERSATION, max_tokens=99, stop=("END",))
    )

    [sent] = world.providers.get(Provider.ANTHROPIC).requests
    assert sent.system == "Be brief.\n\nUse basis points."
    assert sent.messages == (
        ChatMessage(Role.USER, "EUR/USD?"),
        ChatMessage(Role.ASSISTANT, "Flat."),
        ChatMessage(Role.USER, "And GBP?"),
    )
    assert (sent.model, sent.max_tokens, sent.stop) == ("claude-x", 99, ("END",))
    assert relayed.choice.credential_id == credential
    [record] = world.db.usage.values()
    assert (record.source, record.session_id, record.provider, record.model) == (
        UsageSource.GATEWAY,
        None,
        "anthropic",
        "claude-x",
    )
    assert record.cost_usd is None, "claude-x is not in the catalog"


async def test_a_priced_model_records_its_cost(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    relayed = await world.container.relay_completion.execute(
        user_id, RelayRequest("openai/model-a", (ChatMessage(Role.USER, "hi"),))
    )
    assert relayed.cost_usd == Decimal("0.00008")
    assert relayed.completion.usage == Usage(12, 5)


async def test_answer_returns_the_reply_before_its_usage_row_is_committed(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    relayed, recorded = await world.container.relay_completion.answer(
        user_id, RelayRequest("openai/model-a", (ChatMessage(Role.USER, "hi"),))
    )
    assert relayed.completion.text
    assert world.db.usage == {}, "the caller is not kept waiting for the database"

    await asyncio.shield(recorded)
    [record] = world.db.usage.values()
    assert (record.user_id, record.cost_usd) == (user_id, relayed.cost_usd)


async def test_a_usage_row_not_stored_after_the_answer_is_logged_without_its_content(
    world: World, user_id: UUID, caplog: pytest.LogCaptureFixture
) -> None:
    await add_key(world, user_id, "openai")
    _, recorded = await world.container.relay_completion.answer(
        user_id, RelayRequest("openai/model-a", (ChatMessage(Role.USER, "hi"),))
    )
    del world.db.users[user_id]  # the account went away meanwhile: the row breaks its key

    with caplog.at_level(logging.ERROR, logger="application.gateway.relay_completion"):
        with pytest.raises(ConstraintViolation):
            await asyncio.shield(recorded)
        await asyncio.sleep(0)  # the outcome's callbacks

    assert world.db.usage == {}
    assert "gateway call's usage row was not stored: ConstraintViolation" in caplog.text
    assert str(user_id) not in caplog.text


async def test_a_model_for_a_provider_without_a_key_is_no_llm_configured(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    with pytest.raises(NoLlmConfigured, match="google"):
        await world.container.relay_completion.execute(
            user_id, RelayRequest("gemini-2.5-pro", (ChatMessage(Role.USER, "hi"),))
        )
    assert world.db.usage == {}


async def test_only_system_turns_is_invalid(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    with pytest.raises(InvalidMessage):
        await world.container.relay_completion.execute(
            user_id, RelayRequest("gpt-x", (ChatMessage(Role.SYSTEM, "hi"),))
        )


async def test_a_refused_key_flags_the_credential(world: World, user_id: UUID) -> None:
    credential = await add_key(world, user_id, "openai")
    world.providers.get(Provider.OPENAI).fail_with = InvalidApiKey("openai", "revoked key")
    with pytest.raises(CredentialRejected):
        await world.container.relay_completion.execute(
            user_id, RelayRequest("model-a", (ChatMessage(Role.USER, "hi"),))
        )
    assert world.db.credentials[credential].last_error == "revoked key"


async def test_a_whole_stream_records_usage_once(world: World, user_id: UUID) -> None:
    await add_key(world, user_id, "openai")
    stream = world.container.relay_completion.stream(
        user_id, RelayRequest("model-a", (ChatMessage(Role.USER, "hi"),))
    )

    async with stream:
        chunks = [c async for c in stream.chunks()]
    kept = await stream.finish()
    assert kept is not None
    assert (kept.usage, kept.cost_usd) == (Usage(12, 5), Decimal("0.00008"))

    assert "".join(c.delta for c in chunks) == "Hello from the fake model."
    assert chunks[-1].usage == Usage(12, 5)
    assert len(world.db.usage) == 1


async def test_a_stream_cut_short_is_recorded_on_an_estimate_never_as_zero(
    world: World, user_id: UUID
) -> None:
    await add_key(world, user_id, "openai")
    request = RelayRequest("model-a", (ChatMessage(Role.USER, "hi"),))

    async with world.container.relay_completion.stream(user_id, request) as early:
        async for _ in early.chunks():
            break
    dropping = world.providers.get(Provider.OPENAI)
    dropping.drop_stream_after = 1
    dropped = world.container.relay_completion.stream(user_id, request)
    await dropped.start()
    with pytest.raises(ProviderCallFailed):
        _ = [c async for c in dropped.chunks()]
    await dropped.aclose()

    # Before: no usage row at all (the provider reported nothing). Now an estimate from the
    # text: the prompt "hi" (1 token + 4 of framing) and what arrived ("Hello": 2 tokens).
    rows = sorted(world.db.usage.values(), key=lambda r: r.id)
    assert [(r.input_tokens, r.output_tokens, r.estimated) for r in rows] == [
        (5, 2, True),
        (5, 2, True),
    ]
    assert all(r.cost_usd for r in rows)


class FullJournal(UnitOfWorkUsageJournal):
    """Room for one row; writes held until ``gate`` is set."""

    def __init__(self, db: MemoryDatabase) -> None:
        super().__init__(db.unit_of_work, max_waiting=1)
        self.gate = asyncio.Event()

    async def _write(self, entries: Sequence[Entry]) -> None:
        await self.gate.wait()
        await super()._write(entries)


async def _cancelled_while_its_row_waits(world: World, journal: FullJournal, user_id: UUID) -> None:
    """One call's row fills the journal; a second call's row waits for room, and its caller
    is cancelled then (its client went away after the provider billed the call)."""
    await add_key(world, user_id, "openai")
    ask = RelayRequest("openai/model-a", (ChatMessage(Role.USER, "hi"),))
    await world.container.relay_completion.answer(user_id, ask)
    second = asyncio.create_task(world.container.relay_completion.answer(user_id, ask))
    for _ in range(50):
        await asyncio.sleep(0)
    assert len(world.providers.get(Provider.OPENAI).requests) == 2
    assert not second.done(), "its row waits for room"
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second


async def test_a_caller_cancelled_while_its_row_waits_for_room_still_has_it_stored() -> None:
    db = MemoryDatabase()
    journal = FullJournal(db)
    world = memory_world(db=db, providers=keyed_providers(), usage_journal=journal)
    user_id = await new_user(world)
    await _cancelled_while_its_row_waits(world, journal, user_id)

    journal.gate.set()
    await journal.aclose()

    assert len(world.db.usage) == 2


async def test_the_row_of_a_cancelled_caller_that_could_not_be_stored_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = MemoryDatabase()
    journal = FullJournal(db)
    world = memory_world(db=db, providers=keyed_providers(), usage_journal=journal)
    user_id = await new_user(world)
    await _cancelled_while_its_row_waits(world, journal, user_id)
    del world.db.users[user_id]  # both rows break their key

    with caplog.at_level(logging.ERROR, logger="application.gateway.relay_completion"):
        journal.gate.set()
        await journal.aclose()
        await asyncio.sleep(0)  # the outcomes' callbacks

    assert caplog.text.count("gateway call's usage row was not stored") == 2
