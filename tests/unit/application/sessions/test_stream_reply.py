"""Streamed replies: what arrived is always stored, whole or marked incomplete."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from uuid import UUID

import pytest

from application.sessions.send_message import ReplyStream
from domain.agent_session import AgentMessage
from domain.api_key import ApiKey
from domain.errors import CredentialRejected, InvalidApiKey, ProviderCallFailed
from domain.llm import CompletionChunk, CompletionRequest, FinishReason, Role, Usage
from domain.provider import Provider
from tests.support.builders import World
from tests.support.fakes import FakeLlmProvider
from tests.support.scenarios import add_key


class StallingProvider(FakeLlmProvider):
    """Streams its first words, then waits for an answer that never comes (a slow model)."""

    def __init__(self, name: str, valid_keys: set[str], words: int) -> None:
        super().__init__(name, valid_keys=valid_keys)
        self.words = words
        self.sent_all = asyncio.Event()

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncIterator[CompletionChunk]:
        self._authorise("stream", key, base_url)
        for index, word in enumerate(self.reply.split(" ")[: self.words]):
            yield CompletionChunk(delta=word if index == 0 else f" {word}")
        self.sent_all.set()
        await asyncio.Event().wait()
        yield CompletionChunk(usage=self.usage, finish_reason=FinishReason.STOP)


async def _session(world: World, user_id: UUID) -> UUID:
    await add_key(world, user_id, "openai")
    return (await world.container.start_agent_session.execute(user_id)).id


async def _drain(stream: ReplyStream, into: list[str]) -> None:
    async with stream:
        async for text in stream:
            into.append(text)


def _messages(world: World) -> list[AgentMessage]:
    return sorted(world.db.messages.values(), key=lambda m: m.id)


async def test_a_whole_stream_stores_the_reply_with_usage_and_cost(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    deltas: list[str] = []

    async with world.container.send_message.stream(user_id, session_id, "hi") as reply:
        async for text in reply:
            deltas.append(text)

    assert deltas == ["Hello", " from", " the", " fake", " model."]
    assert reply.result is not None
    stored = reply.result.message
    assert stored.content == "Hello from the fake model."
    assert stored.usage == Usage(12, 5)
    assert stored.cost_usd == Decimal("0.00008")
    assert not stored.incomplete
    user, assistant = _messages(world)
    assert (user.role, user.content) == (Role.USER, "hi")
    assert (assistant.content, assistant.incomplete) == ("Hello from the fake model.", False)
    [record] = world.db.usage.values()
    assert (record.input_tokens, record.output_tokens) == (12, 5)


async def test_a_provider_dropping_mid_stream_keeps_what_arrived_as_incomplete(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    world.providers.get(Provider.OPENAI).drop_stream_after = 2
    deltas: list[str] = []

    reply = world.container.send_message.stream(user_id, session_id, "hi")
    with pytest.raises(ProviderCallFailed):
        await _drain(reply, deltas)

    assert deltas == ["Hello", " from"]
    assert isinstance(reply.error, ProviderCallFailed)
    _user, assistant = _messages(world)
    assert (assistant.content, assistant.incomplete) == ("Hello from", True)
    assert (assistant.usage, assistant.cost_usd) == (None, None)
    # The provider never said what it counted: the usage row is an estimate from the text
    # (before: no row at all, so the call cost nothing).
    [row] = world.db.usage.values()
    assert (row.output_tokens, row.estimated) == (3, True)  # "Hello from": 10 bytes
    assert row.input_tokens > 0


async def test_a_consumer_that_stops_early_stores_what_it_read_as_incomplete(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)

    stream = world.container.send_message.stream(user_id, session_id, "hi")
    async for text in stream:
        if text == " from":
            break
    await stream.aclose()

    assert [(m.content, m.incomplete) for m in _messages(world)] == [
        ("hi", False),
        ("Hello from", True),
    ]


async def test_a_cancelled_consumer_still_stores_what_arrived(world: World, user_id: UUID) -> None:
    stalling = StallingProvider("openai", world.providers.get(Provider.OPENAI).valid_keys, 3)
    world.providers.by_provider[Provider.OPENAI] = stalling
    session_id = await _session(world, user_id)

    async def consume() -> None:
        async with world.container.send_message.stream(user_id, session_id, "hi") as reply:
            async for _ in reply:
                pass

    task = asyncio.create_task(consume())
    await stalling.sent_all.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert [(m.content, m.incomplete) for m in _messages(world)] == [
        ("hi", False),
        ("Hello from the", True),
    ]


async def test_a_closed_stream_is_stored_once_however_often_it_is_finished(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    stream = world.container.send_message.stream(user_id, session_id, "hi")
    async for _ in stream:
        pass

    first = await stream.finish()
    again = await stream.finish()
    await stream.aclose()

    assert first is not None
    assert first is again
    assert len(world.db.messages) == 2
    assert len(world.db.usage) == 1


async def test_a_failure_before_any_text_raises_at_start_and_stores_nothing(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    credential = next(iter(world.db.credentials))
    world.providers.get(Provider.OPENAI).fail_with = InvalidApiKey("openai", "bad key")

    stream = world.container.send_message.stream(user_id, session_id, "hi")
    with pytest.raises(CredentialRejected):
        await stream.start()
    assert await stream.finish() is None

    assert world.db.messages == {}
    assert world.db.credentials[credential].last_error == "bad key"


async def test_a_stream_never_started_stores_nothing(world: World, user_id: UUID) -> None:
    session_id = await _session(world, user_id)
    stream = world.container.send_message.stream(user_id, session_id, "hi")
    assert await stream.finish() is None
    assert world.db.messages == {}
    assert world.providers.get(Provider.OPENAI).requests == []
