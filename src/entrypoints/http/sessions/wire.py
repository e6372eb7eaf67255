"""Agent sessions' request and response bodies, and their SSE events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from application.sessions.send_message import MAX_MESSAGE_LENGTH, ChatReply
from application.sessions.start_agent_session import MAX_SYSTEM_PROMPT_LENGTH, MAX_TITLE_LENGTH
from domain.agent_session import AgentMessage, AgentSession
from domain.llm import Usage
from entrypoints.http.money import usd_or_none

Title = Annotated[str, msgspec.Meta(max_length=MAX_TITLE_LENGTH)]
SystemPrompt = Annotated[str, msgspec.Meta(max_length=MAX_SYSTEM_PROMPT_LENGTH)]
ProviderName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ModelName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Content = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE_LENGTH)]
MaxTokens = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Temperature = Annotated[float, msgspec.Meta(ge=0.0, le=2.0)]


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    provider: ProviderName | None = None
    model: ModelName | None = None
    credential_id: UUID | None = None
    system_prompt: SystemPrompt | None = None


class MessageCreate(msgspec.Struct, forbid_unknown_fields=True):
    content: Content
    max_tokens: MaxTokens | None = None
    temperature: Temperature | None = None


class UsageOut(msgspec.Struct):
    input_tokens: int
    output_tokens: int

    @classmethod
    def of(cls, usage: Usage | None) -> UsageOut | None:
        return None if usage is None else cls(usage.input_tokens, usage.output_tokens)


class MessageOut(msgspec.Struct):
    id: UUID
    role: str
    content: str
    created_at: datetime
    model: str | None
    usage: UsageOut | None
    cost_usd: str | None
    incomplete: bool

    @classmethod
    def of(cls, m: AgentMessage) -> MessageOut:
        return cls(
            m.id,
            m.role.value,
            m.content,
            m.created_at,
            m.model,
            UsageOut.of(m.usage),
            usd_or_none(m.cost_usd),
            m.incomplete,
        )


class SessionOut(msgspec.Struct):
    id: UUID
    title: str | None
    llm_provider: str
    llm_model: str
    llm_credential_id: UUID | None
    system_prompt: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: AgentSession) -> SessionOut:
        return cls(
            s.id,
            s.title,
            s.llm_provider,
            s.llm_model,
            s.llm_credential_id,
            s.system_prompt,
            s.created_at,
            s.updated_at,
        )


class SessionDetailOut(SessionOut):
    messages: list[MessageOut] = msgspec.field(default_factory=list)


class DeltaEvent(msgspec.Struct):
    text: str


class DoneEvent(msgspec.Struct):
    message_id: UUID
    provider: str
    model: str
    usage: UsageOut | None
    cost_usd: str | None
    incomplete: bool

    @classmethod
    def of(cls, reply: ChatReply) -> DoneEvent:
        return cls(
            reply.message.id,
            reply.provider.value,
            reply.model,
            UsageOut.of(reply.message.usage),
            usd_or_none(reply.message.cost_usd),
            reply.message.incomplete,
        )
