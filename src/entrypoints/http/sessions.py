"""Agent sessions and their messages (JSON, or SSE with ``Accept: text/event-stream``).

Every query is scoped to the caller: another user's session id is a 404, like a missing one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Stream

from application.sessions.get_agent_session import GetAgentSession
from application.sessions.list_agent_sessions import ListAgentSessions
from application.sessions.send_message import (
    MAX_MESSAGE_LENGTH,
    ChatReply,
    ReplyStream,
    SendMessage,
)
from application.sessions.start_agent_session import (
    MAX_SYSTEM_PROMPT_LENGTH,
    MAX_TITLE_LENGTH,
    StartAgentSession,
)
from domain.agent_session import AgentMessage, AgentSession
from domain.errors import DomainError
from domain.llm import Usage
from domain.user import User
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.errors import from_domain_error
from entrypoints.http.money import usd_or_none
from entrypoints.http.openapi import problem_responses

EVENT_STREAM = "text/event-stream"
# A long conversation turn is larger than the app-wide body limit meant for small JSON bodies.
CHAT_BODY_LIMIT = 4 * MAX_MESSAGE_LENGTH + 4096

Title = Annotated[str, msgspec.Meta(max_length=MAX_TITLE_LENGTH)]
SystemPrompt = Annotated[str, msgspec.Meta(max_length=MAX_SYSTEM_PROMPT_LENGTH)]
ProviderName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ModelName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Content = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE_LENGTH)]
MaxTokens = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Temperature = Annotated[float, msgspec.Meta(ge=0.0, le=2.0)]


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    provider: ProviderName | None = None
    model: ModelName | None = None
    credential_id: UUID | None = None
    system_prompt: SystemPrompt | None = None


class MessageCreate(msgspec.Struct, forbid_unknown_fields=True):
    content: Content
    max_tokens: MaxTokens | None = None
    temperature: Temperature | None = None


class UsageOut(msgspec.Struct):
    input_tokens: int
    output_tokens: int

    @classmethod
    def of(cls, usage: Usage | None) -> UsageOut | None:
        return None if usage is None else cls(usage.input_tokens, usage.output_tokens)


class MessageOut(msgspec.Struct):
    id: UUID
    role: str
    content: str
    created_at: datetime
    model: str | None
    usage: UsageOut | None
    cost_usd: str | None
    incomplete: bool

    @classmethod
    def of(cls, m: AgentMessage) -> MessageOut:
        return cls(
            m.id,
            m.role.value,
            m.content,
            m.created_at,
            m.model,
            UsageOut.of(m.usage),
            usd_or_none(m.cost_usd),
            m.incomplete,
        )


class SessionOut(msgspec.Struct):
    id: UUID
    title: str | None
    llm_provider: str
    llm_model: str
    llm_credential_id: UUID | None
    system_prompt: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: AgentSession) -> SessionOut:
        return cls(
            s.id,
            s.title,
            s.llm_provider,
            s.llm_model,
            s.llm_credential_id,
            s.system_prompt,
            s.created_at,
            s.updated_at,
        )


class SessionDetailOut(SessionOut):
    messages: list[MessageOut] = msgspec.field(default_factory=list)


class DeltaEvent(msgspec.Struct):
    text: str


class DoneEvent(msgspec.Struct):
    message_id: UUID
    provider: str
    model: str
    usage: UsageOut | None
    cost_usd: str | None
    incomplete: bool

    @classmethod
    def of(cls, reply: ChatReply) -> DoneEvent:
        return cls(
            reply.message.id,
            reply.provider.value,
            reply.model,
            UsageOut.of(reply.usage),
            usd_or_none(reply.cost_usd),
            reply.incomplete,
        )


class AgentSessionController(Controller):
    path = "/api/v1/agent-sessions"
    tags = ["Agent sessions"]
    dependencies = {
        **CURRENT_USER,
        **use_cases(
            "start_agent_session", "list_agent_sessions", "get_agent_session", "send_message"
        ),
    }

    @post(
        "/",
        operation_id="StartAgentSession",
        summary="Start a session on the LLM the factory picks (null credential = system default)",
        responses=problem_responses(404, 409, 422),
        request_max_body_size=CHAT_BODY_LIMIT,
    )
    async def start(
        self,
        data: JSONBody[SessionCreate],
        user_id: NamedDependency[UUID],
        start_agent_session: NamedDependency[StartAgentSession],
    ) -> SessionOut:
        session = await start_agent_session.execute(
            user_id,
            title=data.title,
            provider=data.provider,
            model=data.model,
            credential_id=data.credential_id,
            system_prompt=data.system_prompt,
        )
        return SessionOut.of(session)

    @get("/", operation_id="ListAgentSessions", summary="The caller's sessions, newest first")
    async def list(
        self,
        user_id: NamedDependency[UUID],
        list_agent_sessions: NamedDependency[ListAgentSessions],
    ) -> list[SessionOut]:
        return [SessionOut.of(s) for s in await list_agent_sessions.execute(user_id)]

    @get(
        "/{session_id:uuid}",
        operation_id="GetAgentSession",
        summary="One session with its messages, oldest first",
        responses=problem_responses(404),
    )
    async def get(
        self,
        session_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        get_agent_session: NamedDependency[GetAgentSession],
    ) -> SessionDetailOut:
        found = await get_agent_session.execute(user_id, session_id)
        s = found.session
        return SessionDetailOut(
            **msgspec.structs.asdict(SessionOut.of(s)),
            messages=[MessageOut.of(m) for m in found.messages],
        )

    @post(
        "/{session_id:uuid}/messages",
        operation_id="SendMessage",
        summary="Send a message; the reply as JSON, or as SSE with Accept: text/event-stream",
        description=(
            "With `Accept: text/event-stream` the reply streams as server-sent events: "
            '`event: delta` with `{"text": ...}`, then exactly one `event: done` with '
            "`message_id`, `usage`, `cost_usd` and `incomplete`. If the provider fails "
            "mid-reply, an `event: error` carrying a problem body comes before `done`, and "
            "what arrived is stored with `incomplete: true`."
        ),
        status_code=200,
        responses=problem_responses(404, 409, 422, 424, 429, 502, 504),
        request_max_body_size=CHAT_BODY_LIMIT,
    )
    async def send(
        self,
        session_id: FromPath[UUID],
        data: JSONBody[MessageCreate],
        user_id: NamedDependency[UUID],
        send_message: NamedDependency[SendMessage],
        request: Request[User, Any, Any],
    ) -> MessageOut | Stream:
        if EVENT_STREAM not in request.headers.get("accept", ""):
            reply = await send_message.execute(
                user_id,
                session_id,
                data.content,
                max_tokens=data.max_tokens,
                temperature=data.temperature,
            )
            return MessageOut.of(reply.message)
        stream = send_message.stream(
            user_id,
            session_id,
            data.content,
            max_tokens=data.max_tokens,
            temperature=data.temperature,
        )
        # Failures before the first byte answer with their own status, not an SSE error.
        await stream.start()
        return Stream(
            server_sent_events(stream, request.url.path),
            # Set as a header: the route's JSON media type would win over ``media_type``.
            headers={
                "content-type": EVENT_STREAM,
                "cache-control": "no-store",
                "x-accel-buffering": "no",
            },
            # Runs after the response even when the client left mid-reply.
            background=BackgroundTask(stream.aclose),
        )


async def server_sent_events(stream: ReplyStream, path: str) -> AsyncIterator[bytes]:
    """``delta`` events, then ``error`` if the provider failed mid-reply, then one ``done``."""
    try:
        failure: DomainError | None = None
        try:
            async for text in stream:
                yield sse("delta", DeltaEvent(text))
        except DomainError as exc:
            failure = exc
        try:
            reply = await stream.finish()
        except DomainError as exc:
            # Storing the reply failed (database down) after the headers were sent: say so in
            # the stream, the only place left to say it.
            failure, reply = failure or exc, None
        if failure is not None:
            yield sse("error", problem_body(failure, path))
        if reply is not None:
            yield sse("done", DoneEvent.of(reply))
    finally:
        # The client went away mid-reply: what arrived is stored, marked incomplete.
        with contextlib.suppress(DomainError):
            await stream.finish()


def sse(event: str, data: object) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + msgspec.json.encode(data) + b"\n\n"


def problem_body(error: DomainError, path: str) -> dict[str, Any]:
    problem = from_domain_error(error)
    body: dict[str, Any] = {
        "type": problem.type_,
        "title": problem.title,
        "status": problem.status_code,
        "detail": problem.detail,
        "instance": path,
    }
    if isinstance(problem.extra, dict):
        body.update(problem.extra)
    return body
