"""Relay an OpenAI-style chat completion to the caller's own provider, and record its usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from uuid import UUID

from application.gateway._routing import route
from application.llm._generation_limits import check_generation
from application.llm._provider_call import ProviderCall
from application.llm._provider_failures import ProviderFailures
from application.llm._provider_stream import ProviderStream
from application.llm.resolve_llm import ResolvedLlm, ResolveLlm
from application.usage._meter import UsageMeter
from domain.conversation import check_conversation
from domain.errors import InvalidMessage
from domain.llm import ChatMessage, Completion, CompletionRequest, Reply, Role, Sampling, Usage
from domain.ports import UnitOfWorkFactory
from domain.resolution import LlmChoice
from domain.tools import OutputFormat, Tool, ToolChoice, check_tools
from domain.usage import UsageSource


@dataclass(frozen=True, slots=True)
class Relayed:
    """What a relayed call kept: the LLM the factory chose, the usage the provider reported
    (None for a stream cut short: nothing recorded) and its cost."""

    choice: LlmChoice
    usage: Usage | None
    cost_usd: Decimal | None


RelayedStream = ProviderStream[Relayed]


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


class RelayCompletion:
    """- the model name picks the provider (``gateway._routing.route``); the LLM factory then
      picks the caller's credential for it (or their default, or the system default), so a
      token only ever reaches its owner's keys;
    - system turns become the request's system prompt (each adapter places it the way its
      provider expects); user and assistant turns keep their order;
    - every call that completes records a usage row (source ``gateway``, or the ``source``
      given: the in-process facade's) with its catalog cost;
    - provider failures are translated by ``ProviderFailures`` (a refused key is flagged)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        resolve: ResolveLlm,
        meter: UsageMeter,
        failures: ProviderFailures,
        *,
        source: UsageSource = UsageSource.GATEWAY,
    ) -> None:
        self._uow = uow
        self._source = source
        self._resolve = resolve
        self._meter = meter
        self._provider = ProviderCall(failures, self._record)

    async def execute(self, user_id: UUID, request: RelayRequest) -> RelayedCompletion:
        call = await self._prepare(user_id, request)
        completion, kept = await self._provider.complete(call)
        return RelayedCompletion(completion, call.llm.choice, kept.cost_usd)

    def stream(self, user_id: UUID, request: RelayRequest) -> RelayedStream:
        """Chunks as they come (see ``ProviderStream``); ``finish()`` records the usage the
        provider reported and returns it with its cost and the LLM chosen. A stream cut short
        reported none: nothing is recorded."""
        return self._provider.stream(partial(self._prepare, user_id, request))

    async def _prepare(self, user_id: UUID, request: RelayRequest) -> _Call:
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
        return _Call(user_id, llm, completion_request)

    async def _record(self, call: _Call, reply: Reply, usage: Usage | None) -> Relayed:
        if usage is None:
            return Relayed(call.llm.choice, None, None)
        record = self._meter.record(call.user_id, call.llm.choice, usage, source=self._source)
        async with self._uow() as uow:
            await uow.usage.add(record)
            await uow.commit()
        return Relayed(call.llm.choice, usage, record.cost_usd)
