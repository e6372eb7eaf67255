"""Agent sessions and their messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.agent_session import AgentMessage, AgentSession, MessageCursor, SessionHead
from domain.budget import Settlement
from domain.usage import UsageRecord


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

    async def head(self, user_id: UUID, session_id: UUID, *, limit: int) -> SessionHead | None:
        """The session, its newest ``limit`` messages (as ``message_page``) and their count, in
        one read (one statement on SQL: a chat turn's whole read); None for a session that is
        not this user's."""
        ...

    async def add_turn(
        self,
        user_id: UUID,
        session_id: UUID,
        messages: Sequence[AgentMessage],
        updated_at: datetime,
    ) -> None:
        """Adds ``messages`` (the session's) and sets its ``updated_at``, together (a chat turn's
        whole write); ``SessionNotFound``, nothing written, unless the session is this user's."""
        ...

    async def messages(self, user_id: UUID, session_id: UUID) -> list[AgentMessage]:
        """Oldest first; none for a session that is not this user's."""
        ...

    async def message_page(
        self, user_id: UUID, session_id: UUID, *, limit: int, before: MessageCursor | None = None
    ) -> list[AgentMessage]:
        """At most ``limit`` messages, newest first, older than ``before`` when given (by time,
        then id); none for a session that is not this user's."""
        ...

    async def message_count(self, user_id: UUID, session_id: UUID) -> int:
        """How many messages the session holds; 0 for a session that is not this user's."""
        ...


class SessionTurns(Protocol):
    """A chat turn's own read and write, each an atomic step of its own, outside any unit of
    work (where the store can, one statement each, with no transaction around it)."""

    async def head(self, user_id: UUID, session_id: UUID, *, limit: int) -> SessionHead | None:
        """As ``AgentSessionStore.head``."""
        ...

    async def add(
        self,
        user_id: UUID,
        session_id: UUID,
        messages: Sequence[AgentMessage],
        updated_at: datetime,
        usage: UsageRecord,
        settlement: Settlement | None = None,
    ) -> None:
        """Commits ``messages`` (the session's), the session's ``updated_at``, the ``usage`` row
        and the ``settlement`` of the call's hold, all together; ``SessionNotFound``, nothing
        written, unless the session is this user's."""
        ...
