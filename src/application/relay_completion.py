"""Relay an OpenAI-style chat completion to the caller's own provider, and record its usage."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from application.gateway_routing import route
from application.provider_failures import ProviderFailures
from application.resolve_llm import ResolvedLlm, ResolveLlm
from application.usage_meter import UsageMeter
from domain.errors import InvalidMessage, ProviderError
from domain.llm import ChatMessage, Completion, CompletionChunk, CompletionRequest, Role, Usage
from domain.ports import UnitOfWorkFactory
from domain.resolution import LlmChoice
from domain.usage import UsageSource

_RECORDING: set[asyncio.Task[Any]] = set()


@dataclass(frozen=True, slots=True)
class RelayRequest:
    """A provider-neutral chat request; system turns may appear anywhere in ``messages``."""

    model: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RelayedCompletion:
    completion: Completion
    choice: LlmChoice
    cost_usd: Decimal | None


@dataclass(frozen=True, slots=True)
class _Call:
    user_id: UUID
    llm: ResolvedLlm
    request: CompletionRequest


class RelayCompletion:
    """- the model name picks the provider (``gateway_routing.route``); the LLM factory then
      picks the caller's credential for it (or their default, or the system default), so a
      token only ever reaches its owner's keys;
    - system turns become the request's system prompt (each adapter places it the way its
      provider expects); user and assistant turns keep their order;
    - every call that completes records a usage row (source ``gateway``) with its catalog cost;
    - provider failures are translated by ``ProviderFailures`` (a refused key is flagged)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        resolve: ResolveLlm,
        meter: UsageMeter,
        failures: ProviderFailures,
    ) -> None:
        self._uow = uow
        self._resolve = resolve
        self._meter = meter
        self._failures = failures

    async def execute(self, user_id: UUID, request: RelayRequest) -> RelayedCompletion:
        call = await self._prepare(user_id, request)
        llm = call.llm
        try:
            completion = await llm.client.complete(
                llm.api_key, call.request, base_url=llm.choice.base_url
            )
        except ProviderError as exc:
            raise await self._failures.translate(user_id, llm.choice, exc) from exc
        cost = await self._record(call, completion.usage)
        return RelayedCompletion(completion, llm.choice, cost)

    def stream(self, user_id: UUID, request: RelayRequest) -> RelayedStream:
        return RelayedStream(self, user_id, request)

    async def _prepare(self, user_id: UUID, request: RelayRequest) -> _Call:
        target = route(request.model)
        system = [m.content for m in request.messages if m.role is Role.SYSTEM]
        turns = tuple(m for m in request.messages if m.role is not Role.SYSTEM)
        if not turns:
            raise InvalidMessage("messages must hold at least one user or assistant turn")
        llm = await self._resolve.execute(user_id, provider=target.provider, model=target.model)
        completion_request = CompletionRequest(
            model=llm.choice.model,
            messages=turns,
            system="\n\n".join(system) or None,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            stop=request.stop,
        )
        return _Call(user_id, llm, completion_request)

    async def _record(self, call: _Call, usage: Usage) -> Decimal | None:
        record = self._meter.record(
            call.user_id, call.llm.choice, usage, source=UsageSource.GATEWAY
        )
        async with self._uow() as uow:
            await uow.usage.add(record)
            await uow.commit()
        return record.cost_usd


class RelayedStream:
    """A relayed completion, streamed.

    - ``start()`` resolves, opens the key and waits for the provider's first chunk: failures
      before any byte are raised there (the HTTP layer can still answer with a status);
    - iterating yields the provider-neutral chunks, the last one with usage and finish reason;
      a failure mid-stream is translated and raised;
    - ``finish()`` records the usage the provider reported, once, in a task of its own (a
      cancelled caller cannot lose it); a stream cut short has no reported usage to record."""

    def __init__(self, owner: RelayCompletion, user_id: UUID, request: RelayRequest) -> None:
        self._owner = owner
        self._user_id = user_id
        self._request = request
        self._call: _Call | None = None
        self._chunks: AsyncIterator[CompletionChunk] | None = None
        self._first: CompletionChunk | None = None
        self._usage: Usage | None = None
        self._recording: asyncio.Task[Decimal | None] | None = None
        self.cost_usd: Decimal | None = None

    @property
    def choice(self) -> LlmChoice:
        if self._call is None:
            raise RuntimeError("start() the stream first")
        return self._call.llm.choice

    async def start(self) -> None:
        if self._call is not None:
            return
        call = await self._owner._prepare(self._user_id, self._request)
        llm = call.llm
        chunks = llm.client.stream(llm.api_key, call.request, base_url=llm.choice.base_url)
        try:
            first: CompletionChunk | None = await anext(chunks)
        except StopAsyncIteration:
            first = None
        except ProviderError as exc:
            await _close(chunks)
            raise await self._owner._failures.translate(self._user_id, llm.choice, exc) from exc
        self._call, self._chunks, self._first = call, chunks, first

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> CompletionChunk:
        await self.start()
        if self._first is not None:
            chunk, self._first = self._first, None
        elif self._chunks is None or self._recording is not None:
            raise StopAsyncIteration
        else:
            try:
                chunk = await anext(self._chunks)
            except ProviderError as exc:
                call = self._call
                if call is None:  # pragma: no cover - _chunks is only set together with _call
                    raise
                raise await self._owner._failures.translate(
                    call.user_id, call.llm.choice, exc
                ) from exc
        if chunk.usage is not None:
            self._usage = chunk.usage
        return chunk

    async def finish(self) -> Decimal | None:
        """The recorded cost (None for an unpriced model or when nothing was reported)."""
        if self._recording is None:
            task = asyncio.ensure_future(self._record())
            _RECORDING.add(task)
            task.add_done_callback(_RECORDING.discard)
            self._recording = task
        return await asyncio.shield(self._recording)

    async def aclose(self) -> None:
        await self.finish()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.finish()

    async def _record(self) -> Decimal | None:
        if self._chunks is not None:
            await _close(self._chunks)
        if self._call is None or self._usage is None:
            return None
        self.cost_usd = await self._owner._record(self._call, self._usage)
        return self.cost_usd


async def _close(chunks: AsyncIterator[CompletionChunk]) -> None:
    if isinstance(chunks, AsyncGenerator):
        try:
            await chunks.aclose()
        except RuntimeError:
            return
