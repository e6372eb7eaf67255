"""Credential events in memory, paged like the SQL query does."""

from __future__ import annotations

from uuid import UUID

from adapters.persistence.errors import ConstraintViolation
from adapters.persistence.memory._table import Table, copies
from domain.credential_event import CredentialEvent, EventCursor
from domain.ports import CredentialEventLog
from domain.user import User


class MemoryCredentialEventLog(CredentialEventLog):
    def __init__(self, events: Table[CredentialEvent], users: Table[User]) -> None:
        self._events = events
        self._users = users

    async def add(self, event: CredentialEvent) -> None:
        if event.id in self._events:
            raise ConstraintViolation("pk_credential_events")
        if event.user_id not in self._users:
            raise ConstraintViolation("fk_credential_events_user_id_users")
        self._events.put(event.id, event)

    async def page(
        self, user_id: UUID, *, limit: int, before: EventCursor | None = None
    ) -> list[CredentialEvent]:
        rows = [e for e in self._events.rows() if e.user_id == user_id]
        if before is not None:
            rows = [e for e in rows if (e.at, e.id) < (before.at, before.event_id)]
        rows.sort(key=lambda e: (e.at, e.id), reverse=True)
        return copies(rows[: max(limit, 0)])

    async def erase_for_user(self, user_id: UUID) -> int:
        mine = [e.id for e in self._events.rows() if e.user_id == user_id]
        for event_id in mine:
            self._events.delete(event_id)
        return len(mine)
