"""BYOM for other modules of the same process: one typed object, no HTTP.

Built by ``entrypoints.bootstrap.build_byom(settings)``; close it with ``await byom.aclose()``
or use it as ``async with``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from application.gateway.relay_completion import (
    RelayCompletion,
    RelayedCompletion,
    RelayedStream,
    RelayRequest,
)
from application.llm.resolve_llm import ResolveLlm
from application.sessions.get_agent_session import GetAgentSession, SessionWithMessages
from application.sessions.list_agent_sessions import ListAgentSessions
from application.sessions.list_session_messages import PAGE_SIZE, ListSessionMessages, MessagePage
from application.sessions.send_message import ChatReply, ReplyStream, SendMessage
from application.sessions.start_agent_session import StartAgentSession
from application.usage.get_usage import GetUsage, UsageReport
from domain.agent_session import AgentSession, ToolResult
from domain.content import ContentPart
from domain.provider import Provider
from domain.resolution import LlmChoice
from domain.tools import OutputFormat, Tool, ToolChoice


class Byom:
    """- ``resolve_llm`` says which provider, model and credential would serve a user (no key
      is opened);
    - ``start_session`` records that choice on a new agent session;
    - ``start_session`` takes ``system_prompts`` per provider, ``system_prompt`` as the
      fallback;
    - ``chat`` sends a message (text, or ``TextPart`` and ``ImagePart`` parts, see
      ``domain.content.image_from_url``) with the ``tools``, ``tool_choice`` and ``output``
      format of this turn, or the ``tool_results`` of the last reply's calls, and returns the
      stored reply (its text or its ``tool_calls``) with usage and cost; ``stream`` yields the
      reply's text as it is written (see ``ProviderStream``), its calls are in
      ``result.message.tool_calls``;
    - ``complete`` / ``stream_completion`` answer a whole conversation statelessly (tools,
      tool turns, images, JSON output: a ``RelayRequest``); model ``default`` is the user's
      own default; usage is recorded with source ``in-process``;
    - errors are the domain errors of ``domain.errors`` (``NoLlmConfigured``,
      ``SessionNotFound``, ``CredentialRejected``, ``ProviderRateLimited`` ...)."""

    def __init__(
        self,
        *,
        resolve: ResolveLlm,
        start_session: StartAgentSession,
        send_message: SendMessage,
        get_session: GetAgentSession,
        list_sessions: ListAgentSessions,
        list_messages: ListSessionMessages,
        get_usage: GetUsage,
        complete: RelayCompletion,
        aclose: Callable[[], Awaitable[None]],
        open_: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._resolve = resolve
        self._start = start_session
        self._send = send_message
        self._get = get_session
        self._list = list_sessions
        self._messages = list_messages
        self._usage = get_usage
        self._complete = complete
        self._aclose = aclose
        self._open = open_

    async def resolve_llm(
        self,
        user_id: UUID,
        provider: str | Provider | None = None,
        model: str | None = None,
        *,
        credential_id: UUID | None = None,
    ) -> LlmChoice:
        return await self._resolve.explain(
            user_id, provider=provider, model=model, credential_id=credential_id
        )

    async def start_session(
        self,
        user_id: UUID,
        *,
        title: str | None = None,
        provider: str | Provider | None = None,
        model: str | None = None,
        credential_id: UUID | None = None,
        system_prompt: str | None = None,
        system_prompts: Mapping[str | Provider, str] | None = None,
    ) -> AgentSession:
        return await self._start.execute(
            user_id,
            title=title,
            provider=provider,
            model=model,
            credential_id=credential_id,
            system_prompt=system_prompt,
            system_prompts=system_prompts,
        )

    async def chat(
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
        return await self._send.execute(
            user_id,
            session_id,
            content,
            tool_results=tool_results,
            tools=tools,
            tool_choice=tool_choice,
            output=output,
            max_tokens=max_tokens,
            temperature=temperature,
        )

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
        """``async with byom.stream(...) as reply: async for text in reply: ...``; then
        ``reply.result`` is the stored reply (its message ``incomplete`` when the loop stopped
        early, its ``tool_calls`` the calls the model made)."""
        return self._send.stream(
            user_id,
            session_id,
            content,
            tool_results=tool_results,
            tools=tools,
            tool_choice=tool_choice,
            output=output,
            max_tokens=max_tokens,
            temperature=temperature,
        )

    async def complete(self, user_id: UUID, request: RelayRequest) -> RelayedCompletion:
        """One completion of ``request.messages``, nothing stored but its usage."""
        return await self._complete.execute(user_id, request)

    def stream_completion(self, user_id: UUID, request: RelayRequest) -> RelayedStream:
        """``async with byom.stream_completion(...) as reply: async for chunk in
        reply.chunks(): ...``; then ``reply.result`` holds the LLM chosen, the usage and its
        cost (see ``ProviderStream``)."""
        return self._complete.stream(user_id, request)

    async def session(self, user_id: UUID, session_id: UUID) -> SessionWithMessages:
        """The session and its latest page of messages; ``next`` pages back (``messages``)."""
        return await self._get.execute(user_id, session_id)

    async def messages(
        self, user_id: UUID, session_id: UUID, *, before: str | None = None, limit: int = PAGE_SIZE
    ) -> MessagePage:
        """The page of messages before the cursor ``before`` (the newest page when None)."""
        return await self._messages.execute(user_id, session_id, before=before, limit=limit)

    async def sessions(self, user_id: UUID) -> list[AgentSession]:
        return await self._list.execute(user_id)

    async def usage(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> UsageReport:
        """Totals per model, day, source and gateway token, for calls in [since, until)."""
        return await self._usage.execute(user_id, since=since, until=until)

    async def aclose(self) -> None:
        await self._aclose()

    async def __aenter__(self) -> Self:
        # Connects what the process shares with the service (the change feed: a key this
        # process flags is then dropped by every server at once; a KMS key's alias).
        if self._open is not None:
            await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
