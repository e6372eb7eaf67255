"""OpenAI (Chat Completions) over raw HTTP.

Endpoints: ``GET /models`` (validation), ``POST /chat/completions`` (plain and
``stream: true`` with ``stream_options.include_usage``). Auth: ``Authorization: Bearer``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import httpx
import msgspec

from adapters.llm import openai_wire as wire
from adapters.llm._errors import ErrorDetail, ProviderErrorMapper
from adapters.llm._http import ProviderHttp, ScopeFactory
from adapters.llm._policy import COMPLETION, LIST_MODELS, STREAM, BodyLimits, CallSpec, RetryPolicy
from adapters.llm._wire import error_reader
from adapters.llm.openai_translate import (
    chat_body,
    openai_finish,
    settled_finish,
    tool_call_deltas,
    tool_calls_of,
)
from adapters.llm.ssrf import refuse_user_base_url
from domain.api_key import ApiKey
from domain.errors import ProviderUnavailable
from domain.llm import (
    NOT_REPORTED,
    Completion,
    CompletionChunk,
    CompletionRequest,
    FinishReason,
    ModelInfo,
    Usage,
)
from domain.ports import LlmProvider
from domain.provider import PUBLIC_BASE_URLS, Provider

DEFAULT_OPENAI_BASE_URL = PUBLIC_BASE_URLS[Provider.OPENAI]

# Error ``type`` values seen in streamed error objects, mapped to the status they stand for.
_STREAM_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "server_error": 500,
}


def _detail(error: wire.ErrorBody) -> ErrorDetail:
    code = None if error.code is None else str(error.code)
    return ErrorDetail(message=error.message, type=error.type, code=code)


read_openai_error = error_reader(wire.ErrorEnvelope, _detail)


class OpenAiShapedApi:
    """The OpenAI wire protocol at a base URL; shared by the OpenAI and compatible adapters."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        provider: Provider,
        retry: RetryPolicy | None,
        limits: BodyLimits | None,
        reflect_messages: bool,
        legacy_max_tokens: bool,
        stream_call: CallSpec = STREAM,
    ) -> None:
        self._stream_call = stream_call
        self._errors = ProviderErrorMapper(provider.value, provider.label, reflect_messages)
        self._http = ProviderHttp(
            client, self._errors, read_openai_error, retry or RetryPolicy(), limits or BodyLimits()
        )
        self._provider = provider
        # OpenAI deprecated ``max_tokens`` (o-series reject it); compatible servers still use it.
        self._legacy_max_tokens = legacy_max_tokens

    @staticmethod
    def _headers(key: ApiKey) -> dict[str, str]:
        return {"authorization": f"Bearer {key.reveal()}"}

    def _body(self, request: CompletionRequest, *, stream: bool) -> wire.ChatRequest:
        return chat_body(
            request,
            provider=self._provider,
            stream=stream,
            legacy_max_tokens=self._legacy_max_tokens,
        )

    async def list_models(
        self, base_url: str, key: ApiKey, scope: ScopeFactory | None = None
    ) -> list[ModelInfo]:
        listing = await self._http.request_json(
            "GET",
            f"{base_url}/models",
            wire.ModelList,
            key=key,
            headers=self._headers(key),
            call=LIST_MODELS,
            scope=scope,
        )
        return sorted((ModelInfo(id=m.id) for m in listing.data), key=lambda m: m.id)

    async def complete(
        self,
        base_url: str,
        key: ApiKey,
        request: CompletionRequest,
        scope: ScopeFactory | None = None,
    ) -> Completion:
        reply = await self._http.request_json(
            "POST",
            f"{base_url}/chat/completions",
            wire.ChatResponse,
            body=self._body(request, stream=False),
            key=key,
            headers=self._headers(key),
            call=COMPLETION,
            scope=scope,
        )
        if not reply.choices:
            raise self._errors.protocol("the reply had no choices")
        message = reply.choices[0].message
        usage = reply.usage
        calls = tool_calls_of(message)
        finish = openai_finish(reply.choices[0].finish_reason)
        return Completion(
            # A refusal (structured outputs) is the reply's text, its finish a content filter.
            text=message.content or message.refusal or "",
            model=reply.model or request.model,
            usage=NOT_REPORTED
            if usage is None
            else Usage(usage.prompt_tokens, usage.completion_tokens),
            finish_reason=settled_finish(
                finish, calls=bool(calls), refused=not message.content and bool(message.refusal)
            ),
            tool_calls=calls,
        )

    async def stream(
        self,
        base_url: str,
        key: ApiKey,
        request: CompletionRequest,
        scope: ScopeFactory | None = None,
    ) -> AsyncGenerator[CompletionChunk, None]:
        events = self._http.stream_events(
            f"{base_url}/chat/completions",
            self._body(request, stream=True),
            key=key,
            headers=self._headers(key),
            call=self._stream_call,
            scope=scope,
        )
        usage: Usage | None = None
        finish: FinishReason | None = None
        done = called = refused = False
        try:
            async for event in events:
                if event.is_done:
                    done = True
                    break
                try:
                    chunk = msgspec.json.decode(event.data, type=wire.ChatChunk)
                except msgspec.DecodeError:
                    raise self._errors.protocol(
                        "a streamed chunk did not have the expected shape"
                    ) from None
                if chunk.error is not None:
                    raise self._stream_error(chunk.error, key)
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices or ():
                    if choice.index != 0:
                        continue
                    delta = choice.delta
                    calls = tool_call_deltas(delta)
                    called = called or bool(calls)
                    refused = refused or bool(delta.refusal)
                    text = (delta.content or "") + (delta.refusal or "")
                    if text or calls:
                        yield CompletionChunk(delta=text, tool_calls=calls)
                    if choice.finish_reason is not None:
                        finish = openai_finish(choice.finish_reason)
        finally:
            await events.aclose()
        if not done:
            raise ProviderUnavailable(
                self._errors.provider,
                f"{self._errors.label}: the stream ended before it was complete",
            )
        # A compatible server may ignore stream_options: its usage is then NOT_REPORTED.
        yield CompletionChunk(
            usage=usage or NOT_REPORTED,
            finish_reason=settled_finish(
                finish or FinishReason.STOP, calls=called, refused=refused
            ),
        )

    def _stream_error(self, error: wire.ErrorBody, key: ApiKey) -> Exception:
        status = _STREAM_ERROR_STATUS.get(error.type or "", 500)
        return self._errors.from_status(status, None, _detail(error), call=STREAM, key=key).error


class OpenAiProvider(LlmProvider):
    """``LlmProvider`` for api.openai.com (or the operator's ``BYOM_OPENAI_BASE_URL``)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str = DEFAULT_OPENAI_BASE_URL,
        *,
        retry: RetryPolicy | None = None,
        limits: BodyLimits | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._api = OpenAiShapedApi(
            client,
            provider=Provider.OPENAI,
            retry=retry,
            limits=limits,
            reflect_messages=True,
            legacy_max_tokens=False,
        )

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        refuse_user_base_url(base_url, Provider.OPENAI)
        return await self._api.list_models(self._base_url, key)

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        refuse_user_base_url(base_url, Provider.OPENAI)
        return await self._api.complete(self._base_url, key, request)

    def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncIterator[CompletionChunk]:
        # The shared API's generator itself: a generator around it would cost each chunk a
        # step more (a user's base URL is refused here, at the call, not at the first read).
        refuse_user_base_url(base_url, Provider.OPENAI)
        return self._api.stream(self._base_url, key, request)
