"""The part of a session's history a turn sends: read from its newest end a page at a time,
only as far as the budget can use, then trimmed to the model's context window."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from application.sessions._turn import conversation
from domain.agent_session import AgentMessage, MessageCursor, SessionHead
from domain.conversation import check_conversation
from domain.errors import HistoryTooLarge, SessionFull
from domain.history import (
    estimated_tokens,
    from_first_turn,
    prompt_tokens,
    text_bytes,
    trim_history,
)
from domain.llm import ChatMessage
from domain.ports import UnitOfWorkFactory
from domain.tools import Tool

PAGE = 64  # messages read at a time from the newest end
# The reply's room when neither the caller nor the catalog says how long a reply may be.
REPLY_ROOM_TOKENS = 8192


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """``max_messages`` a session may hold; ``history_bytes`` of text sent upstream per turn at
    most, whatever the model's context window (and for models the catalog does not know)."""

    max_messages: int
    history_bytes: int


@dataclass(frozen=True, slots=True)
class Budget:
    tokens: int | None
    """Estimated tokens the history may take; None when the context window is unknown."""
    bytes: int


def budget(
    limits: SessionLimits,
    context_window: int | None,
    reply_tokens: int | None,
    system: str | None,
    tools: Sequence[Tool],
) -> Budget:
    """The context window less the reply's room, the system prompt and the tools' schemas."""
    if context_window is None:
        return Budget(None, limits.history_bytes)
    tokens = context_window - (reply_tokens or REPLY_ROOM_TOKENS) - prompt_tokens(system, tools)
    if tokens <= 0:
        raise HistoryTooLarge(
            "the system prompt, the tools and the reply's max_tokens leave no room for the "
            "message in the model's context window"
        )
    return Budget(tokens, limits.history_bytes)


@dataclass(frozen=True, slots=True)
class History:
    """The newest messages of a session, oldest first (``whole`` when that is all of them),
    how many it holds, and the budget they are trimmed to."""

    messages: list[AgentMessage]
    whole: bool
    held: int
    budget: Budget

    def check_room(self, added: Sequence[AgentMessage], limits: SessionLimits) -> None:
        """The turn's messages and its reply fit ``limits.max_messages``."""
        if self.held + len(added) + 1 > limits.max_messages:
            raise SessionFull(
                f"the session holds {self.held} messages, at most {limits.max_messages}: "
                "start a new session"
            )

    def sent(self, added: Sequence[AgentMessage]) -> tuple[ChatMessage, ...]:
        return sent_history(self.messages, self.whole, added, self.budget)


# The page of messages just older than a cursor, newest first (``message_page``).
OlderPage = Callable[[MessageCursor], Awaitable[list[AgentMessage]]]


class SessionReads:
    """What a turn reads of its session beyond its head, each in a transaction of its own:
    messages older than a cursor never change, and on PostgreSQL (READ COMMITTED) one
    transaction would not make two reads agree either."""

    def __init__(self, uow: UnitOfWorkFactory, user_id: UUID, session_id: UUID) -> None:
        self._uow = uow
        self._user_id = user_id
        self._session_id = session_id

    async def older(self, before: MessageCursor) -> list[AgentMessage]:
        async with self._uow() as uow:
            return await uow.sessions.message_page(
                self._user_id, self._session_id, limit=PAGE, before=before
            )

    async def everything(self) -> list[AgentMessage]:
        async with self._uow() as uow:
            return await uow.sessions.messages(self._user_id, self._session_id)


async def read_history(older: OlderPage, head: SessionHead, limit: Budget) -> History:
    """From the session's ``head`` (read with ``limit=PAGE``): older pages (``older``) only when
    the budget can use more than its newest page."""
    messages, whole = await recent_history(older, limit, head.newest)
    return History(messages, whole, head.held, limit)


async def recent_history(
    older: OlderPage, limit: Budget, newest: list[AgentMessage]
) -> tuple[list[AgentMessage], bool]:
    """The newest messages, oldest first, read until they pass what ``limit`` lets through (or
    the session's start), and whether they are the whole history; ``newest`` is the first
    page, newest first."""
    loaded: list[AgentMessage] = []
    tokens = size = 0
    page = newest
    while True:
        loaded.extend(page)
        if len(page) < PAGE:
            return loaded[::-1], True
        for message in conversation(page):
            tokens += estimated_tokens(message)
            size += text_bytes(message)
        if size > limit.bytes or (limit.tokens is not None and tokens > limit.tokens):
            return loaded[::-1], False
        page = await older(MessageCursor.before(page[-1]))


def sent_history(
    history: Sequence[AgentMessage], whole: bool, added: Sequence[AgentMessage], limit: Budget
) -> tuple[ChatMessage, ...]:
    """The conversation the provider gets: its pairing checked (``check_conversation``), then
    trimmed to ``limit`` by whole turns, oldest first (``trim_history``)."""
    messages = conversation([*history, *added])
    if not whole:
        # Read from its newest end, the history may start inside a turn.
        messages = from_first_turn(messages)
    # Tool results answer the last reply's calls, all of them; a user message comes after
    # every call was answered. Checked before the LLM is resolved: nothing reaches a provider.
    check_conversation(messages)
    return trim_history(messages, max_tokens=limit.tokens, max_bytes=limit.bytes)
