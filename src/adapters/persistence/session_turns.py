"""A chat turn's read and write through any unit of work: the in-memory stores, SQLite (one
writer at a time: its rows go through the SQLAlchemy stores), a test's own unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.agent_session import AgentMessage, SessionHead
from domain.budget import Settlement
from domain.ports import SessionTurns, UnitOfWorkFactory
from domain.usage import UsageRecord


class UnitOfWorkSessionTurns(SessionTurns):
    """The read in a transaction of its own; the write in one: ``sessions.add_turn``,
    ``usage.add``, ``spend.settle``, one commit."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def head(self, user_id: UUID, session_id: UUID, *, limit: int) -> SessionHead | None:
        async with self._uow() as uow:
            return await uow.sessions.head(user_id, session_id, limit=limit)

    async def add(
        self,
        user_id: UUID,
        session_id: UUID,
        messages: Sequence[AgentMessage],
        updated_at: datetime,
        usage: UsageRecord,
        settlement: Settlement | None = None,
    ) -> None:
        async with self._uow() as uow:
            await uow.sessions.add_turn(user_id, session_id, messages, updated_at)
            await uow.usage.add(usage)
            if settlement is not None:
                await uow.spend.settle(settlement.hold, settlement.spent)
            await uow.commit()
