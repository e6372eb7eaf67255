"""The messages of one of the caller's sessions, a page at a time."""

from __future__ import annotations

from uuid import UUID

from application.sessions._pages import MAX_PAGE_SIZE, PAGE_SIZE, MessagePage, read_page
from domain.errors import SessionNotFound
from domain.ports import UnitOfWorkFactory

__all__ = ["MAX_PAGE_SIZE", "PAGE_SIZE", "ListSessionMessages", "MessagePage"]


class ListSessionMessages:
    """- another user's session id is ``SessionNotFound``, exactly like a missing one;
    - the newest page first: ``limit`` messages (``PAGE_SIZE`` by default, at most
      ``MAX_PAGE_SIZE``) older than the cursor ``before`` (from the newest when None), oldest
      first within the page; the page's ``next`` is the cursor of the page before it;
    - a cursor this service did not hand out is ``InvalidCursor``."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, user_id: UUID, session_id: UUID, *, before: str | None = None, limit: int = PAGE_SIZE
    ) -> MessagePage:
        async with self._uow() as uow:
            if await uow.sessions.get(user_id, session_id) is None:
                raise SessionNotFound()
            return await read_page(uow.sessions, user_id, session_id, limit, before)
