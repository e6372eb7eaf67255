"""One call to a user's provider, whole or streamed: the pipeline the chat use cases share."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from application.budgets._spend_guard import Held, Spend, SpendGuard
from application.llm._provider_failures import ProviderFailures
from application.llm._provider_stream import ProviderStream
from application.llm._stream_state import OpenedStream
from application.llm.resolve_llm import ResolvedLlm
from domain.budget import estimated_usage
from domain.errors import DomainError, ProviderError
from domain.gateway_token import GatewayToken
from domain.llm import Completion, CompletionRequest, Reply, Usage


class PreparedCall(Protocol):
    """What a use case prepares: whose call it is, on which LLM, asking what."""

    @property
    def user_id(self) -> UUID: ...

    @property
    def llm(self) -> ResolvedLlm: ...

    @property
    def request(self) -> CompletionRequest: ...

    @property
    def token(self) -> GatewayToken | None:
        """The gateway token that made the call, if one did (its caps apply)."""
        ...


logger = logging.getLogger(__name__)

C = TypeVar("C", bound=PreparedCall)
R = TypeVar("R")


class ProviderCall(Generic[C, R]):
    """- ``complete`` sends a prepared call and keeps the whole reply;
    - ``stream`` prepares the call only when the stream starts, and keeps what arrived when it
      finishes (see ``ProviderStream``);
    - before the provider is called, ``guard`` holds the call's worst case against the caps
      that apply (``BudgetExceeded``: nothing is sent); a call that fails before any reply
      releases it;
    - either way the provider's failures are translated by ``ProviderFailures`` (a key the
      provider refused is flagged on its credential), and ``keep`` gets the call, the reply
      (text and tool calls), its usage as reported (None only for a stream cut short) and its
      ``Spend`` (the usage, estimated from the text when the provider reported none, and the
      hold it settles with ``SpendGuard.settle`` in the transaction that records it);
    - a ``reply_cap`` ends a stream at that many characters (``ProviderStream``'s ``cap``);
      ``eager_keep``: ``keep`` may start in the stream's consumer's turn (``ProviderStream``)."""

    def __init__(
        self,
        failures: ProviderFailures,
        keep: Callable[[C, Reply, Usage | None, Spend], Awaitable[R]],
        *,
        guard: SpendGuard | None = None,
        reply_cap: int | None = None,
        eager_keep: bool = False,
    ) -> None:
        self._failures = failures
        self._keep = keep
        self._guard = guard
        self._reply_cap = reply_cap
        self._eager_keep = eager_keep
        # Streams being kept after their consumer left. Asyncio holds tasks weakly; the use
        # case that owns this pipeline lives as long as the process.
        self._finishing: set[asyncio.Future[Any]] = set()

    async def complete(self, call: C) -> tuple[Completion, R]:
        llm = call.llm
        held = await self._reserve(call)
        try:
            completion = await llm.client.complete(
                llm.api_key, held.request, base_url=llm.choice.base_url
            )
        except BaseException as exc:
            await asyncio.shield(self._release(held))
            if isinstance(exc, ProviderError):
                raise await self._translate(call, exc) from exc
            raise
        reply = Reply(completion.text, completion.tool_calls)
        return completion, await self._kept(call, held, reply, completion.usage)

    def stream(self, prepare: Callable[[], Awaitable[C]]) -> ProviderStream[R]:
        """Nothing happens until the stream is started (``start``, ``async with``, reading)."""

        async def open_() -> OpenedStream[R]:
            call = await prepare()
            llm = call.llm
            held = await self._reserve(call)
            chunks = llm.client.stream(llm.api_key, held.request, base_url=llm.choice.base_url)
            return OpenedStream(
                chunks,
                partial(self._translate, call),
                partial(self._kept, call, held),
                partial(self._release_later, held),
            )

        return ProviderStream(
            open_, keep_alive=self._finishing, cap=self._reply_cap, eager_keep=self._eager_keep
        )

    async def _reserve(self, call: C) -> Held:
        if self._guard is None:
            return Held(call.request)
        return await self._guard.reserve(call.user_id, call.llm.choice, call.request, call.token)

    async def _release(self, held: Held) -> None:
        if self._guard is None:
            return
        try:
            await self._guard.release(held.hold)
        except Exception as exc:  # the store is down: the hold expires on its own
            logger.warning("a hold could not be released: %s", type(exc).__name__)

    def _release_later(self, held: Held) -> None:
        """From a stream that failed before any reply: in a task of its own (it may be
        cancelled), held like the streams being kept."""
        if held.hold is not None:
            task = asyncio.create_task(self._release(held))
            self._finishing.add(task)
            task.add_done_callback(self._finishing.discard)

    async def _kept(self, call: C, held: Held, reply: Reply, usage: Usage | None) -> R:
        if usage is None or not usage.reported:
            spend = Spend(estimated_usage(held.request, reply), True, held.hold)
        else:
            spend = Spend(usage, False, held.hold)
        return await self._keep(call, reply, usage, spend)

    async def _translate(self, call: C, error: ProviderError) -> DomainError:
        return await self._failures.translate(call.user_id, call.llm.choice, error)
