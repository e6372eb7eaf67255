"""Issue 13, item 1: a conversation's size is bounded. A reply is stored up to
``MAX_REPLY_LENGTH`` (a stream stops reading there), the history sent upstream fits the
model's context window, a session holds at most ``BYOM_SESSION_MAX_MESSAGES`` messages, and
its messages are read a page at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from uuid import UUID

import pytest

from application.sessions.send_message import MAX_MESSAGE_LENGTH, MAX_REPLY_LENGTH
from domain.api_key import ApiKey
from domain.errors import HistoryTooLarge, InvalidCursor, SessionFull
from domain.history import estimated_tokens
from domain.llm import CompletionChunk, CompletionRequest, Role
from domain.provider import Provider
from entrypoints.settings import SessionSettings
from tests.support.builders import World, keyed_providers, make_settings, memory_world
from tests.support.fakes import FakeLlmProvider
from tests.support.scenarios import add_key, new_user

CONTEXT_WINDOW = 128_000  # FakeCatalog's model-a
MAX_OUTPUT = 4096


class EndlessProvider(FakeLlmProvider):
    """Streams text without end; counts what it yielded and whether its stream was closed."""

    def __init__(self, name: str, valid_keys: set[str]) -> None:
        super().__init__(name, valid_keys=valid_keys)
        self.yielded = 0
        self.closed = False

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncIterator[CompletionChunk]:
        self._authorise("stream", key, base_url)
        self.requests.append(request)
        try:
            while True:
                self.yielded += 1
                yield CompletionChunk(delta="x" * 1000)
        finally:
            self.closed = True


async def _session(world: World, user_id: UUID, system_prompt: str | None = None) -> UUID:
    await add_key(world, user_id, "openai")
    start = world.container.start_agent_session.execute
    return (await start(user_id, system_prompt=system_prompt)).id


def _stored(world: World, role: Role) -> list[str]:
    messages = sorted(world.db.messages.values(), key=lambda m: (m.created_at, m.id))
    return [m.content for m in messages if m.role is role]


async def test_a_reply_longer_than_the_cap_is_stored_cut_and_marked_truncated(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    world.providers.get(Provider.OPENAI).reply = "word " * MAX_REPLY_LENGTH

    reply = await world.container.send_message.execute(user_id, session_id, "Talk forever")

    assert len(reply.message.content) == MAX_REPLY_LENGTH
    assert reply.message.truncated
    assert not reply.message.incomplete  # the provider finished and said what it counted
    assert reply.message.usage is not None


async def test_a_stream_past_the_cap_stops_reading_the_provider_and_ends_truncated(
    user_id: UUID, world: World
) -> None:
    endless = EndlessProvider("openai", world.providers.get(Provider.OPENAI).valid_keys)
    world.providers.by_provider[Provider.OPENAI] = endless
    session_id = await _session(world, user_id)

    received: list[str] = []
    async with world.container.send_message.stream(user_id, session_id, "Go on") as stream:
        async for text in stream:
            received.append(text)

    assert len("".join(received)) == MAX_REPLY_LENGTH
    assert endless.closed
    assert endless.yielded == MAX_REPLY_LENGTH // 1000 + 1
    assert stream.error is None
    assert stream.result is not None
    stored = stream.result.message
    assert (len(stored.content), stored.truncated) == (MAX_REPLY_LENGTH, True)
    assert _stored(world, Role.ASSISTANT) == [stored.content]


async def test_the_history_sent_upstream_is_trimmed_to_the_context_window(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id, system_prompt="Be brief.")
    fake = world.providers.get(Provider.OPENAI)
    fake.reply = "r" * 1000
    for n in range(8):
        await world.container.send_message.execute(
            user_id, session_id, f"{n} " + "q" * (MAX_MESSAGE_LENGTH - 2)
        )

    sent = fake.requests[-1]
    # Everything is stored; the oldest turns are not sent, the system prompt and the newest are.
    assert len(_stored(world, Role.USER)) == 8
    assert sent.system == "Be brief."
    assert sent.messages[-1].text.startswith("7 ")
    assert sent.messages[0].role is Role.USER
    assert len(sent.messages) < 16
    assert sum(estimated_tokens(m) for m in sent.messages) <= CONTEXT_WINDOW - MAX_OUTPUT


async def test_a_message_that_cannot_fit_the_context_window_is_refused_before_any_call(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    fake = world.providers.get(Provider.OPENAI)
    # The reply's room leaves about 3,000 tokens for the message: 100,000 characters are more.
    with pytest.raises(HistoryTooLarge):
        await world.container.send_message.execute(
            user_id, session_id, "q" * MAX_MESSAGE_LENGTH, max_tokens=CONTEXT_WINDOW - 3000
        )
    assert fake.requests == []
    assert world.db.messages == {}


async def test_a_full_session_refuses_the_next_turn_and_stores_nothing() -> None:
    settings = replace(make_settings(), sessions=SessionSettings(max_messages=4))
    world = memory_world(settings, providers=keyed_providers())
    user_id = await new_user(world)
    session_id = await _session(world, user_id)
    send = world.container.send_message.execute
    await send(user_id, session_id, "one")
    await send(user_id, session_id, "two")

    with pytest.raises(SessionFull, match="holds 4 messages, at most 4"):
        await send(user_id, session_id, "three")

    assert len(world.db.messages) == 4
    assert len(world.providers.get(Provider.OPENAI).requests) == 2


async def test_the_session_shows_its_latest_page_and_pages_back_to_its_start(
    world: World, user_id: UUID
) -> None:
    session_id = await _session(world, user_id)
    for n in range(6):
        await world.container.send_message.execute(user_id, session_id, f"turn {n}")
        world.clock.advance(1)

    found = await world.container.get_agent_session.execute(user_id, session_id, limit=5)
    pages = [found.messages]
    cursor = found.next
    while cursor is not None:
        page = await world.container.list_session_messages.execute(
            user_id, session_id, before=cursor, limit=5
        )
        pages.append(page.messages)
        cursor = page.next

    assert [len(p) for p in pages] == [5, 5, 2]
    assert found.messages[-1].role is Role.ASSISTANT
    everything = [m for page in reversed(pages) for m in page]
    assert [m.content for m in everything if m.role is Role.USER] == [f"turn {n}" for n in range(6)]
    with pytest.raises(InvalidCursor):
        await world.container.list_session_messages.execute(user_id, session_id, before="nope")
