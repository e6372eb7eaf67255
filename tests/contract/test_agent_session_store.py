"""AgentSessionStore contract: sessions newest first, messages oldest first (or a page at a
time, newest first), everything scoped to the owner (messages included: they are reached
through their session's owner)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from domain.agent_session import MessageCursor
from domain.content import MAX_IMAGE_BYTES, ImagePart, TextPart
from domain.errors import SessionNotFound
from domain.llm import Role, Usage
from domain.ports import UnitOfWorkFactory
from domain.tools import ToolCall
from tests.support.entities import at, committed_user, credential, message, session


async def test_an_added_session_reads_back_scoped_to_its_owner(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    cred = credential(owner.id)
    item = session(owner.id, credential_id=cred.id)
    async with uow_factory() as uow:
        await uow.credentials.add(cred)
        await uow.sessions.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.get(owner.id, item.id) == item
        assert await uow.sessions.get(stranger.id, item.id) is None
        assert await uow.sessions.get(owner.id, uuid4()) is None
        assert await uow.sessions.list_for_user(stranger.id) == []


async def test_a_session_served_by_the_system_default_has_no_credential(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id, credential_id=None)
    item.title = None
    item.system_prompt = None
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.get(owner.id, item.id) == item


async def test_sessions_are_listed_newest_first_up_to_the_limit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    items = [session(owner.id, created_at=at(minute)) for minute in (2, 0, 3, 1)]
    async with uow_factory() as uow:
        for item in items:
            await uow.sessions.add(item)
        await uow.commit()

    by_age = sorted(items, key=lambda s: s.created_at, reverse=True)
    async with uow_factory() as uow:
        assert [s.id for s in await uow.sessions.list_for_user(owner.id)] == [s.id for s in by_age]
        assert [s.id for s in await uow.sessions.list_for_user(owner.id, limit=2)] == [
            s.id for s in by_age[:2]
        ]


async def test_saved_changes_persist(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        item.title = "Renamed"
        item.llm_model = "gpt-4.1"
        item.updated_at = at(10)
        await uow.sessions.save(item)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.get(owner.id, item.id) == item


async def test_messages_come_back_oldest_first_with_usage_and_cost(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    question = message(item.id, Role.USER, created_at=at(1))
    answer = message(
        item.id,
        Role.ASSISTANT,
        created_at=at(2),
        usage=Usage(input_tokens=120, output_tokens=48),
        cost_usd=Decimal("0.0000123456"),
    )
    answer.incomplete = True
    answer.model = "gpt-4o-mini-2024-07-18"
    other_session = session(owner.id)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.sessions.add(other_session)
        await uow.sessions.add_message(owner.id, answer)
        await uow.sessions.add_message(owner.id, question)
        await uow.sessions.add_message(owner.id, message(other_session.id))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.messages(owner.id, item.id) == [question, answer]
        assert await uow.sessions.messages(owner.id, uuid4()) == []


async def test_messages_are_read_and_added_only_through_the_sessions_owner(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    item = session(owner.id)
    said = message(item.id)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.sessions.add_message(owner.id, said)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.messages(stranger.id, item.id) == []
        with pytest.raises(SessionNotFound):
            await uow.sessions.add_message(stranger.id, message(item.id))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.messages(owner.id, item.id) == [said]


async def test_a_message_needs_an_existing_session(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(SessionNotFound):
            await uow.sessions.add_message(owner.id, message(uuid4()))


async def test_a_session_needs_an_existing_user_and_credential(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.sessions.add(session(uuid4()))
    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.sessions.add(session(owner.id, credential_id=uuid4()))


async def test_concurrent_writers_of_messages_all_succeed(uow_factory: UnitOfWorkFactory) -> None:
    """Adding a message starts with its write: on SQLite a transaction that read first cannot
    write once another has committed since (chat replies are stored concurrently)."""
    owner = await committed_user(uow_factory)
    sessions = [session(owner.id) for _ in range(8)]
    async with uow_factory() as uow:
        for item in sessions:
            await uow.sessions.add(item)
        await uow.commit()

    async def chat(session_id: UUID) -> None:
        for n in range(5):
            async with uow_factory() as uow:
                await uow.sessions.add_message(owner.id, message(session_id, created_at=at(n)))
                await uow.commit()

    await asyncio.wait_for(asyncio.gather(*(chat(item.id) for item in sessions)), timeout=60)

    async with uow_factory() as uow:
        for item in sessions:
            assert len(await uow.sessions.messages(owner.id, item.id)) == 5


async def test_per_provider_system_prompts_read_back(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    item.system_prompts = {"openai": "Be terse.", "anthropic": "Think, then answer."}
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.sessions.get(owner.id, item.id)
        assert found == item
        assert found is not None
        assert found.system_prompt_for("anthropic") == "Think, then answer."
        assert found.system_prompt_for("google") == item.system_prompt


async def test_images_tool_calls_and_tool_results_read_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    # The largest image a message may hold, next to one given by URL.
    big = ImagePart(media_type="image/png", data=bytes(range(256)) * (MAX_IMAGE_BYTES // 256))
    # Text and images interleaved, kept in order.
    parts = (
        TextPart("Compare this "),
        big,
        TextPart(" with that "),
        ImagePart(url="https://example.com/chart.png", detail="low"),
        TextPart("."),
    )
    question = replace(
        message(item.id, Role.USER, created_at=at(1)),
        content="Compare this  with that .",
        parts=parts,
    )
    calls = (
        ToolCall("call_1", "get_price", '{"symbol": "AAPL"}'),
        ToolCall("call_2", "get_price", '{"symbol": "MSFT"}'),
    )
    answer = replace(
        message(item.id, Role.ASSISTANT, created_at=at(2), usage=Usage(10, 3)),
        content="",
        tool_calls=calls,
    )
    results = [
        replace(
            message(item.id, Role.TOOL, created_at=at(3 + i)),
            content=f'{{"price": {100 + i}}}',
            tool_call_id=call.id,
            tool_name=call.name,
        )
        for i, call in enumerate(calls)
    ]
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        for each in (question, answer, *results):
            await uow.sessions.add_message(owner.id, each)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.sessions.messages(owner.id, item.id)
    assert stored == [question, answer, *results]
    assert stored[0].parts == parts
    assert stored[0].images[0].data == big.data
    assert stored[1].tool_calls == calls
    assert [m.tool_call_id for m in stored[2:]] == ["call_1", "call_2"]


async def test_messages_are_read_a_page_at_a_time_newest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    item = session(owner.id)
    # Two messages share each time (a turn's tool results do): the id orders them.
    said = [message(item.id, created_at=at(n // 2)) for n in range(9)]
    newest_first = sorted(said, key=lambda m: (m.created_at, m.id), reverse=True)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        for each in said:
            await uow.sessions.add_message(owner.id, each)
        await uow.commit()

    pages: list[list[UUID]] = []
    before: MessageCursor | None = None
    async with uow_factory() as uow:
        while page := await uow.sessions.message_page(owner.id, item.id, limit=4, before=before):
            pages.append([m.id for m in page])
            before = MessageCursor.before(page[-1])
        assert await uow.sessions.message_count(owner.id, item.id) == 9
        assert await uow.sessions.message_page(stranger.id, item.id, limit=4) == []
        assert await uow.sessions.message_count(stranger.id, item.id) == 0
        assert await uow.sessions.message_count(owner.id, uuid4()) == 0
        assert await uow.sessions.message_page(owner.id, item.id, limit=0) == []
    assert [len(p) for p in pages] == [4, 4, 1]
    assert [i for p in pages for i in p] == [m.id for m in newest_first]


async def test_a_truncated_reply_reads_back_truncated(uow_factory: UnitOfWorkFactory) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    cut = replace(message(item.id, Role.ASSISTANT), truncated=True, incomplete=True)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.sessions.add_message(owner.id, cut)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.message_page(owner.id, item.id, limit=5) == [cut]
