"""Agent sessions and their messages in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import and_, exists, func, insert, literal, or_, select

from adapters.persistence.errors import MissingRow
from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy._message_parts import (
    calls_from_json,
    calls_to_json,
    parts_from_json,
    parts_to_json,
)
from adapters.persistence.sqlalchemy.tables import AgentMessageRow, AgentSessionRow
from domain.agent_session import AgentMessage, AgentSession, MessageCursor
from domain.errors import SessionNotFound
from domain.llm import Role, Usage
from domain.ports import AgentSessionStore


class SqlAlchemyAgentSessionStore(AgentSessionStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, session: AgentSession) -> None:
        row = AgentSessionRow(id=session.id, user_id=session.user_id)
        _apply(row, session)
        await self._db.add(row)

    async def get(self, user_id: UUID, session_id: UUID) -> AgentSession | None:
        row = await self._db.scalar(
            select(AgentSessionRow).where(
                AgentSessionRow.id == session_id, AgentSessionRow.user_id == user_id
            )
        )
        return None if row is None else _entity(row)

    async def list_for_user(self, user_id: UUID, *, limit: int = 100) -> list[AgentSession]:
        rows: Sequence[AgentSessionRow] = await self._db.scalars(
            select(AgentSessionRow)
            .where(AgentSessionRow.user_id == user_id)
            .order_by(AgentSessionRow.created_at.desc(), AgentSessionRow.id.desc())
            .limit(max(limit, 0))
        )
        return [_entity(row) for row in rows]

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
        usage = message.usage
        values = {
            "id": message.id,
            "session_id": message.session_id,
            "role": message.role.value,
            "content": message.content,
            "input_tokens": None if usage is None else usage.input_tokens,
            "output_tokens": None if usage is None else usage.output_tokens,
            "cost_usd": message.cost_usd,
            "incomplete": message.incomplete,
            "truncated": message.truncated,
            "model": message.model,
            "parts": parts_to_json(message.parts),
            "tool_calls": calls_to_json(message.tool_calls),
            "tool_call_id": message.tool_call_id,
            "tool_name": message.tool_name,
            "created_at": message.created_at,
        }
        columns = AgentMessageRow.__table__.c
        owned = exists().where(
            AgentSessionRow.id == message.session_id, AgentSessionRow.user_id == user_id
        )
        added = await self._db.rowcount(
            insert(AgentMessageRow).from_select(
                list(values),
                select(*(literal(v, columns[k].type) for k, v in values.items())).where(owned),
            )
        )
        if added == 0:
            raise SessionNotFound()

    async def messages(self, user_id: UUID, session_id: UUID) -> list[AgentMessage]:
        rows: Sequence[AgentMessageRow] = await self._db.scalars(
            select(AgentMessageRow)
            .join(AgentSessionRow, AgentSessionRow.id == AgentMessageRow.session_id)
            .where(AgentMessageRow.session_id == session_id, AgentSessionRow.user_id == user_id)
            .order_by(AgentMessageRow.created_at, AgentMessageRow.id)
        )
        return [_message(row) for row in rows]

    async def message_page(
        self, user_id: UUID, session_id: UUID, *, limit: int, before: MessageCursor | None = None
    ) -> list[AgentMessage]:
        query = (
            select(AgentMessageRow)
            .join(AgentSessionRow, AgentSessionRow.id == AgentMessageRow.session_id)
            .where(AgentMessageRow.session_id == session_id, AgentSessionRow.user_id == user_id)
        )
        if before is not None:
            query = query.where(
                or_(
                    AgentMessageRow.created_at < before.created_at,
                    and_(
                        AgentMessageRow.created_at == before.created_at,
                        AgentMessageRow.id < before.message_id,
                    ),
                )
            )
        rows: Sequence[AgentMessageRow] = await self._db.scalars(
            query.order_by(AgentMessageRow.created_at.desc(), AgentMessageRow.id.desc()).limit(
                max(limit, 0)
            )
        )
        return [_message(row) for row in rows]

    async def message_count(self, user_id: UUID, session_id: UUID) -> int:
        count = await self._db.scalar(
            select(func.count())
            .select_from(AgentMessageRow)
            .join(AgentSessionRow, AgentSessionRow.id == AgentMessageRow.session_id)
            .where(AgentMessageRow.session_id == session_id, AgentSessionRow.user_id == user_id)
        )
        return int(count or 0)


def _apply(row: AgentSessionRow, session: AgentSession) -> None:
    row.title = session.title
    row.llm_provider = session.llm_provider
    row.llm_model = session.llm_model
    row.llm_credential_id = session.llm_credential_id
    row.system_prompt = session.system_prompt
    row.system_prompts = dict(session.system_prompts) or None
    row.created_at = session.created_at
    row.updated_at = session.updated_at


def _entity(row: AgentSessionRow) -> AgentSession:
    return AgentSession(
        id=row.id,
        user_id=row.user_id,
        title=row.title,
        llm_provider=row.llm_provider,
        llm_model=row.llm_model,
        llm_credential_id=row.llm_credential_id,
        system_prompt=row.system_prompt,
        system_prompts=dict(row.system_prompts or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _message(row: AgentMessageRow) -> AgentMessage:
    usage = None
    if row.input_tokens is not None and row.output_tokens is not None:
        usage = Usage(input_tokens=row.input_tokens, output_tokens=row.output_tokens)
    return AgentMessage(
        id=row.id,
        session_id=row.session_id,
        role=Role(row.role),
        content=row.content,
        created_at=row.created_at,
        usage=usage,
        cost_usd=row.cost_usd,
        incomplete=row.incomplete,
        model=row.model,
        truncated=row.truncated,
        parts=parts_from_json(row.parts),
        tool_calls=calls_from_json(row.tool_calls),
        tool_call_id=row.tool_call_id,
        tool_name=row.tool_name,
    )
