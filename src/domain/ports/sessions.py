"""Agent sessions and their messages."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from domain.agent_session import AgentMessage, AgentSession


class AgentSessionStore(Protocol):
    async def add(self, session: AgentSession) -> None: ...

    async def get(self, user_id: UUID, session_id: UUID) -> AgentSession | None: ...

    async def list_for_user(self, user_id: UUID, *, limit: int = 100) -> list[AgentSession]:
        """Newest first."""
        ...

    async def save(self, session: AgentSession) -> None: ...

    async def add_message(self, user_id: UUID, message: AgentMessage) -> None:
        """Raises ``SessionNotFound`` unless the message's session is this user's."""
        ...

    async def messages(self, user_id: UUID, session_id: UUID) -> list[AgentMessage]:
        """Oldest first; none for a session that is not this user's."""
        ...
