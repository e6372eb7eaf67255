"""Send a message in an agent session; store the reply, whole or streamed, with usage and cost."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from uuid import UUID

from application.budgets._spend_guard import Spend, SpendGuard
from application.llm._provider_call import ProviderCall
from application.llm._provider_failures import ProviderFailures
from application.llm._provider_stream import ProviderStream
from application.llm.resolve_llm import ResolveLlm
from application.sessions._history import (
    PAGE,
    SessionLimits,
    SessionReads,
    budget,
    read_history,
)
from application.sessions._reply_calls import capped_reply, session_call_ids
from application.sessions._send_call import ChatReply, SessionCall
from application.sessions._session_llm import session_llm
from application.sessions._turn import (
    MAX_MESSAGE_IMAGE_BYTES,
    MAX_MESSAGE_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_SESSION_IMAGE_BYTES,
    Turn,
    check_session_images,
    make_turn,
    turn_messages,
)
from application.usage._meter import UsageMeter
from domain.agent_session import AgentMessage, ToolResult
from domain.content import ContentPart
from domain.errors import SessionNotFound
from domain.llm import CompletionRequest, Reply, Role, Usage
from domain.ports import Clock, IdGenerator, SessionTurns, UnitOfWorkFactory
from domain.provider import Provider
from domain.tools import OutputFormat, Tool, ToolChoice
from domain.usage import UsageSource

__all__ = [
    "MAX_MESSAGE_IMAGE_BYTES",
    "MAX_MESSAGE_LENGTH",
    "MAX_REPLY_LENGTH",
    "MAX_SESSION_IMAGE_BYTES",
    "ChatReply",
    "ReplyStream",
    "SendMessage",
]


# ``async with send_message.stream(...) as reply: async for text in reply: ...``; afterwards
# ``reply.result`` is the stored reply (``reply.result.message.incomplete`` when cut short).
ReplyStream = ProviderStream[ChatReply]


class SendMessage:
    """- the session is the caller's (another user's id is ``SessionNotFound``, like a missing one);
    - it runs on the LLM recorded at its start: its credential (a deleted one is never used
      again: ``SessionCredentialRevoked``), or the system default when it has none;
    - a session holds at most ``limits.max_messages`` messages: the turn that would pass it
      is ``SessionFull``, before any provider call;
    - the conversation (tool calls, results and images included; pairing checked by
      ``check_conversation`` before any provider call) goes to the provider trimmed to the
      model's context window and ``limits.history_bytes`` by whole turns, oldest first
      (``domain.history.trim_history``; only the newest messages are read), the system prompt
      apart (the session's prompt for its provider, else its fallback), ``max_tokens``
      defaulting to the catalog's; tools, tool choice and output format: this turn only;
    - a reply is stored up to ``MAX_REPLY_LENGTH`` characters: a longer one is cut there and
      marked ``truncated`` (a stream stops reading the provider at the cap);
    - the user message (or tool results) and the reply (text and tool calls) are stored
      together, with usage and catalog cost (null for a model the catalog does not price),
      and one usage record (source ``session``; estimated from the text when the provider
      reported none), which settles what the call reserved (``SpendGuard``);
    - a failure before any text arrived stores nothing (send again); provider failures are
      translated by ``ProviderFailures`` (rejected key flagged, 429, 504, 502)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        turns: SessionTurns,
        resolve: ResolveLlm,
        meter: UsageMeter,
        failures: ProviderFailures,
        ids: IdGenerator,
        clock: Clock,
        limits: SessionLimits,
        guard: SpendGuard,
    ) -> None:
        self._uow = uow
        self._turns = turns
        self._resolve = resolve
        self._meter = meter
        self._ids = ids
        self._clock = clock
        self._limits = limits
        self._guard = guard
        self._provider = ProviderCall(
            failures, self._store, guard=guard, reply_cap=MAX_REPLY_LENGTH
        )

    async def execute(
        self,
        user_id: UUID,
        session_id: UUID,
        content: str | Sequence[ContentPart] = "",
        *,
        tool_results: Sequence[ToolResult] = (),
        tools: Sequence[Tool] = (),
        tool_choice: ToolChoice | None = None,
        output: OutputFormat | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatReply:
        """``content`` is the user's text, or its parts (text and images); or, instead of a
        user message, ``tool_results`` answer the calls of the last reply, all of them."""
        turn = make_turn(
            content,
            tool_results=tool_results,
            tools=tools,
            tool_choice=tool_choice,
            output=output,
            max_tokens=max_tokens,
            temperature=temperature,
        )
        call = await self._prepare(user_id, session_id, turn)
        _completion, reply = await self._provider.complete(call)
        return reply

    def stream(
        self,
        user_id: UUID,
        session_id: UUID,
        content: str | Sequence[ContentPart] = "",
        *,
        tool_results: Sequence[ToolResult] = (),
        tools: Sequence[Tool] = (),
        tool_choice: ToolChoice | None = None,
        output: OutputFormat | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ReplyStream:
        """Like ``execute``; nothing happens until the stream is started (``start``,
        ``async with``, iteration). The reply's tool calls are in ``result.message``."""
        turn = partial(
            make_turn,
            content,
            tool_results=tool_results,
            tools=tools,
            tool_choice=tool_choice,
            output=output,
            max_tokens=max_tokens,
            temperature=temperature,
        )

        async def prepare() -> SessionCall:
            return await self._prepare(user_id, session_id, turn())

        return self._provider.stream(prepare)

    async def _prepare(self, user_id: UUID, session_id: UUID, turn: Turn) -> SessionCall:
        head = await self._turns.head(user_id, session_id, limit=PAGE)
        if head is None:
            raise SessionNotFound()
        session = head.session
        provider, model = Provider(session.llm_provider), session.llm_model
        limit = budget(
            self._limits,
            self._meter.context_window(provider, model),
            turn.max_tokens or self._meter.max_output_tokens(provider, model),
            session.system_prompt_for(session.llm_provider),
            turn.tools,
        )
        reads = SessionReads(self._uow, user_id, session.id)
        history = await read_history(reads.older, head, limit)
        # Only a turn with images reads the whole session (its images' cap).
        stored = await reads.everything() if turn.parts else []
        now = self._clock.now()

        def new() -> AgentMessage:
            return AgentMessage(self._ids.new_id(), session.id, Role.USER, "", now)

        added = turn_messages(turn, history.messages, new)
        history.check_room(added, self._limits)
        check_session_images(stored, added)
        messages = history.sent(added)
        llm = await session_llm(self._resolve, user_id, session)
        choice = llm.choice
        request = CompletionRequest(
            model=choice.model,
            messages=messages,
            system=session.system_prompt_for(choice.provider.value),
            max_tokens=turn.max_tokens
            or self._meter.max_output_tokens(choice.provider, choice.model),
            temperature=turn.temperature,
            tools=turn.tools,
            tool_choice=turn.tool_choice,
            output=turn.output,
        )
        return SessionCall(
            user_id,
            session,
            llm,
            request,
            added,
            session_call_ids(history.messages),
        )

    async def _store(
        self, call: SessionCall, answer: Reply, usage: Usage | None, spend: Spend
    ) -> ChatReply:
        """The reply is incomplete when the provider never said what it counted (cut short);
        its usage row is then estimated from the text (``Spend``)."""
        choice = call.llm.choice
        session_id = call.session.id
        record = self._meter.record(
            call.user_id,
            choice,
            spend.usage,
            source=UsageSource.SESSION,
            session_id=session_id,
            estimated=spend.estimated,
        )
        now = self._clock.now()
        reply = capped_reply(
            answer,
            AgentMessage(
                self._ids.new_id(),
                session_id,
                Role.ASSISTANT,
                "",
                now,
                usage=usage,
                cost_usd=None if usage is None else record.cost_usd,
                incomplete=usage is None,
                model=choice.model,
            ),
            call.call_ids,
            MAX_REPLY_LENGTH,
        )
        messages = [*call.user_messages, reply]
        settlement = self._guard.settlement(spend.hold, record)
        await self._turns.add(call.user_id, session_id, messages, now, record, settlement)
        self._guard.settled(spend.hold, record)
        return ChatReply(reply, choice.provider, choice.model, choice.credential_id)
