"""Send a message in an agent session; store the reply, whole or streamed, with usage and cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from uuid import UUID, uuid4

from application.llm._provider_call import ProviderCall
from application.llm._provider_failures import ProviderFailures
from application.llm._provider_stream import ProviderStream
from application.llm.resolve_llm import ResolvedLlm, ResolveLlm
from application.sessions._reply_calls import normalise_calls, session_call_ids
from application.sessions._session_llm import session_llm
from application.sessions._turn import (
    MAX_MESSAGE_IMAGE_BYTES,
    MAX_MESSAGE_LENGTH,
    MAX_SESSION_IMAGE_BYTES,
    Turn,
    check_session_images,
    conversation,
    make_turn,
    turn_messages,
)
from application.usage._meter import UsageMeter
from domain.agent_session import AgentMessage, AgentSession, ToolResult
from domain.content import ContentPart
from domain.conversation import check_conversation
from domain.errors import SessionNotFound
from domain.llm import CompletionRequest, Reply, Role, Usage
from domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from domain.provider import Provider
from domain.tools import OutputFormat, Tool, ToolChoice
from domain.usage import UsageSource

__all__ = [
    "MAX_MESSAGE_IMAGE_BYTES",
    "MAX_MESSAGE_LENGTH",
    "MAX_SESSION_IMAGE_BYTES",
    "ChatReply",
    "ReplyStream",
    "SendMessage",
]


@dataclass(frozen=True, slots=True)
class ChatReply:
    """The stored assistant message and the LLM that wrote it."""

    message: AgentMessage
    provider: Provider
    model: str
    credential_id: UUID | None


# ``async with send_message.stream(...) as reply: async for text in reply: ...``; afterwards
# ``reply.result`` is the stored reply (``reply.result.message.incomplete`` when cut short).
ReplyStream = ProviderStream[ChatReply]


@dataclass(frozen=True, slots=True)
class _Call:
    user_id: UUID
    session: AgentSession
    llm: ResolvedLlm
    request: CompletionRequest
    user_messages: tuple[AgentMessage, ...]
    call_ids: frozenset[str]
    """Call ids the session already holds: the reply's calls get fresh ones if they repeat."""


class SendMessage:
    """- the session is the caller's (another user's id is ``SessionNotFound``, like a missing one);
    - it runs on the LLM recorded at its start: its credential (a deleted one is never used
      again: ``SessionCredentialRevoked``), or the system default when it has none;
    - the whole conversation goes to the provider (tool calls, tool results and images
      included, its pairing checked by ``check_conversation`` before any provider call), the
      system prompt apart (the session's prompt for its provider, else its fallback; each
      adapter places it the way its provider expects), ``max_tokens`` defaulting to the
      model's catalog maximum; tools, tool choice and output format go with this turn only;
    - the user message (or tool results) and the reply (its text and tool calls) are stored
      together, with usage and catalog cost (null for a
      model the catalog does not price), and one usage record (source ``session``), for
      tool-call turns too;
    - a failure before any text arrived stores nothing (send again); provider failures are
      translated by ``ProviderFailures`` (rejected key flagged, 429, 504, 502)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        resolve: ResolveLlm,
        meter: UsageMeter,
        failures: ProviderFailures,
        ids: IdGenerator,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._resolve = resolve
        self._meter = meter
        self._ids = ids
        self._clock = clock
        self._provider = ProviderCall(failures, self._store)

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

        async def prepare() -> _Call:
            return await self._prepare(user_id, session_id, turn())

        return self._provider.stream(prepare)

    async def _prepare(self, user_id: UUID, session_id: UUID, turn: Turn) -> _Call:
        async with self._uow() as uow:
            session = await uow.sessions.get(user_id, session_id)
            if session is None:
                raise SessionNotFound()
            history = await uow.sessions.messages(user_id, session.id)
        now = self._clock.now()

        def new() -> AgentMessage:
            return AgentMessage(self._ids.new_id(), session.id, Role.USER, "", now)

        added = turn_messages(turn, history, new)
        check_session_images(history, added)
        messages = conversation([*history, *added])
        # Tool results answer the last reply's calls, all of them; a user message comes after
        # every call was answered. Checked before the LLM is resolved: nothing reaches a
        # provider.
        check_conversation(messages)
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
        return _Call(user_id, session, llm, request, added, session_call_ids(history))

    async def _store(self, call: _Call, answer: Reply, usage: Usage | None) -> ChatReply:
        """The reply is incomplete when the provider never said what it counted (cut short)."""
        choice = call.llm.choice
        session_id = call.session.id
        record = (
            None
            if usage is None
            else self._meter.record(
                call.user_id, choice, usage, source=UsageSource.SESSION, session_id=session_id
            )
        )
        now = self._clock.now()
        reply = AgentMessage(
            id=self._ids.new_id(),
            session_id=session_id,
            role=Role.ASSISTANT,
            # A provider may send NUL, which PostgreSQL text cannot hold: keep the rest.
            content=_no_nul(answer.text),
            created_at=now,
            usage=usage,
            cost_usd=None if record is None else record.cost_usd,
            incomplete=usage is None,
            model=choice.model,
            # A reply cut short may hold calls cut short too: none is kept (nothing would
            # answer them, and the conversation could not go on).
            tool_calls=normalise_calls(
                answer.tool_calls if usage is not None else (),
                call.call_ids,
                lambda: f"call_{uuid4().hex}",
            ),
        )
        async with self._uow() as uow:
            for message in call.user_messages:
                await uow.sessions.add_message(call.user_id, message)
            await uow.sessions.add_message(call.user_id, reply)
            session = await uow.sessions.get(call.user_id, session_id)
            if session is not None:
                session.updated_at = now
                await uow.sessions.save(session)
            if record is not None:
                await uow.usage.add(record)
            await uow.commit()
        return ChatReply(reply, choice.provider, choice.model, choice.credential_id)


def _no_nul(text: str) -> str:
    """A provider may send NUL, which PostgreSQL text cannot hold: keep the rest."""
    return text.replace("\x00", "\ufffd")
