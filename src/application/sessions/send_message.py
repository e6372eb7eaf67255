"""Send a message in an agent session; store the reply, whole or streamed, with usage and cost."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from uuid import UUID

from application.llm._generation_limits import check_generation
from application.llm._provider_call import ProviderCall
from application.llm._provider_failures import ProviderFailures
from application.llm._provider_stream import ProviderStream
from application.llm.resolve_llm import ResolvedLlm, ResolveLlm
from application.sessions._session_llm import session_llm
from application.usage._meter import UsageMeter
from domain.agent_session import AgentMessage, AgentSession
from domain.errors import InvalidMessage, SessionNotFound
from domain.llm import ChatMessage, CompletionRequest, Reply, Role, Usage
from domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from domain.provider import Provider
from domain.usage import UsageSource

MAX_MESSAGE_LENGTH = 100_000


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
    user_message: AgentMessage


class SendMessage:
    """- the session is the caller's (another user's id is ``SessionNotFound``, like a missing one);
    - it runs on the LLM recorded at its start: its credential (a deleted one is never used
      again: ``SessionCredentialRevoked``), or the system default when it has none;
    - the whole conversation goes to the provider, the system prompt apart (each adapter places
      it the way its provider expects), ``max_tokens`` defaulting to the model's catalog maximum;
    - the user message and the reply are stored together, with usage and catalog cost (null for
      a model the catalog does not price), and one usage record (source ``session``);
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
        content: str,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatReply:
        call = await self._prepare(user_id, session_id, content, max_tokens, temperature)
        _completion, reply = await self._provider.complete(call)
        return reply

    def stream(
        self,
        user_id: UUID,
        session_id: UUID,
        content: str,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ReplyStream:
        """Nothing happens until the stream is started (``start``, ``async with``, iteration)."""
        return self._provider.stream(
            partial(self._prepare, user_id, session_id, content, max_tokens, temperature)
        )

    async def _prepare(
        self,
        user_id: UUID,
        session_id: UUID,
        content: str,
        max_tokens: int | None,
        temperature: float | None,
    ) -> _Call:
        _check_input(content, max_tokens, temperature)
        async with self._uow() as uow:
            session = await uow.sessions.get(user_id, session_id)
            if session is None:
                raise SessionNotFound()
            history = await uow.sessions.messages(user_id, session.id)
        llm = await session_llm(self._resolve, user_id, session)
        choice = llm.choice
        request = CompletionRequest(
            model=choice.model,
            messages=(*_conversation(history), ChatMessage(Role.USER, content)),
            system=session.system_prompt,
            max_tokens=max_tokens or self._meter.max_output_tokens(choice.provider, choice.model),
            temperature=temperature,
        )
        user_message = AgentMessage(
            id=self._ids.new_id(),
            session_id=session.id,
            role=Role.USER,
            content=content,
            created_at=self._clock.now(),
        )
        return _Call(user_id, session, llm, request, user_message)

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
            content=answer.text.replace("\x00", "\ufffd"),
            created_at=now,
            usage=usage,
            cost_usd=None if record is None else record.cost_usd,
            incomplete=usage is None,
            model=choice.model,
        )
        async with self._uow() as uow:
            await uow.sessions.add_message(call.user_id, call.user_message)
            await uow.sessions.add_message(call.user_id, reply)
            session = await uow.sessions.get(call.user_id, session_id)
            if session is not None:
                session.updated_at = now
                await uow.sessions.save(session)
            if record is not None:
                await uow.usage.add(record)
            await uow.commit()
        return ChatReply(reply, choice.provider, choice.model, choice.credential_id)


def _conversation(history: list[AgentMessage]) -> tuple[ChatMessage, ...]:
    # An empty (cut-off) reply is left out: providers refuse empty turns.
    return tuple(
        ChatMessage(m.role, m.content)
        for m in history
        if m.role in (Role.USER, Role.ASSISTANT) and m.content.strip()
    )


def _check_input(content: str, max_tokens: int | None, temperature: float | None) -> None:
    if not content.strip():
        raise InvalidMessage("the message is empty")
    if len(content) > MAX_MESSAGE_LENGTH:
        raise InvalidMessage(f"the message is too long (at most {MAX_MESSAGE_LENGTH} characters)")
    if "\x00" in content:
        # PostgreSQL text cannot hold it: refused before the provider is paid for a reply.
        raise InvalidMessage("the message contains a NUL character")
    check_generation(max_tokens, temperature)
