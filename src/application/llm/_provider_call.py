"""One call to a user's provider, whole or streamed: the pipeline the chat use cases share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from application.llm._provider_failures import ProviderFailures
from application.llm._provider_stream import ProviderStream
from application.llm._stream_state import OpenedStream
from application.llm.resolve_llm import ResolvedLlm
from domain.errors import DomainError, ProviderError
from domain.llm import Completion, CompletionRequest, Reply, Usage


class PreparedCall(Protocol):
    """What a use case prepares: whose call it is, on which LLM, asking what."""

    @property
    def user_id(self) -> UUID: ...

    @property
    def llm(self) -> ResolvedLlm: ...

    @property
    def request(self) -> CompletionRequest: ...


C = TypeVar("C", bound=PreparedCall)
R = TypeVar("R")


class ProviderCall(Generic[C, R]):
    """- ``complete`` sends a prepared call and keeps the whole reply;
    - ``stream`` prepares the call only when the stream starts, and keeps what arrived when it
      finishes (see ``ProviderStream``);
    - either way the provider's failures are translated by ``ProviderFailures`` (a key the
      provider refused is flagged on its credential), and ``keep`` gets the call, the reply
      (text and tool calls) and its usage (None only for a stream cut short);
    - a ``reply_cap`` ends a stream at that many characters (``ProviderStream``'s ``cap``)."""

    def __init__(
        self,
        failures: ProviderFailures,
        keep: Callable[[C, Reply, Usage | None], Awaitable[R]],
        *,
        reply_cap: int | None = None,
    ) -> None:
        self._failures = failures
        self._keep = keep
        self._reply_cap = reply_cap
        # Streams being kept after their consumer left. Asyncio holds tasks weakly; the use
        # case that owns this pipeline lives as long as the process.
        self._finishing: set[asyncio.Task[Any]] = set()

    async def complete(self, call: C) -> tuple[Completion, R]:
        llm = call.llm
        try:
            completion = await llm.client.complete(
                llm.api_key, call.request, base_url=llm.choice.base_url
            )
        except ProviderError as exc:
            raise await self._translate(call, exc) from exc
        reply = Reply(completion.text, completion.tool_calls)
        return completion, await self._keep(call, reply, completion.usage)

    def stream(self, prepare: Callable[[], Awaitable[C]]) -> ProviderStream[R]:
        """Nothing happens until the stream is started (``start``, ``async with``, reading)."""

        async def open_() -> OpenedStream[R]:
            call = await prepare()
            llm = call.llm
            chunks = llm.client.stream(llm.api_key, call.request, base_url=llm.choice.base_url)
            return OpenedStream(chunks, partial(self._translate, call), partial(self._keep, call))

        return ProviderStream(open_, keep_alive=self._finishing, cap=self._reply_cap)

    async def _translate(self, call: C, error: ProviderError) -> DomainError:
        return await self._failures.translate(call.user_id, call.llm.choice, error)
