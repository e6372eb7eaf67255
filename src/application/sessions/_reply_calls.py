"""A reply's tool calls made safe to store and to replay, whatever the provider sent."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from uuid import uuid4

from domain.agent_session import AgentMessage
from domain.llm import Reply
from domain.tools import MAX_CALL_ID_LENGTH, MAX_TOOL_NAME_LENGTH, ToolCall


def session_call_ids(history: Iterable[AgentMessage]) -> frozenset[str]:
    """Every call id the session already holds (calls made, and calls answered)."""
    ids: set[str] = set()
    for m in history:
        ids.update(c.id for c in m.tool_calls)
        if m.tool_call_id is not None:
            ids.add(m.tool_call_id)
    return frozenset(ids)


def normalise_calls(
    calls: Sequence[ToolCall], taken: frozenset[str], fresh: Callable[[], str]
) -> tuple[ToolCall, ...]:
    """- an id that is missing, already in the session (``taken``) or in this reply, or longer
      than ``MAX_CALL_ID_LENGTH`` gets a ``fresh()`` one (``call_<uuid4 hex>``): every call
      stays answerable, and ids stay unique across the conversation as providers want;
    - a name longer than ``MAX_TOOL_NAME_LENGTH`` is clipped to it: it cannot name any tool
      the caller declared (those are at most that long), so the caller answers it as an
      unknown tool; the reply, its usage and cost are kept (the provider was paid);
    - NUL (which PostgreSQL text cannot hold) becomes U+FFFD;
    - anything else the call carries (a provider's signature) is kept as is."""
    seen = set(taken)
    normalised: list[ToolCall] = []
    for call in calls:
        call_id = _no_nul(call.id)
        if not call_id or call_id in seen or len(call_id) > MAX_CALL_ID_LENGTH:
            call_id = fresh()
        seen.add(call_id)
        # An empty name could never be answered either: it gets one no tool has.
        name = _no_nul(call.name)[:MAX_TOOL_NAME_LENGTH] or "unnamed_tool"
        normalised.append(replace(call, id=call_id, name=name, arguments=_no_nul(call.arguments)))
    return tuple(normalised)


def _no_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def capped_reply(
    answer: Reply, message: AgentMessage, taken: frozenset[str], cap: int
) -> AgentMessage:
    """``message`` holding ``answer``:
    - text and call arguments of more than ``cap`` characters together are cut to ``cap``
      characters of text, without calls (a call cut short cannot be answered), and marked
      ``truncated``; so is a reply its stream cut at the cap;
    - a reply cut short (``message.incomplete``) keeps no calls either: nothing would answer
      them, and the conversation could not go on;
    - calls kept are made answerable by ``normalise_calls``; NUL becomes U+FFFD."""
    text, calls = answer.text, answer.tool_calls
    truncated = answer.truncated or len(text) + sum(len(c.arguments) for c in calls) > cap
    if truncated or message.incomplete:
        calls = ()
    return replace(
        message,
        content=_no_nul(text[:cap]),
        truncated=truncated,
        tool_calls=normalise_calls(calls, taken, lambda: f"call_{uuid4().hex}"),
    )
