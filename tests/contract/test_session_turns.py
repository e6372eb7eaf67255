"""SessionTurns contract, a chat turn's own read and write outside any unit of work: ``head``
reads as ``AgentSessionStore.head`` does; ``add`` commits the turn's messages, the session's
``updated_at``, the usage row and the hold's settlement together, through the session's owner
only, and on a failure nothing of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from adapters.persistence.errors import ConstraintViolation, DatabaseError
from adapters.persistence.memory import MemoryDatabase
from adapters.persistence.session_turns import UnitOfWorkSessionTurns
from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory, build_engine
from adapters.persistence.sqlalchemy.session_turns import session_turns
from domain.agent_session import AgentMessage, AgentSession
from domain.budget import Cap, CapKind, Settlement, month_of
from domain.content import ImagePart, TextPart
from domain.errors import SessionNotFound
from domain.llm import Role, Usage
from domain.ports import SessionTurns, UnitOfWorkFactory
from domain.tools import ToolCall
from domain.usage import UsageRecord
from tests.support.databases import BACKENDS
from tests.support.entities import (
    T0,
    at,
    can_reserve,
    committed_hold,
    committed_user,
    message,
    session,
    usage,
)


@dataclass
class Store:
    turns: SessionTurns
    uow: UnitOfWorkFactory


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        db = MemoryDatabase()
        yield Store(UnitOfWorkSessionTurns(db.unit_of_work), db.unit_of_work)
        return
    engine = build_engine(request.getfixturevalue(f"{request.param}_url"))
    try:
        yield Store(session_turns(engine), SqlAlchemyUnitOfWorkFactory(engine))
    finally:
        await engine.dispose()


async def started(store: Store, owner: UUID) -> AgentSession:
    item = session(owner)
    item.system_prompts = {"anthropic": "Think, then answer."}
    async with store.uow() as uow:
        await uow.sessions.add(item)
        await uow.commit()
    return item


async def stored(
    store: Store, owner: UUID, item: AgentSession
) -> tuple[AgentSession | None, list[AgentMessage], list[UsageRecord]]:
    """The session, its messages and the owner's usage rows, as committed."""
    async with store.uow() as uow:
        return (
            await uow.sessions.get(owner, item.id),
            await uow.sessions.messages(owner, item.id),
            await uow.usage.records(owner, limit=100),
        )


def turn(item: AgentSession, minutes: float) -> list[AgentMessage]:
    """A question with an image and a reply with a tool call: every column a turn writes."""
    question = replace(
        message(item.id, Role.USER, created_at=at(minutes)),
        content="Compare ",
        parts=(TextPart("Compare "), ImagePart(url="https://example.com/a.png", detail="low")),
    )
    answer = replace(
        message(item.id, Role.ASSISTANT, created_at=at(minutes + 0.5), usage=Usage(10, 3)),
        content="",
        cost_usd=Decimal("0.0000123456"),
        tool_calls=(ToolCall("call_1", "get_price", '{"symbol": "AAPL"}', "sig"),),
        model="gpt-4o-mini",
    )
    return [question, answer]


def used(owner: UUID, item: AgentSession, minutes: float = 1) -> UsageRecord:
    return usage(owner, session_id=item.id, created_at=at(minutes), estimated=True)


async def test_head_is_the_session_its_newest_messages_and_their_count(store: Store) -> None:
    owner = await committed_user(store.uow)
    stranger = await committed_user(store.uow)
    item = await started(store, owner.id)
    empty = await started(store, owner.id)
    said = [*turn(item, 1), *turn(item, 2), message(item.id, created_at=at(3))]
    async with store.uow() as uow:
        for each in said:
            await uow.sessions.add_message(owner.id, each)
        await uow.commit()

    head = await store.turns.head(owner.id, item.id, limit=3)
    assert head is not None
    assert (head.session, head.newest, head.held) == (item, said[::-1][:3], 5)
    none = await store.turns.head(owner.id, item.id, limit=0)
    assert none is not None
    assert (none.newest, none.held) == ([], 5)
    alone = await store.turns.head(owner.id, empty.id, limit=64)
    assert alone is not None
    assert (alone.session, alone.newest, alone.held) == (empty, [], 0)
    assert await store.turns.head(stranger.id, item.id, limit=3) is None
    assert await store.turns.head(owner.id, uuid4(), limit=3) is None


async def test_a_turn_commits_its_messages_the_sessions_time_and_its_usage_together(
    store: Store,
) -> None:
    owner = await committed_user(store.uow)
    item = await started(store, owner.id)
    first, second = turn(item, 1), turn(item, 2)
    rows = [used(owner.id, item, 1), used(owner.id, item, 2)]

    await store.turns.add(owner.id, item.id, first, at(1), rows[0])
    await store.turns.add(owner.id, item.id, second, at(2), rows[1])

    assert await stored(store, owner.id, item) == (
        replace(item, updated_at=at(2)),
        [*first, *second],
        rows,
    )
    head = await store.turns.head(owner.id, item.id, limit=64)
    assert head is not None
    assert (head.newest, head.held) == ([*first, *second][::-1], 4)


