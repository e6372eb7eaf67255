"""Provider-neutral request and response types for talking to an LLM."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from domain.content import ContentPart, TextPart, text_of
from domain.tools import OutputFormat, Tool, ToolCall, ToolCallDelta, ToolChoice


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn. ``content`` is plain text, or parts (text and images) in order; an assistant
    turn may hold ``tool_calls``; a tool turn answers the call ``tool_call_id`` (its ``name``
    is the called tool's: Gemini matches answers by name)."""

    role: Role
    content: str | tuple[ContentPart, ...] = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    @property
    def parts(self) -> tuple[ContentPart, ...]:
        if isinstance(self.content, str):
            return (TextPart(self.content),) if self.content else ()
        return self.content

    @property
    def text(self) -> str:
        return self.content if isinstance(self.content, str) else text_of(self.content)


@dataclass(frozen=True, slots=True)
class Sampling:
    """Parameters some providers take and others do not: an adapter forwards what its provider
    has and refuses (``UnsupportedFeature``) what it has not."""

    top_p: float | None = None
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    user: str | None = None


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """One call to a model. ``system`` is separate because every provider places it differently."""

    model: str
    messages: tuple[ChatMessage, ...]
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    output: OutputFormat | None = None
    sampling: Sampling = field(default_factory=Sampling)


# Token counts are stored in int4 columns.
MAX_TOKEN_COUNT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one call as the provider reported them, clamped to 0..``MAX_TOKEN_COUNT``: a
    (user's own compatible) server could report negative counts to lower its cost, or counts
    no column can hold to fail the call after it was paid for. ``reported`` is False when the
    provider said nothing (an OpenAI-compatible server that omits usage): the zeros are not a
    count, and spend control estimates the call from its text instead."""

    input_tokens: int = 0
    output_tokens: int = 0
    reported: bool = field(default=True, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_tokens", _clamp(self.input_tokens))
        object.__setattr__(self, "output_tokens", _clamp(self.output_tokens))

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


def _clamp(tokens: int) -> int:
    return min(max(tokens, 0), MAX_TOKEN_COUNT)


# What a provider that reported nothing is taken to have said.
NOT_REPORTED = Usage(reported=False)


class FinishReason(StrEnum):
    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content_filter"
    TOOL_CALLS = "tool_calls"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    model: str
    usage: Usage
    finish_reason: FinishReason = FinishReason.STOP
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class Reply:
    """What a model answered: its text, and the calls it made; ``truncated`` when the reply
    reached the cap its reader set and the rest was never read."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class CompletionChunk:
    """A streamed piece: text and tool-call deltas, then one last chunk with usage and finish
    reason."""

    delta: str = ""
    usage: Usage | None = None
    finish_reason: FinishReason | None = None
    tool_calls: tuple[ToolCallDelta, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.usage is not None or self.finish_reason is not None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens."""

    input_per_mtok: Decimal
    output_per_mtok: Decimal

    def cost(self, usage: Usage) -> Decimal:
        million = Decimal(1_000_000)
        return (
            Decimal(usage.input_tokens) * self.input_per_mtok
            + Decimal(usage.output_tokens) * self.output_per_mtok
        ) / million


@dataclass(frozen=True, slots=True)
class CatalogModel:
    provider: str
    name: str
    context_window: int | None = None
    max_output_tokens: int | None = None
    price: ModelPrice | None = None


@dataclass(frozen=True, slots=True)
class CatalogProvider:
    provider: str
    default_model: str | None
    models: tuple[CatalogModel, ...] = field(default=())
