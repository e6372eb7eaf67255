"""Agent sessions and their messages in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.persistence.errors import ConstraintViolation, MissingRow
from adapters.persistence.memory._table import Table, copies
from domain.agent_session import AgentMessage, AgentSession, MessageCursor, SessionHead
from domain.credential import LlmCredential
from domain.errors import SessionNotFound
from domain.ports import AgentSessionStore
from domain.user import User


class MemoryAgentSessionStore(AgentSessionStore):
    def __init__(
        self,
        sessions: Table[AgentSession],
        messages: Table[AgentMessage],
        users: Table[User],
        credentials: Table[LlmCredential],
    ) -> None:
        self._sessions = sessions
        self._messages = messages
        self._users = users
        self._credentials = credentials

    async def add(self, session: AgentSession) -> None:
        if session.id in self._sessions:
            raise ConstraintViolation("pk_agent_sessions")
        if session.user_id not in self._users:
            raise ConstraintViolation("fk_agent_sessions_user_id_users")
        self._check_credential(session)
        self._sessions.put(session.id, session)

    async def get(self, user_id: UUID, session_id: UUID) -> AgentSession | None:
        found = self._sessions.get(session_id)
        return found if found is not None and found.user_id == user_id else None

    async def list_for_user(self, user_id: UUID, *, limit: int = 100) -> list[AgentSession]:
        rows = [s for s in self._sessions.rows() if s.user_id == user_id]
        rows.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return copies(rows[: max(limit, 0)])

    async def save(self, session: AgentSession) -> None:
        current = self._sessions.get(session.id)
        if current is None or current.user_id != session.user_id:
            raise MissingRow("agent_sessions")
        self._check_credential(session)
        self._sessions.put(session.id, session)

    async def add_message(self, user_id: UUID, message: AgentMessage) -> None:
        if await self.get(user_id, message.session_id) is None:
            raise SessionNotFound()
        if message.id in self._messages:
            raise ConstraintViolation("pk_agent_messages")
        self._messages.put(message.id, message)

    async def head(self, user_id: UUID, session_id: UUID, *, limit: int) -> SessionHead | None:
        session = await self.get(user_id, session_id)
        if session is None:
            return None
        rows = await self.messages(user_id, session_id)
        return SessionHead(session, rows[::-1][: max(limit, 0)], len(rows))

    async def add_turn(
        self,
        user_id: UUID,
        session_id: UUID,
        messages: Sequence[AgentMessage],
        updated_at: datetime,
    ) -> None:
        session = await self.get(user_id, session_id)
        if session is None or any(m.session_id != session_id for m in messages):
            raise SessionNotFound()
        if len({m.id for m in messages}) < len(messages) or any(
            m.id in self._messages for m in messages
        ):
            raise ConstraintViolation("pk_agent_messages")
        for message in messages:
            self._messages.put(message.id, message)
        self._sessions.put(session_id, replace(session, updated_at=updated_at))

    async def messages(self, user_id: UUID, session_id: UUID) -> list[AgentMessage]:
        if await self.get(user_id, session_id) is None:
            return []
        rows = [m for m in self._messages.rows() if m.session_id == session_id]
        rows.sort(key=lambda m: (m.created_at, m.id))
        return copies(rows)

    async def message_page(
        self, user_id: UUID, session_id: UUID, *, limit: int, before: MessageCursor | None = None
    ) -> list[AgentMessage]:
        rows = await self.messages(user_id, session_id)
        if before is not None:
            rows = [
                m for m in rows if (m.created_at, m.id) < (before.created_at, before.message_id)
            ]
        return rows[::-1][: max(limit, 0)]

    async def message_count(self, user_id: UUID, session_id: UUID) -> int:
        if await self.get(user_id, session_id) is None:
            return 0
        return sum(m.session_id == session_id for m in self._messages.rows())

    def _check_credential(self, session: AgentSession) -> None:
        credential_id = session.llm_credential_id
        if credential_id is not None and credential_id not in self._credentials:
            raise ConstraintViolation("fk_agent_sessions_llm_credential_id_user_llm_credentials")