async def test_a_tool_result_and_any_text_come_back_exactly(store: Store) -> None:
    owner = await committed_user(store.uow)
    item = await started(store, owner.id)
    question, answer = turn(item, 1)
    result = replace(
        message(item.id, Role.TOOL, created_at=at(1.75) + timedelta(microseconds=7)),
        content='{"price": "1\\u00e9", "quote": "\\"é€😀\\\\"}\n\ttab',
        tool_call_id="call_1",
        tool_name="get_price",
    )

    await store.turns.add(
        owner.id, item.id, [question, answer, result], at(2), used(owner.id, item)
    )

    assert (await stored(store, owner.id, item))[1] == [question, answer, result]


async def test_a_turn_is_added_only_through_the_sessions_owner_and_nothing_of_it_stays(
    store: Store,
) -> None:
    owner = await committed_user(store.uow)
    stranger = await committed_user(store.uow)
    item = await started(store, owner.id)

    with pytest.raises(SessionNotFound):
        await store.turns.add(stranger.id, item.id, turn(item, 1), at(1), used(stranger.id, item))
    with pytest.raises(SessionNotFound):
        await store.turns.add(owner.id, uuid4(), [], at(1), used(owner.id, item))

    assert await stored(store, owner.id, item) == (item, [], [])
    assert await stored(store, stranger.id, item) == (None, [], [])


async def test_a_turn_that_breaks_a_rule_stores_nothing(store: Store) -> None:
    owner = await committed_user(store.uow)
    item = await started(store, owner.id)
    said = message(item.id)
    async with store.uow() as uow:
        await uow.sessions.add_message(owner.id, said)
        await uow.commit()

    with pytest.raises(ConstraintViolation):
        await store.turns.add(owner.id, item.id, [said], at(1), used(owner.id, item))

    assert await stored(store, owner.id, item) == (item, [said], [])


async def test_the_settlement_moves_the_hold_to_spent_with_the_turn(store: Store) -> None:
    owner = await committed_user(store.uow)
    item = await started(store, owner.id)
    cap = Cap(CapKind.SYSTEM_MONTHLY, owner.id, owner.id, Decimal("1.00"), month_of(T0))
    hold = await committed_hold(store.uow, cap, "0.60")
    assert not await can_reserve(store.uow, cap, "0.41")
    row = replace(used(owner.id, item), cost_usd=Decimal("0.10"))

    await store.turns.add(
        owner.id, item.id, turn(item, 1), at(1), row, Settlement(hold, (Decimal("0.10"),))
    )

    # 0.10 spent, nothing held: 0.90 is left, not a cent more.
    assert await can_reserve(store.uow, cap, "0.90")
    assert not await can_reserve(store.uow, cap, "0.91")
    assert (await stored(store, owner.id, item))[2] == [row]


async def test_a_turn_refused_leaves_its_hold_held(store: Store) -> None:
    owner = await committed_user(store.uow)
    stranger = await committed_user(store.uow)
    item = await started(store, owner.id)
    cap = Cap(CapKind.SYSTEM_MONTHLY, stranger.id, stranger.id, Decimal("1.00"), month_of(T0))
    hold = await committed_hold(store.uow, cap, "0.60")

    with pytest.raises(SessionNotFound):
        await store.turns.add(
            stranger.id,
            item.id,
            turn(item, 1),
            at(1),
            used(stranger.id, item),
            Settlement(hold, (Decimal("0.10"),)),
        )

    assert not await can_reserve(store.uow, cap, "0.41")  # still held
    assert await stored(store, stranger.id, item) == (None, [], [])


async def test_turns_stored_at_once_on_one_session_all_land(store: Store) -> None:
    """Two sends on one session store their turns one after the other (PostgreSQL: the
    session's row; SQLite: its one writer), neither lost."""
    owner = await committed_user(store.uow)
    item = await started(store, owner.id)
    turns = [turn(item, n) for n in range(8)]

    await asyncio.wait_for(
        asyncio.gather(
            *(
                store.turns.add(owner.id, item.id, each, at(n), used(owner.id, item, n))
                for n, each in enumerate(turns)
            )
        ),
        timeout=60,
    )

    head = await store.turns.head(owner.id, item.id, limit=64)
    assert head is not None
    assert head.held == 16
    assert {m.id for m in head.newest} == {m.id for each in turns for m in each}
    assert len((await stored(store, owner.id, item))[2]) == 8


@pytest.mark.postgres
async def test_on_postgresql_a_value_too_long_for_its_column_is_refused_not_cut(
    postgres_url: str,
) -> None:
    """The messages travel as JSON read with the table's row type: a value longer than its
    column (a model name over 200 characters) fails the turn, and nothing of it is stored."""
    engine = build_engine(postgres_url)
    try:
        store = Store(session_turns(engine), SqlAlchemyUnitOfWorkFactory(engine))
        owner = await committed_user(store.uow)
        item = await started(store, owner.id)
        question, answer = turn(item, 1)

        with pytest.raises(DatabaseError, match="StringDataRightTruncation"):
            await store.turns.add(
                owner.id, item.id, [question, replace(answer, model="m" * 201)], at(1),
                used(owner.id, item),
            )  # fmt: skip

        assert await stored(store, owner.id, item) == (item, [], [])
    finally:
        await engine.dispose()
