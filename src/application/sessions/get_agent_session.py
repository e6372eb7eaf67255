"""One of the caller's agent sessions with the latest page of its conversation."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.sessions._pages import PAGE_SIZE, MessagePage, read_page
from domain.agent_session import AgentMessage, AgentSession
from domain.errors import SessionNotFound
from domain.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class SessionWithMessages:
    """The session and its latest messages, oldest first; ``next`` pages to older ones
    (``ListSessionMessages``), None when these are all."""

    session: AgentSession
    messages: list[AgentMessage]
    next: str | None = None


class GetAgentSession:
    """- another user's session id is ``SessionNotFound``, exactly like a missing one;
    - the latest ``limit`` messages (``PAGE_SIZE`` by default, at most ``MAX_PAGE_SIZE``),
      oldest first, cut-off replies included (marked ``incomplete``, or ``truncated``)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, user_id: UUID, session_id: UUID, *, limit: int = PAGE_SIZE
    ) -> SessionWithMessages:
        async with self._uow() as uow:
            session = await uow.sessions.get(user_id, session_id)
            if session is None:
                raise SessionNotFound()
            page: MessagePage = await read_page(uow.sessions, user_id, session.id, limit, None)
        return SessionWithMessages(session, page.messages, page.next)
