"""Any server that speaks the OpenAI Chat Completions shape at a user-supplied base URL
(Ollama, vLLM, LM Studio, OpenRouter, Groq, Together, Mistral, DeepSeek...).

Every call (models, complete, stream) first runs the SSRF guard and then connects only to
the address it checked. Upstream error text is not reflected: the server is the user's choice,
so what it says could be anything, including a probe of where it sits. Nor is its silence
waited out as long as a public provider's: once a stream's first event arrived, each next one
must come within ``stream_idle`` seconds (``BYOM_USER_ENDPOINT_STREAM_IDLE_S``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace

import httpx

from adapters.llm._policy import STREAM, BodyLimits, RetryPolicy
from adapters.llm.openai import OpenAiShapedApi
from adapters.llm.ssrf import CheckedBaseUrl, SsrfGuard
from domain.api_key import ApiKey
from domain.errors import InvalidBaseUrl
from domain.llm import Completion, CompletionChunk, CompletionRequest, ModelInfo
from domain.ports import LlmProvider
from domain.provider import Provider


class OpenAiCompatibleProvider(LlmProvider):
    """``LlmProvider`` for OpenAI-compatible servers. Give it ``build_guarded_http_client()``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        guard: SsrfGuard,
        *,
        retry: RetryPolicy | None = None,
        limits: BodyLimits | None = None,
        stream_idle: float = 20.0,
    ) -> None:
        self._guard = guard
        self._api = OpenAiShapedApi(
            client,
            provider=Provider.OPENAI_COMPATIBLE,
            retry=retry,
            limits=limits,
            reflect_messages=False,
            legacy_max_tokens=True,
            stream_call=replace(STREAM, event_idle=stream_idle),
        )

    async def _checked(self, base_url: str | None) -> CheckedBaseUrl:
        if base_url is None:
            raise InvalidBaseUrl("an openai_compatible credential needs a base_url")
        return await self._guard.check(base_url)

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        target = await self._checked(base_url)
        return await self._api.list_models(target.base_url, key, scope=target.pinned)

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion:
        target = await self._checked(base_url)
        return await self._api.complete(target.base_url, key, request, scope=target.pinned)

    async def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncGenerator[CompletionChunk, None]:
        target = await self._checked(base_url)
        stream = self._api.stream(target.base_url, key, request, scope=target.pinned)
        try:
            async for chunk in stream:
                yield chunk
        finally:
            await stream.aclose()
