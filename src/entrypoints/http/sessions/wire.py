"""Agent sessions' request and response bodies, and their SSE events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from application.sessions.send_message import MAX_MESSAGE_LENGTH, ChatReply
from application.sessions.start_agent_session import MAX_SYSTEM_PROMPT_LENGTH, MAX_TITLE_LENGTH
from domain.agent_session import AgentMessage, AgentSession, ToolResult
from domain.content import ContentPart
from domain.errors import InvalidMessage
from domain.llm import Usage
from domain.tools import MAX_TOOLS
from entrypoints.http.money import usd_or_none
from entrypoints.http.sessions import wire_tools
from entrypoints.http.sessions.wire_tools import (
    MAX_PARTS,
    MAX_TOOL_RESULTS,
    ImageOut,
    NamedToolChoice,
    OutputFormatIn,
    PartIn,
    ToolCallOut,
    ToolIn,
    ToolResultIn,
)

Title = Annotated[str, msgspec.Meta(max_length=MAX_TITLE_LENGTH)]
SystemPrompt = Annotated[str, msgspec.Meta(max_length=MAX_SYSTEM_PROMPT_LENGTH)]
ProviderName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ModelName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Content = Annotated[str, msgspec.Meta(max_length=MAX_MESSAGE_LENGTH)]
MaxTokens = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Temperature = Annotated[float, msgspec.Meta(ge=0.0, le=2.0)]


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    provider: ProviderName | None = None
    model: ModelName | None = None
    credential_id: UUID | None = None
    system_prompt: SystemPrompt | None = None
    # Per provider (openai, anthropic, google, openai_compatible); system_prompt is the
    # fallback for the others.
    system_prompts: dict[ProviderName, SystemPrompt] | None = None


class MessageCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A user message: ``content`` is its text, or its parts in order: ``{"type": "text",
    "text": ...}`` and ``{"type": "image", "url": "https://..." | "data:image/png;base64,...",
    "detail"?}``. With it, what the model may do this turn: ``tools``, ``tool_choice``
    (``auto``, ``none``, ``required`` or ``{"name": ...}``), ``output_format``.

    Or the results of the last reply's tool calls, all of them: ``tool_results`` (a list of
    ``{"tool_call_id", "content"}``), or one as ``{"role": "tool", "tool_call_id", "content"}``.
    """

    content: Content | Annotated[list[PartIn], msgspec.Meta(max_length=MAX_PARTS)] = ""
    role: Literal["user", "tool"] = "user"
    tool_call_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    tool_results: (
        Annotated[list[ToolResultIn], msgspec.Meta(max_length=MAX_TOOL_RESULTS)] | None
    ) = None
    tools: Annotated[list[ToolIn], msgspec.Meta(max_length=MAX_TOOLS)] | None = None
    tool_choice: Literal["auto", "none", "required"] | NamedToolChoice | None = None
    output_format: OutputFormatIn | None = None
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
    images: list[ImageOut] = msgspec.field(default_factory=list)
    tool_calls: list[ToolCallOut] = msgspec.field(default_factory=list)
    tool_call_id: str | None = None
    truncated: bool = False
    """The reply was cut at the reply cap (``MAX_REPLY_LENGTH`` characters)."""

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
            [ImageOut.of(i) for i in m.images],
            [ToolCallOut.of(c) for c in m.tool_calls],
            m.tool_call_id,
            m.truncated,
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
    system_prompts: dict[str, str] = msgspec.field(default_factory=dict)

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
            dict(s.system_prompts),
        )


class SessionDetailOut(SessionOut):
    """The session with its latest page of messages, oldest first; ``next`` is the cursor of
    the page before them (``GET .../messages?before=``), null when there is none."""

    messages: list[MessageOut] = msgspec.field(default_factory=list)
    next: str | None = None


class MessagePageOut(msgspec.Struct):
    """A page of messages, oldest first; ``next``: the cursor of the older page, or null."""

    messages: list[MessageOut]
    next: str | None


class DeltaEvent(msgspec.Struct):
    text: str


class DoneEvent(msgspec.Struct):
    message_id: UUID
    provider: str
    model: str
    usage: UsageOut | None
    cost_usd: str | None
    incomplete: bool
    message: MessageOut
    """The stored reply, its tool calls included."""
    truncated: bool = False

    @classmethod
    def of(cls, reply: ChatReply) -> DoneEvent:
        return cls(
            reply.message.id,
            reply.provider.value,
            reply.model,
            UsageOut.of(reply.message.usage),
            usd_or_none(reply.message.cost_usd),
            reply.message.incomplete,
            MessageOut.of(reply.message),
            reply.message.truncated,
        )


def turn_of(data: MessageCreate) -> tuple[str | tuple[ContentPart, ...], dict[str, Any]]:
    """The message's content and the rest of its turn, as ``SendMessage`` takes them."""
    results = wire_tools.tool_results(data.tool_results)
    content = wire_tools.parts(data.content)
    if data.role == "tool":
        if data.tool_call_id is None or not isinstance(content, str) or data.tool_results:
            raise InvalidMessage(
                "a tool message has a tool_call_id and text content (or send tool_results)"
            )
        results, content = (ToolResult(data.tool_call_id, content),), ""
    elif data.tool_call_id is not None:
        raise InvalidMessage("tool_call_id goes with role 'tool'")
    return content, {
        "tool_results": results,
        "tools": wire_tools.tools(data.tools),
        "tool_choice": wire_tools.tool_choice(data.tool_choice),
        "output": wire_tools.output(data.output_format),
        "max_tokens": data.max_tokens,
        "temperature": data.temperature,
    }
