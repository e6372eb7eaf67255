"""Google Gemini (Generative Language API v1beta) over raw HTTP.

Endpoints: ``GET /models`` (validation), ``POST /models/{model}:generateContent`` and
``POST /models/{model}:streamGenerateContent?alt=sse``. The key travels only in the
``x-goog-api-key`` header, never as ``?key=`` (URLs end up in logs). Roles are ``user`` and
``model``; the system prompt is ``systemInstruction``; model ids lose their ``models/`` prefix.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator

import httpx
import msgspec

from adapters.llm import gemini_request, gemini_tools
from adapters.llm import gemini_wire as wire
from adapters.llm._errors import ErrorDetail, ProviderErrorMapper
from adapters.llm._http import ProviderHttp
from adapters.llm._policy import (
    COMPLETION,
    LIST_MODELS,
    MODEL_LIST_PAGES,
    STREAM,
    BodyLimits,
    RetryPolicy,
)
from adapters.llm._wire import error_reader, finish_reason
from adapters.llm.ssrf import refuse_user_base_url
from domain.api_key import ApiKey
from domain.errors import InvalidModelName, ProviderUnavailable
from domain.llm import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    FinishReason,
    ModelInfo,
    Usage,
)
from domain.ports import LlmProvider
from domain.provider import PUBLIC_BASE_URLS, Provider
from domain.tools import ToolCallDelta

DEFAULT_GEMINI_BASE_URL = PUBLIC_BASE_URLS[Provider.GOOGLE]

# The model id becomes part of the URL path: allow only what Gemini model ids look like.
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)s")

_FINISH = {
    "STOP": FinishReason.STOP,
    "MAX_TOKENS": FinishReason.LENGTH,
    "SAFETY": FinishReason.CONTENT_FILTER,
    "RECITATION": FinishReason.CONTENT_FILTER,
    "BLOCKLIST": FinishReason.CONTENT_FILTER,
    "PROHIBITED_CONTENT": FinishReason.CONTENT_FILTER,
    "SPII": FinishReason.CONTENT_FILTER,
    "IMAGE_SAFETY": FinishReason.CONTENT_FILTER,
    # The model tried to call a function and failed: the reply holds no call to answer.
    "MALFORMED_FUNCTION_CALL": FinishReason.OTHER,
    "UNEXPECTED_TOOL_CALL": FinishReason.OTHER,
}


def strip_model_prefix(name: str) -> str:
    return name.removeprefix("models/")


def _detail(error: wire.ErrorBody) -> ErrorDetail:
    reason = retry_delay = None
    for entry in error.details or ():
        if entry.reason and reason is None:
            reason = entry.reason
        if entry.retry_delay and (match := _DURATION.fullmatch(entry.retry_delay)):
            retry_delay = float(match.group(1))
    return ErrorDetail(
        message=error.message, type=error.status, reason=reason, retry_delay=retry_delay
    )


read_gemini_error = error_reader(wire.ErrorEnvelope, _detail)


class GeminiProvider(LlmProvider):
    """``LlmProvider`` for the Gemini API (or the operator's ``BYOM_GOOGLE_BASE_URL``)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str = DEFAULT_GEMINI_BASE_URL,
        *,
        retry: RetryPolicy | None = None,
        limits: BodyLimits | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._errors = ProviderErrorMapper(Provider.GOOGLE.value, Provider.GOOGLE.label)
        self._http = ProviderHttp(
            client, self._errors, read_gemini_error, retry or RetryPolicy(), limits or BodyLimits()
        )

    @staticmethod
    def _headers(key: ApiKey) -> dict[str, str]:
        return {"x-goog-api-key": key.reveal()}

    def _model_url(self, model: str, method: str) -> str:
        model_id = strip_model_prefix(model)
        if not _MODEL_ID.fullmatch(model_id):
            raise InvalidModelName(f"{model!r} is not a Gemini model id")
        return f"{self._base_url}/models/{model_id}:{method}"

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        refuse_user_base_url(base_url, Provider.GOOGLE)
        entries: list[wire.ModelEntry] = []
        params = {"pageSize": "1000"}  # the most a page holds
        for _ in range(MODEL_LIST_PAGES):
            page = await self._http.request_json(
                "GET",
                f"{self._base_url}/models",
                wire.ModelList,
                key=key,
                headers=self._headers(key),
                params=params,
                call=LIST_MODELS,
            )
            entries += page.models
            if not page.next_page_token:
                break
            params = {"pageSize": "1000", "pageToken": page.next_page_token}
        return [
            ModelInfo(id=strip_model_prefix(m.name), display_name=m.display_name)
            for m in entries
            if m.supported_generation_methods is None
            or "generateContent" in m.supported_generation_methods
        ]

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        refuse_user_base_url(base_url, Provider.GOOGLE)
        reply = await self._http.request_json(
            "POST",
            self._model_url(request.model, "generateContent"),
            wire.GenerateResponse,
            body=gemini_request.body(request),
            key=key,
            headers=self._headers(key),
            call=COMPLETION,
        )
        text, finish = _text_and_finish(reply)
        calls = tuple(
            gemini_tools.tool_call(reply.response_id, n, part)
            for n, part in enumerate(_function_calls(reply))
        )
        return Completion(
            text=text,
            model=strip_model_prefix(reply.model_version or request.model),
            usage=_usage(reply.usage_metadata),
            finish_reason=_with_calls(finish or FinishReason.STOP, bool(calls)),
            tool_calls=calls,
        )

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncGenerator[CompletionChunk, None]:
        refuse_user_base_url(base_url, Provider.GOOGLE)
        events = self._http.stream_events(
            self._model_url(request.model, "streamGenerateContent") + "?alt=sse",
            gemini_request.body(request),
            key=key,
            headers=self._headers(key),
            call=STREAM,
        )
        usage = Usage()
        finish: FinishReason | None = None
        position = 0  # calls so far: Gemini sends each call whole, in one chunk
        try:
            async for event in events:
                try:
                    piece = msgspec.json.decode(event.data, type=wire.GenerateResponse)
                except msgspec.DecodeError:
                    raise self._errors.protocol(
                        "a streamed chunk did not have the expected shape"
                    ) from None
                text, piece_finish = _text_and_finish(piece)
                deltas = []
                for part in _function_calls(piece):
                    made = gemini_tools.tool_call(piece.response_id, position, part)
                    deltas.append(
                        ToolCallDelta(position, made.id, made.name, made.arguments, made.signature)
                    )
                    position += 1
                if text or deltas:
                    yield CompletionChunk(delta=text, tool_calls=tuple(deltas))
                if piece.usage_metadata is not None:
                    usage = _usage(piece.usage_metadata)
                finish = piece_finish or finish
        finally:
            await events.aclose()
        # Gemini has no end-of-stream event: a clean end without a finish reason was cut short.
        if finish is None:
            raise ProviderUnavailable(
                self._errors.provider,
                f"{self._errors.label}: the stream ended before it was complete",
            )
        yield CompletionChunk(usage=usage, finish_reason=_with_calls(finish, position > 0))


def _text_and_finish(reply: wire.GenerateResponse) -> tuple[str, FinishReason | None]:
    if not reply.candidates:
        blocked = reply.prompt_feedback is not None and reply.prompt_feedback.block_reason
        return "", FinishReason.CONTENT_FILTER if blocked else None
    candidate = reply.candidates[0]
    parts = candidate.content.parts if candidate.content else []
    text = "".join(p.text or "" for p in parts if not p.thought)
    raw = candidate.finish_reason
    return text, finish_reason(_FINISH, raw) if raw else None


def _function_calls(reply: wire.GenerateResponse) -> list[wire.Part]:
    """The parts of the reply that call a function (each with its ``thoughtSignature``)."""
    if not reply.candidates or reply.candidates[0].content is None:
        return []
    return [p for p in reply.candidates[0].content.parts if p.function_call]


def _with_calls(finish: FinishReason, made_calls: bool) -> FinishReason:
    """Gemini ends a reply that calls functions with STOP: in the domain it ends in tool calls."""
    return FinishReason.TOOL_CALLS if made_calls and finish is FinishReason.STOP else finish


def _usage(meta: wire.UsageMetadata | None) -> Usage:
    if meta is None:
        return Usage()
    # Thinking tokens are billed as output.
    return Usage(meta.prompt_token_count, meta.candidates_token_count + meta.thoughts_token_count)
