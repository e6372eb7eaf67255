"""One of the caller's agent sessions with its conversation."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.agent_session import AgentMessage, AgentSession
from domain.errors import SessionNotFound
from domain.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class SessionWithMessages:
    session: AgentSession
    messages: list[AgentMessage]


class GetAgentSession:
    """- another user's session id is ``SessionNotFound``, exactly like a missing one;
    - messages oldest first, cut-off replies included (marked ``incomplete``)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, user_id: UUID, session_id: UUID) -> SessionWithMessages:
        async with self._uow() as uow:
            session = await uow.sessions.get(user_id, session_id)
            if session is None:
                raise SessionNotFound()
            messages = await uow.sessions.messages(user_id, session.id)
        return SessionWithMessages(session, messages)
