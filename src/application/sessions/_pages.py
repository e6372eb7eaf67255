"""A session's messages a page at a time, newest page first."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.agent_session import AgentMessage, MessageCursor
from domain.ports import AgentSessionStore

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class MessagePage:
    """``messages`` oldest first; ``next`` is the cursor of the page before them (older), None
    when there is none."""

    messages: list[AgentMessage]
    next: str | None


async def read_page(
    store: AgentSessionStore, user_id: UUID, session_id: UUID, limit: int, before: str | None
) -> MessagePage:
    """At most ``limit`` (1 to ``MAX_PAGE_SIZE``) messages before the cursor ``before`` (from
    the newest when None); a cursor this service did not hand out is ``InvalidCursor``."""
    limit = min(max(limit, 1), MAX_PAGE_SIZE)
    cursor = None if before is None else MessageCursor.decode(before)
    # One more than asked says whether an older page exists.
    newest_first = await store.message_page(user_id, session_id, limit=limit + 1, before=cursor)
    page = newest_first[:limit]
    more = len(newest_first) > limit
    return MessagePage(page[::-1], MessageCursor.before(page[-1]).encode() if more else None)
