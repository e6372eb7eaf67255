"""The audit trail of the caller's credentials, a page at a time, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.credential_event import CredentialEvent, EventCursor
from domain.ports import UnitOfWorkFactory

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class EventPage:
    """``events`` newest first; ``next`` is the cursor of the older page, None at the end."""

    events: list[CredentialEvent]
    next: str | None


class ListCredentialEvents:
    """- only the caller's events, those of deleted credentials included;
    - ``limit`` events (``PAGE_SIZE`` by default, 1 to ``MAX_PAGE_SIZE``) older than the cursor
      ``before`` (from the newest when None);
    - a cursor this service did not hand out is ``InvalidCursor``."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, user_id: UUID, *, before: str | None = None, limit: int = PAGE_SIZE
    ) -> EventPage:
        limit = min(max(limit, 1), MAX_PAGE_SIZE)
        cursor = None if before is None else EventCursor.decode(before)
        async with self._uow() as uow:
            # One more than asked says whether an older page exists.
            found = await uow.credential_events.page(user_id, limit=limit + 1, before=cursor)
        page = found[:limit]
        more = len(found) > limit
        return EventPage(page, EventCursor.before(page[-1]).encode() if more else None)
