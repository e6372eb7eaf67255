"""AgentSessionStore contract, a chat turn's read and write: ``head`` (the session, its newest
messages and their count, at one moment) and ``add_turn`` (the turn's messages and the session's
``updated_at``, together, through the session's owner only)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from uuid import UUID, uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation
from domain.content import ImagePart, TextPart
from domain.errors import SessionNotFound
from domain.llm import Role, Usage
from domain.ports import UnitOfWorkFactory
from domain.tools import ToolCall
from tests.support.entities import at, committed_user, message, session


async def test_head_is_the_session_its_newest_messages_and_their_count(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    item = session(owner.id)
    item.system_prompts = {"anthropic": "Think, then answer."}
    other = session(owner.id)
    # Two messages share each time (a turn's tool results do): the id orders them.
    said = [message(item.id, created_at=at(n // 2)) for n in range(7)]
    newest_first = sorted(said, key=lambda m: (m.created_at, m.id), reverse=True)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.sessions.add(other)
        for each in said:
            await uow.sessions.add_message(owner.id, each)
        await uow.sessions.add_message(owner.id, message(other.id))
        await uow.commit()

    async with uow_factory() as uow:
        head = await uow.sessions.head(owner.id, item.id, limit=3)
        assert head is not None
        assert (head.session, head.newest, head.held) == (item, newest_first[:3], 7)
        whole = await uow.sessions.head(owner.id, item.id, limit=64)
        assert whole is not None
        assert (whole.newest, whole.held) == (newest_first, 7)
        none = await uow.sessions.head(owner.id, item.id, limit=0)
        assert none is not None
        assert (none.newest, none.held) == ([], 7)
        assert await uow.sessions.head(stranger.id, item.id, limit=3) is None
        assert await uow.sessions.head(owner.id, uuid4(), limit=3) is None


async def test_the_head_of_a_session_without_messages_is_the_session_alone(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        head = await uow.sessions.head(owner.id, item.id, limit=64)
    assert head is not None
    assert (head.session, head.newest, head.held) == (item, [], 0)


async def test_a_turn_adds_its_messages_and_touches_the_session_together(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    calls = (ToolCall("call_1", "get_price", '{"symbol": "AAPL"}', "sig"),)
    question = replace(
        message(item.id, Role.USER, created_at=at(1)),
        content="Compare ",
        parts=(TextPart("Compare "), ImagePart(url="https://example.com/a.png", detail="low")),
    )
    answer = replace(
        message(item.id, Role.ASSISTANT, created_at=at(2), usage=Usage(10, 3)),
        content="",
        tool_calls=calls,
        model="gpt-4o-mini",
    )
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        await uow.sessions.add_turn(owner.id, item.id, [question, answer], at(5))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.messages(owner.id, item.id) == [question, answer]
        stored = await uow.sessions.get(owner.id, item.id)
    assert stored == replace(item, updated_at=at(5))


async def test_a_turn_is_added_only_through_the_sessions_owner_and_nothing_of_it_stays(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    stranger = await committed_user(uow_factory)
    item = session(owner.id)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(SessionNotFound):
            await uow.sessions.add_turn(stranger.id, item.id, [message(item.id)], at(5))
        with pytest.raises(SessionNotFound):
            await uow.sessions.add_turn(owner.id, uuid4(), [], at(5))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.messages(owner.id, item.id) == []
        assert await uow.sessions.get(owner.id, item.id) == item


async def test_a_turn_with_a_message_already_stored_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    said = message(item.id)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.sessions.add_message(owner.id, said)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(ConstraintViolation):
            await uow.sessions.add_turn(owner.id, item.id, [message(item.id), said], at(5))


async def test_turns_stored_at_once_on_one_session_all_succeed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Two sends on one session store their turns one after the other (PostgreSQL: the
    session's row; SQLite: its one writer), neither lost."""
    owner = await committed_user(uow_factory)
    item = session(owner.id)
    async with uow_factory() as uow:
        await uow.sessions.add(item)
        await uow.commit()

    async def turn(n: int) -> UUID:
        asked = message(item.id, created_at=at(n))
        async with uow_factory() as uow:
            await uow.sessions.add_turn(
                owner.id,
                item.id,
                [asked, message(item.id, Role.ASSISTANT, created_at=at(n))],
                at(n),
            )
            await uow.commit()
        return asked.id

    asked = await asyncio.wait_for(asyncio.gather(*(turn(n) for n in range(8))), timeout=60)

    async with uow_factory() as uow:
        head = await uow.sessions.head(owner.id, item.id, limit=64)
    assert head is not None
    assert head.held == 16
    assert set(asked) <= {m.id for m in head.newest}
