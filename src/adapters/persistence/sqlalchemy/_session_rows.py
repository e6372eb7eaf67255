"""Sessions and messages as SQLAlchemy Core sees them: the columns read, in one order, and the
statements a chat turn runs, built once (their cache keys are memoized, so each execution skips
building and compiling them). A row read as a tuple costs a fraction of an ORM object."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Table, bindparam, func, insert, select, true, update

from adapters.persistence.sqlalchemy._message_parts import (
    calls_from_json,
    calls_to_json,
    parts_from_json,
    parts_to_json,
)
from adapters.persistence.sqlalchemy.tables import AgentMessageRow, AgentSessionRow
from domain.agent_session import AgentMessage, AgentSession, SessionHead
from domain.llm import Role, Usage

SESSIONS: Table = AgentSessionRow.__table__  # type: ignore[assignment]
MESSAGES: Table = AgentMessageRow.__table__  # type: ignore[assignment]

SESSION_COLUMNS = [
    SESSIONS.c[name]
    for name in (
        "id",
        "user_id",
        "title",
        "llm_provider",
        "llm_model",
        "llm_credential_id",
        "system_prompt",
        "system_prompts",
        "created_at",
        "updated_at",
    )
]
MESSAGE_COLUMNS = [
    MESSAGES.c[name]
    for name in (
        "id",
        "session_id",
        "role",
        "content",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "incomplete",
        "truncated",
        "model",
        "parts",
        "tool_calls",
        "tool_call_id",
        "tool_name",
        "created_at",
    )
]
_MESSAGE_WIDTH = len(MESSAGE_COLUMNS)
_ROLES = {role.value: role for role in Role}
_SPLIT = len(SESSION_COLUMNS) + 1  # then the count, then the message columns

# The session, the count of its messages and its newest ones: one statement whose parts each
# use the (session_id, created_at) index as the reads they replace did (a window count over the
# join would sort every message of a long session); an outer join, so a session without
# messages is one row whose message columns are null.
_PAGE = (
    select(*MESSAGE_COLUMNS)
    .where(MESSAGES.c.session_id == bindparam("session_id"))
    .order_by(MESSAGES.c.created_at.desc(), MESSAGES.c.id.desc())
    .limit(bindparam("limit", type_=Integer))
    .subquery("page")
)
_COUNT = (
    select(func.count())
    .select_from(MESSAGES)
    .where(MESSAGES.c.session_id == bindparam("session_id"))
    .scalar_subquery()
)
HEAD = (
    select(*SESSION_COLUMNS, _COUNT, *_PAGE.c)
    .select_from(SESSIONS.outerjoin(_PAGE, true()))
    .where(SESSIONS.c.id == bindparam("session_id"), SESSIONS.c.user_id == bindparam("user_id"))
    .order_by(_PAGE.c.created_at.desc(), _PAGE.c.id.desc())
)
# Checks the owner and writes first (on SQLite a transaction that read first could not write
# once another had committed since); on PostgreSQL it holds the session's row until the turn
# commits, so two turns of one session are stored one after the other.
TOUCH = (
    update(SESSIONS)
    .where(SESSIONS.c.id == bindparam("b_id"), SESSIONS.c.user_id == bindparam("b_user_id"))
    .values(updated_at=bindparam("b_updated_at"))
)
ADD_MESSAGES = insert(MESSAGES)


def session_from(row: Sequence[Any]) -> AgentSession:
    """From the ``SESSION_COLUMNS`` at the start of ``row``."""
    return AgentSession(
        id=row[0],
        user_id=row[1],
        title=row[2],
        llm_provider=row[3],
        llm_model=row[4],
        llm_credential_id=row[5],
        system_prompt=row[6],
        system_prompts=dict(row[7] or {}),
        created_at=row[8],
        updated_at=row[9],
    )


def message_from(row: Sequence[Any], at: int = 0) -> AgentMessage:
    """From the ``MESSAGE_COLUMNS`` starting at ``row[at]``. A turn maps up to a page of these
    (and more for a long history): no work for what a plain text message does not hold."""
    (
        id_,
        session_id,
        role,
        content,
        inputs,
        outputs,
        cost,
        incomplete,
        truncated,
        model,
        parts,
        calls,
        call_id,
        tool_name,
        created_at,
    ) = row[at : at + _MESSAGE_WIDTH]
    return AgentMessage(
        id=id_,
        session_id=session_id,
        role=_ROLES[role],
        content=content,
        created_at=created_at,
        usage=None if inputs is None or outputs is None else Usage(inputs, outputs),
        cost_usd=cost,
        incomplete=incomplete,
        model=model,
        truncated=truncated,
        parts=parts_from_json(parts) if parts else (),
        tool_calls=calls_from_json(calls) if calls else (),
        tool_call_id=call_id,
        tool_name=tool_name,
    )


def head_params(user_id: UUID, session_id: UUID, limit: int) -> dict[str, Any]:
    """``HEAD``'s parameters: a page of at least one row, so the session's row comes back."""
    return {"session_id": session_id, "user_id": user_id, "limit": max(limit, 1)}


def head_from(rows: Sequence[Sequence[Any]], limit: int) -> SessionHead | None:
    """The rows of ``HEAD`` read with ``head_params``: the session, its newest ``limit``
    messages newest first, the count; None when no row came (not the user's session)."""
    if not rows:
        return None
    first = rows[0]
    messages = [message_from(row, _SPLIT) for row in rows if row[_SPLIT] is not None]
    return SessionHead(session_from(first), messages[: max(limit, 0)], int(first[_SPLIT - 1]))


def message_values(message: AgentMessage) -> dict[str, Any]:
    usage = message.usage
    return {
        "id": message.id,
        "session_id": message.session_id,
        "role": message.role.value,
        "content": message.content,
        "input_tokens": None if usage is None else usage.input_tokens,
        "output_tokens": None if usage is None else usage.output_tokens,
        "cost_usd": message.cost_usd,
        "incomplete": message.incomplete,
        "truncated": message.truncated,
        "model": message.model,
        "parts": parts_to_json(message.parts),
        "tool_calls": calls_to_json(message.tool_calls),
        "tool_call_id": message.tool_call_id,
        "tool_name": message.tool_name,
        "created_at": message.created_at,
    }
