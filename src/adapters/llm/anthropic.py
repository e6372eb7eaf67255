"""Anthropic (Messages API) over raw HTTP.

Endpoints: ``GET /models`` (validation), ``POST /messages`` (plain and ``stream: true``).
Auth: ``x-api-key`` plus ``anthropic-version: 2023-06-01``. ``system`` is a top-level field and
``max_tokens`` is required: when the caller gives none, the catalog's maximum output for the
model is used, else 4096. Content blocks, tools and JSON output: ``anthropic_tools`` (request)
and ``anthropic_reply`` (reply and stream).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import httpx
import msgspec

from adapters.llm import anthropic_tools as tools
from adapters.llm import anthropic_wire as wire
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
from adapters.llm.anthropic_reply import StreamBlocks, json_finish, reply_text_and_calls
from adapters.llm.ssrf import refuse_user_base_url
from domain.api_key import ApiKey
from domain.errors import ProviderUnavailable
from domain.llm import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    FinishReason,
    ModelInfo,
    Role,
    Usage,
)
from domain.ports import LlmProvider, ModelCatalog
from domain.provider import PUBLIC_BASE_URLS, Provider

DEFAULT_ANTHROPIC_BASE_URL = PUBLIC_BASE_URLS[Provider.ANTHROPIC]
ANTHROPIC_VERSION = "2023-06-01"
FALLBACK_MAX_TOKENS = 4096

_FINISH = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "refusal": FinishReason.CONTENT_FILTER,
}
# Error types (docs.anthropic.com/en/api/errors) and the HTTP status each stands for; used for
# ``event: error`` in a stream, where there is no status.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def _detail(error: wire.ErrorBody) -> ErrorDetail:
    return ErrorDetail(message=error.message, type=error.type)


read_anthropic_error = error_reader(wire.ErrorEnvelope, _detail)


class AnthropicProvider(LlmProvider):
    """``LlmProvider`` for api.anthropic.com (or the operator's ``BYOM_ANTHROPIC_BASE_URL``)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str = DEFAULT_ANTHROPIC_BASE_URL,
        *,
        catalog: ModelCatalog | None = None,
        retry: RetryPolicy | None = None,
        limits: BodyLimits | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._catalog = catalog
        self._errors = ProviderErrorMapper(Provider.ANTHROPIC.value, Provider.ANTHROPIC.label)
        self._http = ProviderHttp(
            client,
            self._errors,
            read_anthropic_error,
            retry or RetryPolicy(),
            limits or BodyLimits(),
        )

    @staticmethod
    def _headers(key: ApiKey) -> dict[str, str]:
        return {"x-api-key": key.reveal(), "anthropic-version": ANTHROPIC_VERSION}

    def _max_tokens(self, request: CompletionRequest) -> int:
        if request.max_tokens is not None:
            return request.max_tokens
        known = self._catalog.model(Provider.ANTHROPIC, request.model) if self._catalog else None
        if known is not None and known.max_output_tokens:
            return known.max_output_tokens
        return FALLBACK_MAX_TOKENS

    def _body(self, request: CompletionRequest, *, stream: bool) -> wire.MessagesRequest:
        tools.refuse_unsupported(request)
        # System turns inside the conversation join the top-level system prompt.
        system_parts = [request.system] if request.system else []
        system_parts += [m.text for m in request.messages if m.role is Role.SYSTEM]
        tool_defs, tool_choice = tools.tools(request)
        return wire.MessagesRequest(
            model=request.model,
            max_tokens=self._max_tokens(request),
            messages=tools.messages(request),
            system="\n\n".join(system_parts) or None,
            temperature=request.temperature,
            top_p=request.sampling.top_p,
            stop_sequences=list(request.stop) or None,
            tools=tool_defs,
            tool_choice=tool_choice,
            metadata=tools.metadata(request),
            stream=stream,
        )

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        refuse_user_base_url(base_url, Provider.ANTHROPIC)
        found: list[ModelInfo] = []
        params = {"limit": "1000"}  # the most a page holds
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
            found += [ModelInfo(id=m.id, display_name=m.display_name) for m in page.data]
            if not page.has_more or not page.last_id:
                break
            params = {"limit": "1000", "after_id": page.last_id}
        return found

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        refuse_user_base_url(base_url, Provider.ANTHROPIC)
        body = self._body(request, stream=False)
        reply = await self._http.request_json(
            "POST",
            f"{self._base_url}/messages",
            wire.MessageResponse,
            body=body,
            key=key,
            headers=self._headers(key),
            call=COMPLETION,
        )
        output_tool = tools.output_tool(request)
        text, calls = reply_text_and_calls(reply.content, output_tool)
        return Completion(
            text=text,
            model=reply.model or request.model,
            usage=Usage(reply.usage.input_tokens or 0, reply.usage.output_tokens or 0),
            finish_reason=json_finish(finish_reason(_FINISH, reply.stop_reason), output_tool),
            tool_calls=calls,
        )

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncGenerator[CompletionChunk, None]:
        refuse_user_base_url(base_url, Provider.ANTHROPIC)
        events = self._http.stream_events(
            f"{self._base_url}/messages",
            self._body(request, stream=True),
            key=key,
            headers=self._headers(key),
            call=STREAM,
        )
        output_tool = tools.output_tool(request)
        blocks = StreamBlocks(output_tool)
        input_tokens = output_tokens = 0
        stop_reason: str | None = None
        stopped = False
        try:
            async for event in events:
                kind = event.event
                chunk: CompletionChunk | None = None
                try:
                    if kind == "content_block_delta":
                        chunk = blocks.delta(
                            msgspec.json.decode(event.data, type=wire.ContentBlockDelta)
                        )
                    elif kind == "content_block_start":
                        chunk = blocks.start(
                            msgspec.json.decode(event.data, type=wire.ContentBlockStart)
                        )
                    elif kind == "message_start":
                        usage = msgspec.json.decode(
                            event.data, type=wire.MessageStart
                        ).message.usage
                        input_tokens = usage.input_tokens or input_tokens
                        output_tokens = usage.output_tokens or output_tokens
                    elif kind == "message_delta":
                        md = msgspec.json.decode(event.data, type=wire.MessageDelta)
                        stop_reason = md.delta.stop_reason or stop_reason
                        # message_delta usage is cumulative.
                        output_tokens = md.usage.output_tokens or output_tokens
                        input_tokens = md.usage.input_tokens or input_tokens
                    elif kind == "message_stop":
                        stopped = True
                        break
                    elif kind == "error":
                        error = msgspec.json.decode(event.data, type=wire.StreamError).error
                        status = _ERROR_STATUS.get(error.type or "", 500)
                        raise self._errors.from_status(
                            status, None, _detail(error), call=STREAM, key=key
                        ).error
                    # ping, content_block_stop and future event types are ignored.
                except msgspec.DecodeError:
                    raise self._errors.protocol(
                        f"a streamed {kind} event did not have the expected shape"
                    ) from None
                if chunk is not None:
                    yield chunk
        finally:
            await events.aclose()
        if not stopped:
            raise ProviderUnavailable(
                self._errors.provider,
                f"{self._errors.label}: the stream ended before it was complete",
            )
        last = blocks.end()
        if last is not None:
            yield last
        yield CompletionChunk(
            usage=Usage(input_tokens, output_tokens),
            finish_reason=json_finish(finish_reason(_FINISH, stop_reason), output_tool),
        )
