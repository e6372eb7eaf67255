"""Gemini API (Generative Language API, v1beta) wire shapes.

Reference: ai.google.dev/api/generate-content (GenerateContentRequest/Response, UsageMetadata,
FinishReason), ai.google.dev/api/models (list), Google API error model (google.rpc.Status with
ErrorInfo and RetryInfo details). JSON field names are camelCase.
"""

from __future__ import annotations

import msgspec

# --- request ---------------------------------------------------------------------------------


class Part(msgspec.Struct, omit_defaults=True):
    text: str | None = None


class Content(msgspec.Struct, omit_defaults=True):
    parts: list[Part]
    role: str | None = None


class GenerationConfig(msgspec.Struct, omit_defaults=True, rename="camel"):
    max_output_tokens: int | None = None
    temperature: float | None = None
    stop_sequences: list[str] | None = None


class GenerateRequest(msgspec.Struct, omit_defaults=True, rename="camel"):
    contents: list[Content]
    system_instruction: Content | None = None
    generation_config: GenerationConfig | None = None


# --- responses -------------------------------------------------------------------------------


class UsageMetadata(msgspec.Struct, rename="camel"):
    prompt_token_count: int = 0
    candidates_token_count: int = 0
    thoughts_token_count: int = 0


class Candidate(msgspec.Struct, rename="camel"):
    content: Content | None = None
    finish_reason: str | None = None
    index: int = 0


class PromptFeedback(msgspec.Struct, rename="camel"):
    block_reason: str | None = None


class GenerateResponse(msgspec.Struct, rename="camel"):
    candidates: list[Candidate] = msgspec.field(default_factory=list)
    usage_metadata: UsageMetadata | None = None
    prompt_feedback: PromptFeedback | None = None
    model_version: str | None = None


class ModelEntry(msgspec.Struct, rename="camel"):
    name: str
    display_name: str | None = None
    supported_generation_methods: list[str] | None = None
    output_token_limit: int | None = None


class ModelList(msgspec.Struct, rename="camel"):
    models: list[ModelEntry] = msgspec.field(default_factory=list)
    next_page_token: str | None = None


class ErrorDetailEntry(msgspec.Struct):
    type: str | None = msgspec.field(default=None, name="@type")
    reason: str | None = None
    retry_delay: str | None = msgspec.field(default=None, name="retryDelay")


class ErrorBody(msgspec.Struct):
    code: int | None = None
    message: str | None = None
    status: str | None = None
    details: list[ErrorDetailEntry] | None = None


class ErrorEnvelope(msgspec.Struct):
    error: ErrorBody
