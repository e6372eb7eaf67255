"""Send a message in an agent session; store the reply, whole or streamed, with usage and cost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from application.provider_failures import ProviderFailures
from application.resolve_llm import ResolvedLlm, ResolveLlm
from application.usage_meter import UsageMeter
from domain.agent_session import AgentMessage, AgentSession
from domain.errors import (
    CredentialNotFound,
    CredentialRevoked,
    DataKeyDestroyed,
    DomainError,
    InvalidMessage,
    NoLlmConfigured,
    ProviderError,
    SessionCredentialRevoked,
    SessionNotFound,
)
from domain.llm import ChatMessage, CompletionChunk, CompletionRequest, Role, Usage
from domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from domain.provider import Provider
from domain.usage import UsageSource

MAX_MESSAGE_LENGTH = 100_000
MAX_TEMPERATURE = 2.0

# Stores of replies whose caller went away: kept referenced until they are done (asyncio
# holds tasks weakly).
_FINISHING: set[asyncio.Task[Any]] = set()


@dataclass(frozen=True, slots=True)
class ChatReply:
    """The stored assistant message and the LLM that wrote it."""

    message: AgentMessage
    provider: Provider
    model: str
    credential_id: UUID | None

    @property
    def text(self) -> str:
        return self.message.content

    @property
    def usage(self) -> Usage | None:
        return self.message.usage

    @property
    def cost_usd(self) -> Decimal | None:
        return self.message.cost_usd

    @property
    def incomplete(self) -> bool:
        return self.message.incomplete


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
        self._failures = failures
        self._ids = ids
        self._clock = clock

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
        llm = call.llm
        try:
            completion = await llm.client.complete(
                llm.api_key, call.request, base_url=llm.choice.base_url
            )
        except ProviderError as exc:
            raise await self._failures.translate(user_id, llm.choice, exc) from exc
        return await self._store(call, completion.text, completion.usage, incomplete=False)

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
        return ReplyStream(self, user_id, session_id, content, max_tokens, temperature)

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
            history = await uow.sessions.messages(session.id)
        llm = await self._llm_for(user_id, session)
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

    async def _llm_for(self, user_id: UUID, session: AgentSession) -> ResolvedLlm:
        if session.llm_credential_id is not None:
            try:
                return await self._resolve.execute(
                    user_id, credential_id=session.llm_credential_id, model=session.llm_model
                )
            except (CredentialRevoked, CredentialNotFound, DataKeyDestroyed) as exc:
                raise SessionCredentialRevoked() from exc
        llm = self._resolve.system_default(session.llm_model)
        if llm.choice.provider.value != session.llm_provider:
            raise NoLlmConfigured(
                "the system default LLM this session was started on has changed; "
                "start a new session"
            )
        return llm

    async def _store(
        self, call: _Call, text: str, usage: Usage | None, *, incomplete: bool
    ) -> ChatReply:
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
            content=text,
            created_at=now,
            usage=usage,
            cost_usd=None if record is None else record.cost_usd,
            incomplete=incomplete,
            model=choice.model,
        )
        async with self._uow() as uow:
            await uow.sessions.add_message(call.user_message)
            await uow.sessions.add_message(reply)
            session = await uow.sessions.get(call.user_id, session_id)
            if session is not None:
                session.updated_at = now
                await uow.sessions.save(session)
            if record is not None:
                await uow.usage.add(record)
            await uow.commit()
        return ChatReply(reply, choice.provider, choice.model, choice.credential_id)


class ReplyStream:
    """A reply streamed as the model writes it.

    - ``start()`` (also run by ``async with`` and by the first iteration) loads the session,
      opens the key and asks the provider; a failure before any text arrived is raised there,
      translated like ``SendMessage.execute``, and nothing is stored;
    - iterating yields text deltas; a provider failure mid-reply is translated, kept in
      ``error`` and raised;
    - ``finish()`` stores the user message and the reply, once: whole, with usage and cost, when
      the provider finished; otherwise what arrived, marked ``incomplete`` (the consumer stopped
      early or was cancelled, the provider dropped). Leaving ``async with`` calls it. It runs in
      a task of its own, so a caller cancelled while it stores cannot lose the reply."""

    def __init__(
        self,
        owner: SendMessage,
        user_id: UUID,
        session_id: UUID,
        content: str,
        max_tokens: int | None,
        temperature: float | None,
    ) -> None:
        self._owner = owner
        self._args = (user_id, session_id, content, max_tokens, temperature)
        self.error: DomainError | None = None
        self.reply: ChatReply | None = None
        self._started = False
        self._call: _Call | None = None
        self._chunks: AsyncIterator[CompletionChunk] | None = None
        self._first: CompletionChunk | None = None
        self._parts: list[str] = []
        self._usage: Usage | None = None
        self._complete = False
        self._exhausted = False
        self._finishing: asyncio.Task[ChatReply | None] | None = None

    @property
    def text(self) -> str:
        """What arrived so far."""
        return "".join(self._parts)

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        call = await self._owner._prepare(*self._args)
        llm = call.llm
        chunks = llm.client.stream(llm.api_key, call.request, base_url=llm.choice.base_url)
        try:
            first: CompletionChunk | None = await anext(chunks)
        except StopAsyncIteration:
            first = None
        except ProviderError as exc:
            await _close(chunks)
            raise await self._owner._failures.translate(call.user_id, llm.choice, exc) from exc
        self._call, self._chunks, self._first = call, chunks, first
        self._exhausted = first is None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        await self.start()
        while True:
            chunk = await self._next_chunk()
            if chunk.usage is not None:
                self._usage = chunk.usage
            if chunk.is_final:
                self._complete = True
            if chunk.delta:
                self._parts.append(chunk.delta)
                return chunk.delta

    async def _next_chunk(self) -> CompletionChunk:
        if self._first is not None:
            chunk, self._first = self._first, None
            return chunk
        if self._exhausted or self._chunks is None or self._finishing is not None:
            raise StopAsyncIteration
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            self._exhausted = True
            raise
        except ProviderError as exc:
            self._exhausted = True
            call = self._call
            if call is None:  # pragma: no cover - _chunks is only set together with _call
                raise
            self.error = await self._owner._failures.translate(call.user_id, call.llm.choice, exc)
            raise self.error from exc

    async def finish(self) -> ChatReply | None:
        """The stored reply; None when the provider was never reached (nothing to store)."""
        if self._finishing is None:
            task = asyncio.ensure_future(self._store())
            _FINISHING.add(task)
            task.add_done_callback(_FINISHING.discard)
            self._finishing = task
        return await asyncio.shield(self._finishing)

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

    async def _store(self) -> ChatReply | None:
        if self._chunks is not None:
            await _close(self._chunks)
        call = self._call
        if call is None:
            return None
        usage = self._usage if self._complete else None
        self.reply = await self._owner._store(call, self.text, usage, incomplete=not self._complete)
        return self.reply


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
    if max_tokens is not None and max_tokens < 1:
        raise InvalidMessage("max_tokens must be at least 1")
    if temperature is not None and not 0 <= temperature <= MAX_TEMPERATURE:
        raise InvalidMessage(f"temperature must be between 0 and {MAX_TEMPERATURE}")


async def _close(chunks: AsyncIterator[CompletionChunk]) -> None:
    if isinstance(chunks, AsyncGenerator):
        try:
            await chunks.aclose()
        except RuntimeError:
            # Still running in the task that was cancelled: it is finishing on its own.
            return
