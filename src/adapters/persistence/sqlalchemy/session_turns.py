"""A chat turn's read and write on SQL: on PostgreSQL asyncpg itself, one statement each on a
connection from the engine's pool, with no transaction around it; on SQLite the unit of work's
stores.

Measured (tests/bench/bench_session_turn.py): the read through the ORM session is three round
trips (BEGIN, the statement, ROLLBACK) and the write six (BEGIN, three statements, COMMIT), each
with SQLAlchemy's execution around it; here each is one round trip. The write is one statement
of data-modifying CTEs: atomic as any single statement, and its inserts happen only when the
owner check's UPDATE matched (which also holds the session's row until the statement ends, so
two turns of one session are stored one after the other). A turn that settles a hold (a cap
applied) goes through the unit of work, where the spend ledger's statements are."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.session_turns import UnitOfWorkSessionTurns
from adapters.persistence.sqlalchemy._asyncpg_errors import raw_driver
from adapters.persistence.sqlalchemy._json_rows import json_rows
from adapters.persistence.sqlalchemy._session_rows import (
    HEAD,
    MESSAGE_COLUMNS,
    MESSAGES,
    SESSIONS,
    head_from,
    head_params,
    message_values,
)
from adapters.persistence.sqlalchemy.tables import UsageRow
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory
from adapters.persistence.sqlalchemy.usage_store import USAGE_COLUMNS, usage_row
from domain.agent_session import AgentMessage, SessionHead
from domain.budget import Settlement
from domain.errors import SessionNotFound
from domain.ports import SessionTurns
from domain.usage import UsageRecord

_POSTGRESQL: Any = postgresql.dialect  # untyped in SQLAlchemy's annotations
_USAGE: Table = UsageRow.__table__  # type: ignore[assignment]
_MESSAGE_NAMES = tuple(column.name for column in MESSAGE_COLUMNS)


def _pg_type(table: Table, column: str) -> str:
    # Without length or precision: the INSERT's assignment cast then refuses a value too long
    # for its column, where an explicit varchar(n) cast would cut it silently.
    compiled = table.c[column].type.compile(dialect=_POSTGRESQL())
    return re.sub(r"\(.*\)", "", str(compiled))


def _add_turn_sql() -> str:
    # Built once from the tables' own column names and types, never from a value; the
    # messages arrive as one JSON array (``json_rows``: 93 fewer Python calls a turn than one
    # array per column).
    first = 5  # after updated_at, the session id, the owner's and the messages
    scalars = [f"${n}::{_pg_type(_USAGE, c)}" for n, c in enumerate(USAGE_COLUMNS, start=first)]
    names = ", ".join(_MESSAGE_NAMES)
    return (
        f"WITH touched AS (UPDATE {SESSIONS.name} SET updated_at = $1 "  # noqa: S608
        "WHERE id = $2 AND user_id = $3 RETURNING id), "
        f"added AS (INSERT INTO {MESSAGES.name} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{MESSAGES.name}, $4::json) "
        "WHERE EXISTS (SELECT FROM touched)), "
        f"used AS (INSERT INTO {_USAGE.name} ({', '.join(USAGE_COLUMNS)}) "
        f"SELECT {', '.join(scalars)} WHERE EXISTS (SELECT FROM touched)) "
        "SELECT count(*) FROM touched"
    )


_ADD_TURN = _add_turn_sql()


def session_turns(engine: AsyncEngine) -> SessionTurns:
    """The turns' read and write for the engine's database."""
    through_uow = UnitOfWorkSessionTurns(SqlAlchemyUnitOfWorkFactory(engine))
    if engine.dialect.name == "postgresql":
        return PostgresSessionTurns(engine, through_uow)
    return through_uow


class PostgresSessionTurns(SessionTurns):
    """One statement each on the driver's own connection; see the module's text."""

    def __init__(self, engine: AsyncEngine, settling: SessionTurns) -> None:
        self._engine = engine
        self._settling = settling
        compiled = HEAD.compile(dialect=engine.dialect)
        self._head = str(compiled)
        self._head_params = compiled.positiontup or ()

    async def head(self, user_id: UUID, session_id: UUID, *, limit: int) -> SessionHead | None:
        given = head_params(user_id, session_id, limit)
        async with raw_driver(self._engine) as driver:
            rows = await driver.fetch(self._head, *(given[p] for p in self._head_params))
        return head_from(rows, limit)

    async def add(
        self,
        user_id: UUID,
        session_id: UUID,
        messages: Sequence[AgentMessage],
        updated_at: datetime,
        usage: UsageRecord,
        settlement: Settlement | None = None,
    ) -> None:
        if settlement is not None:
            await self._settling.add(user_id, session_id, messages, updated_at, usage, settlement)
            return
        if any(m.session_id != session_id for m in messages):
            raise ValueError("a turn adds messages to its own session only")
        rows = json_rows(
            (message_values(m) for m in messages), _MESSAGE_NAMES, times=("created_at",)
        )
        owner = (updated_at, session_id, user_id)
        async with raw_driver(self._engine) as driver:
            touched = await driver.fetchval(_ADD_TURN, *owner, rows, *usage_row(usage))
        if touched == 0:
            raise SessionNotFound()
