"""Agent sessions and their messages in SQL: read as Core rows (``_session_rows``), a chat
turn's read and write in one statement each and two."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, exists, func, insert, literal, or_, select

from adapters.persistence.errors import MissingRow
from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy._session_rows import (
    ADD_MESSAGES,
    HEAD,
    MESSAGE_COLUMNS,
    MESSAGES,
    SESSION_COLUMNS,
    SESSIONS,
    TOUCH,
    head_from,
    head_params,
    message_from,
    message_values,
    session_from,
)
from adapters.persistence.sqlalchemy.tables import AgentMessageRow, AgentSessionRow
from domain.agent_session import AgentMessage, AgentSession, MessageCursor, SessionHead
from domain.errors import SessionNotFound
from domain.ports import AgentSessionStore


class SqlAlchemyAgentSessionStore(AgentSessionStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, session: AgentSession) -> None:
        row = AgentSessionRow(id=session.id, user_id=session.user_id)
        _apply(row, session)
        await self._db.add(row)

    async def get(self, user_id: UUID, session_id: UUID) -> AgentSession | None:
        row = (
            await self._db.execute(
                select(*SESSION_COLUMNS).where(
                    SESSIONS.c.id == session_id, SESSIONS.c.user_id == user_id
                )
            )
        ).first()
        return None if row is None else session_from(row)

    async def list_for_user(self, user_id: UUID, *, limit: int = 100) -> list[AgentSession]:
        rows = await self._db.execute(
            select(*SESSION_COLUMNS)
            .where(SESSIONS.c.user_id == user_id)
            .order_by(SESSIONS.c.created_at.desc(), SESSIONS.c.id.desc())
            .limit(max(limit, 0))
        )
        return [session_from(row) for row in rows]

    async def save(self, session: AgentSession) -> None:
        row = await self._db.get(AgentSessionRow, session.id)
        if row is None or row.user_id != session.user_id:
            raise MissingRow("agent_sessions")
        _apply(row, session)
        await self._db.add(row)

    async def add_message(self, user_id: UUID, message: AgentMessage) -> None:
        # One INSERT ... SELECT ... WHERE EXISTS: the owner check and the write are one
        # statement. (On SQLite a transaction that reads first cannot write at all once another
        # has committed since, and chat replies are stored concurrently.)
        values = message_values(message)
        columns = MESSAGES.c
        owned = exists().where(SESSIONS.c.id == message.session_id, SESSIONS.c.user_id == user_id)
        added = await self._db.rowcount(
            insert(MESSAGES).from_select(
                list(values),
                select(*(literal(v, columns[k].type) for k, v in values.items())).where(owned),
            )
        )
        if added == 0:
            raise SessionNotFound()

    async def head(self, user_id: UUID, session_id: UUID, *, limit: int) -> SessionHead | None:
        rows = (await self._db.execute(HEAD, head_params(user_id, session_id, limit))).all()
        return head_from(rows, limit)

    async def add_turn(
        self,
        user_id: UUID,
        session_id: UUID,
        messages: Sequence[AgentMessage],
        updated_at: datetime,
    ) -> None:
        if any(m.session_id != session_id for m in messages):
            raise ValueError("a turn adds messages to its own session only")
        owner = {"b_id": session_id, "b_user_id": user_id, "b_updated_at": updated_at}
        if await self._db.rowcount(TOUCH, owner) == 0:
            raise SessionNotFound()
        if messages:
            await self._db.execute(ADD_MESSAGES, [message_values(m) for m in messages])

    async def messages(self, user_id: UUID, session_id: UUID) -> list[AgentMessage]:
        rows = await self._db.execute(
            _owned_messages(user_id, session_id).order_by(MESSAGES.c.created_at, MESSAGES.c.id)
        )
        return [message_from(row) for row in rows]

    async def message_page(
        self, user_id: UUID, session_id: UUID, *, limit: int, before: MessageCursor | None = None
    ) -> list[AgentMessage]:
        query = _owned_messages(user_id, session_id)
        if before is not None:
            query = query.where(
                or_(
                    MESSAGES.c.created_at < before.created_at,
                    and_(
                        MESSAGES.c.created_at == before.created_at,
                        MESSAGES.c.id < before.message_id,
                    ),
                )
            )
        rows = await self._db.execute(
            query.order_by(MESSAGES.c.created_at.desc(), MESSAGES.c.id.desc()).limit(max(limit, 0))
        )
        return [message_from(row) for row in rows]

    async def message_count(self, user_id: UUID, session_id: UUID) -> int:
        count = await self._db.scalar(
            select(func.count())
            .select_from(AgentMessageRow)
            .join(AgentSessionRow, AgentSessionRow.id == AgentMessageRow.session_id)
            .where(AgentMessageRow.session_id == session_id, AgentSessionRow.user_id == user_id)
        )
        return int(count or 0)


def _owned_messages(user_id: UUID, session_id: UUID) -> Any:
    return (
        select(*MESSAGE_COLUMNS)
        .join(SESSIONS, SESSIONS.c.id == MESSAGES.c.session_id)
        .where(MESSAGES.c.session_id == session_id, SESSIONS.c.user_id == user_id)
    )


def _apply(row: AgentSessionRow, session: AgentSession) -> None:
    row.title = session.title
    row.llm_provider = session.llm_provider
    row.llm_model = session.llm_model
    row.llm_credential_id = session.llm_credential_id
    row.system_prompt = session.system_prompt
    row.system_prompts = dict(session.system_prompts) or None
    row.created_at = session.created_at
    row.updated_at = session.updated_at
