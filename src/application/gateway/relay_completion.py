"""Relay an OpenAI-style chat completion to the caller's own provider, and record its usage."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from uuid import UUID

from application.budgets._spend_guard import Spend, SpendGuard
from application.gateway._routing import route
from application.llm._generation_limits import check_generation
from application.llm._provider_call import ProviderCall
from application.llm._provider_failures import ProviderFailures
from application.llm._provider_stream import ProviderStream
from application.llm.resolve_llm import ResolvedLlm, ResolveLlm
from application.usage._meter import UsageMeter
from domain.budget import Hold
from domain.conversation import check_conversation
from domain.errors import InvalidMessage
from domain.gateway_token import GatewayToken
from domain.llm import ChatMessage, Completion, CompletionRequest, Reply, Role, Sampling, Usage
from domain.ports import UsageJournal
from domain.resolution import LlmChoice
from domain.tools import OutputFormat, Tool, ToolChoice, check_tools
from domain.usage import UsageRecord, UsageSource

logger = logging.getLogger(__name__)

# The commit of a call's usage row (``UsageJournal.queue``).
Recording = asyncio.Future[None]


@dataclass(frozen=True, slots=True)
class Relayed:
    """What a relayed call kept: the LLM the factory chose, the usage the provider reported
    (None for a stream cut short: its usage row is estimated from the text) and its cost."""

    choice: LlmChoice
    usage: Usage | None
    cost_usd: Decimal | None


RelayedStream = ProviderStream[Relayed]
AnsweredStream = ProviderStream[tuple[Relayed, Recording]]


@dataclass(frozen=True, slots=True)
class RelayRequest:
    """A provider-neutral chat request; system turns may appear anywhere in ``messages``."""

    model: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    output: OutputFormat | None = None
    sampling: Sampling = field(default_factory=Sampling)


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
    token: GatewayToken | None


class RelayCompletion:
    """- the model name picks the provider (``gateway._routing.route``); the LLM factory then
      picks the caller's credential for it (or their default, or the system default), so a
      token only ever reaches its owner's keys;
    - system turns become the request's system prompt (each adapter places it the way its
      provider expects); user and assistant turns keep their order;
    - caps apply before the provider is called (``SpendGuard``: the user's, the operator's,
      the gateway ``token``'s);
    - every call that reached the provider records a usage row (source ``gateway``, or the
      ``source`` given: the in-process facade's) with its cost and the token that made it,
      settling its hold in the same transaction (``UsageJournal``): ``execute`` and a
      ``stream``'s ``finish`` return once it is committed, ``answer`` and an
      ``answer_stream``'s ``finish`` once it is queued, with its commit's future; a
      stream cut short, or a provider that reported no usage, is recorded on an estimate from
      the text (``estimated``), never as zero; a row that could not be stored is logged
      (its error's type, the call's source);
    - provider failures are translated by ``ProviderFailures`` (a refused key is flagged)."""

    def __init__(
        self,
        journal: UsageJournal,
        resolve: ResolveLlm,
        meter: UsageMeter,
        failures: ProviderFailures,
        guard: SpendGuard,
        *,
        source: UsageSource = UsageSource.GATEWAY,
    ) -> None:
        self._journal = journal
        self._source = source
        self._resolve = resolve
        self._meter = meter
        self._guard = guard
        self._provider = ProviderCall(failures, self._record, guard=guard)
        # Queueing a row enters no timeout, scope or lock: a stream's end need not wait a task.
        self._answering = ProviderCall(failures, self._queue, guard=guard, eager_keep=True)

    async def execute(
        self, user_id: UUID, request: RelayRequest, *, token: GatewayToken | None = None
    ) -> RelayedCompletion:
        """Returns once the call's usage row is committed (raises what its store raised)."""
        relayed, recorded = await self.answer(user_id, request, token=token)
        await asyncio.shield(recorded)
        return relayed

    async def answer(
        self, user_id: UUID, request: RelayRequest, *, token: GatewayToken | None = None
    ) -> tuple[RelayedCompletion, Recording]:
        """The reply as soon as its usage row is queued, and the future of its commit (await
        it shielded, after answering): the caller is not kept waiting for the database. The
        row is written whether or not it is awaited; the journal's bound holds (past it, this
        waits for room before answering) and its ``aclose`` waits for it."""
        call = await self._prepare(user_id, request, token)
        completion, (kept, recorded) = await self._answering.complete(call)
        return RelayedCompletion(completion, call.llm.choice, kept.cost_usd), recorded

    def stream(
        self, user_id: UUID, request: RelayRequest, *, token: GatewayToken | None = None
    ) -> RelayedStream:
        """Chunks as they come (see ``ProviderStream``); ``finish()`` records the usage (as
        reported, else estimated) and returns it with its cost and the LLM chosen."""
        return self._provider.stream(partial(self._prepare, user_id, request, token))

    def answer_stream(
        self, user_id: UUID, request: RelayRequest, *, token: GatewayToken | None = None
    ) -> AnsweredStream:
        """``stream``, whose ``finish()`` returns once the usage row is queued, with the future
        of its commit, as ``answer`` does: the stream's end is not kept waiting for the
        database (await the future shielded once it is sent)."""
        return self._answering.stream(partial(self._prepare, user_id, request, token))

    async def _prepare(
        self, user_id: UUID, request: RelayRequest, token: GatewayToken | None
    ) -> _Call:
        check_generation(request.max_tokens, request.temperature)
        check_tools(request.tools, request.tool_choice, request.output)
        target = route(request.model)
        system = [m.text for m in request.messages if m.role is Role.SYSTEM]
        turns = tuple(m for m in request.messages if m.role is not Role.SYSTEM)
        if not turns:
            raise InvalidMessage("messages must hold at least one user or assistant turn")
        check_conversation(turns)
        llm = await self._resolve.execute(user_id, provider=target.provider, model=target.model)
        completion_request = CompletionRequest(
            model=llm.choice.model,
            messages=turns,
            system="\n\n".join(system) or None,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            stop=request.stop,
            tools=request.tools,
            tool_choice=request.tool_choice,
            parallel_tool_calls=request.parallel_tool_calls,
            output=request.output,
            sampling=request.sampling,
        )
        return _Call(user_id, llm, completion_request, token)

    async def _record(
        self, call: _Call, reply: Reply, usage: Usage | None, spend: Spend
    ) -> Relayed:
        relayed, recorded = await self._queue(call, reply, usage, spend)
        # Durable before the stream's end is sent, so a process stopped after it loses nothing.
        await asyncio.shield(recorded)
        return relayed

    async def _queue(
        self, call: _Call, reply: Reply, usage: Usage | None, spend: Spend
    ) -> tuple[Relayed, Recording]:
        record = self._meter.record(
            call.user_id,
            call.llm.choice,
            spend.usage,
            source=self._source,
            gateway_token_id=None if call.token is None else call.token.id,
            estimated=spend.estimated,
        )
        # Concurrent calls share one transaction (the journal's group commit).
        recorded = await self._journal.queue(
            record,
            self._guard.settlement(spend.hold, record),
            on_done=partial(self._recorded, spend.hold, record),
        )
        return Relayed(call.llm.choice, usage, record.cost_usd), recorded

    def _recorded(self, hold: Hold | None, record: UsageRecord, recorded: Recording) -> None:
        """Whoever awaits the commit, and even if nobody does (or the caller was cancelled
        while its row waited for room): the metrics, or the failure logged (the caller may
        have had its answer already)."""
        if recorded.cancelled():
            return
        if (error := recorded.exception()) is None:
            self._guard.settled(hold, record)
            return
        logger.error(
            "a %s call's usage row was not stored: %s", self._source.value, type(error).__name__
        )
