"""What sending a message prepares and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.llm.resolve_llm import ResolvedLlm
from domain.agent_session import AgentMessage, AgentSession
from domain.gateway_token import GatewayToken
from domain.llm import CompletionRequest
from domain.provider import Provider


@dataclass(frozen=True, slots=True)
class ChatReply:
    """The stored assistant message and the LLM that wrote it."""

    message: AgentMessage
    provider: Provider
    model: str
    credential_id: UUID | None


@dataclass(frozen=True, slots=True)
class SessionCall:
    user_id: UUID
    session: AgentSession
    llm: ResolvedLlm
    request: CompletionRequest
    user_messages: tuple[AgentMessage, ...]
    call_ids: frozenset[str]
    """Call ids the session already holds: the reply's calls get fresh ones if they repeat."""
    token: GatewayToken | None = None  # sessions are not called through the gateway
