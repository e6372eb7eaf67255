"""Gemini API (Generative Language API, v1beta) wire shapes.

Reference: ai.google.dev/api/generate-content (GenerateContentRequest/Response, UsageMetadata,
FinishReason, GenerationConfig), ai.google.dev/api/caching (Content, Part, FunctionCall,
FunctionResponse, Blob, Tool, FunctionDeclaration, ToolConfig), ai.google.dev/api/models (list),
Google API error model (google.rpc.Status with ErrorInfo and RetryInfo details). JSON field names
are camelCase.
"""

from __future__ import annotations

from typing import Any

import msgspec

# --- request ---------------------------------------------------------------------------------


class FunctionCall(msgspec.Struct, omit_defaults=True):
    """A call the model made: ``args`` is an object. Gemini sends no id on generateContent."""

    name: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)


class FunctionResponse(msgspec.Struct):
    """The answer to a call, matched by ``name`` (and position); ``response`` is an object."""

    name: str
    response: dict[str, Any]


class Blob(msgspec.Struct, rename="camel"):
    """Inline bytes: ``data`` is base64."""

    mime_type: str
    data: str


class Part(msgspec.Struct, omit_defaults=True, rename="camel"):
    text: str | None = None
    inline_data: Blob | None = None
    function_call: FunctionCall | None = None
    function_response: FunctionResponse | None = None
    thought: bool | None = None
    # Opaque, on a part of a thinking model's reply (a functionCall part above all); Gemini 3
    # wants it back on that part when the conversation is replayed.
    thought_signature: str | None = None


class Content(msgspec.Struct, omit_defaults=True):
    parts: list[Part]
    role: str | None = None


class ThinkingConfig(msgspec.Struct, omit_defaults=True, rename="camel"):
    thinking_budget: int | None = None


class GenerationConfig(msgspec.Struct, omit_defaults=True, rename="camel"):
    max_output_tokens: int | None = None
    temperature: float | None = None
    stop_sequences: list[str] | None = None
    top_p: float | None = None
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    response_mime_type: str | None = None
    # JSON Schema (the alternative to the OpenAPI-subset ``responseSchema``).
    response_json_schema: dict[str, Any] | None = None
    thinking_config: ThinkingConfig | None = None


class FunctionDeclaration(msgspec.Struct, omit_defaults=True, rename="camel"):
    """``parametersJsonSchema`` takes JSON Schema as is (``parameters`` is the OpenAPI subset)."""

    name: str
    description: str | None = None
    parameters_json_schema: dict[str, Any] | None = None


class ToolDeclarations(msgspec.Struct, rename="camel"):
    function_declarations: list[FunctionDeclaration]


class FunctionCallingConfig(msgspec.Struct, omit_defaults=True, rename="camel"):
    mode: str  # AUTO | ANY | NONE
    allowed_function_names: list[str] | None = None


class ToolConfig(msgspec.Struct, rename="camel"):
    function_calling_config: FunctionCallingConfig


class GenerateRequest(msgspec.Struct, omit_defaults=True, rename="camel"):
    contents: list[Content]
    system_instruction: Content | None = None
    generation_config: GenerationConfig | None = None
    tools: list[ToolDeclarations] | None = None
    tool_config: ToolConfig | None = None


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
    response_id: str | None = None


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
