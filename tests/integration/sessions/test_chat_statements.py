"""What a chat turn asks of the database (issue 15): the statements and transactions of one
``POST /api/v1/agent-sessions/{id}/messages``, the first (nothing remembered yet: the caller's
own budget is read) and one on a session with history (the SpendGuard's KnownCaps remembers it),
on SQLite and PostgreSQL. Behaviour, not timing: each statement costs a worker 0.1-0.5 ms of
CPU through SQLAlchemy, each transaction two more round trips (BEGIN, COMMIT or ROLLBACK).
On PostgreSQL the turn's read and write are one statement each, with no transaction around
them (SessionTurns on asyncpg itself); on SQLite they go through the unit of work."""

from __future__ import annotations

import asyncio

from adapters.persistence.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from domain.provider import Provider
from tests.support.chat_api import ChatApi
from tests.support.sql_count import SqlCount, count_sql

# Who the caller is and which key serves them are read by the auth and the LLM factory, whose
# caches decide how often: not this test's subject.
NOT_THE_TURNS = {"users", "user_llm_credentials", "user_data_keys"}


def turn_transactions(counted: SqlCount) -> list[list[str]]:
    """The transactions of the turn itself: each statement as its verb and first table."""
    return [
        each
        for each in counted.tables()
        if not all(statement.split()[-1] in NOT_THE_TURNS for statement in each)
    ]


async def logged(api: ChatApi) -> None:
    """The app runs on the test client's event loop (in a thread of its own), where asyncpg
    hands what it sent on its own connection to its query loggers a turn later (``call_soon``):
    once that loop ran a coroutine after them, they are counted."""
    await asyncio.to_thread(api.client.blocking_portal.call, asyncio.sleep, 0)


async def test_a_chat_turn_reads_in_one_statement_and_writes_in_one_transaction(
    sql_api: ChatApi,
) -> None:
    api = sql_api
    uow = api.container.uow
    assert isinstance(uow, SqlAlchemyUnitOfWorkFactory)
    me = await api.user("desk@example.com")
    await api.add_key(me, Provider.OPENAI)
    session = await api.start(me)
    with count_sql(uow.engine) as cold:
        assert (await api.send(me, session["id"], "first")).status_code == 200
        await logged(api)
    assert (await api.send(me, session["id"], "second")).status_code == 200

    with count_sql(uow.engine) as warm:
        answered = await api.send(me, session["id"], "third")
        await logged(api)

    assert answered.status_code == 200, answered.text
    # Reads: the session, its newest messages and their count (one statement), and the first
    # time the caller's own budget (their key serves the session; KnownCaps remembers it after),
    # which the SpendGuard reads in a transaction of its own.
    # Writes: the owner check and updated_at, both messages, the usage row: on PostgreSQL one
    # statement (data-modifying CTEs), on SQLite three (the messages in one executemany).
    if uow.engine.dialect.name == "postgresql":
        write = ["WITH UPDATE agent_sessions, INSERT agent_messages, INSERT llm_usage"]
        assert (cold.commits, warm.commits) == (0, 0)  # no transaction: one statement each
    else:
        write = ["UPDATE agent_sessions", "INSERT agent_messages", "INSERT llm_usage"]
        assert warm.commits == 1
    assert turn_transactions(cold) == [["SELECT agent_sessions"], ["SELECT user_budgets"], write]
    assert turn_transactions(warm) == [["SELECT agent_sessions"], write]
    assert len(await api.messages(me, session["id"])) == 6
