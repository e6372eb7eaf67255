"""The caller's agent sessions."""

from __future__ import annotations

from uuid import UUID

from domain.agent_session import AgentSession
from domain.ports import UnitOfWorkFactory

MAX_SESSIONS = 100


class ListAgentSessions:
    """- only the caller's sessions, newest first, at most ``limit`` (1 to 100)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, user_id: UUID, *, limit: int = MAX_SESSIONS) -> list[AgentSession]:
        async with self._uow() as uow:
            return await uow.sessions.list_for_user(user_id, limit=max(1, min(limit, MAX_SESSIONS)))
