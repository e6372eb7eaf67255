"""Agent sessions and their messages (JSON, or SSE with ``Accept: text/event-stream``).

Every query is scoped to the caller: another user's session id is a 404, like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from application.sessions.get_agent_session import GetAgentSession
from application.sessions.list_agent_sessions import ListAgentSessions
from application.sessions.list_session_messages import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    ListSessionMessages,
)
from application.sessions.send_message import (
    MAX_MESSAGE_IMAGE_BYTES,
    MAX_MESSAGE_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_SESSION_IMAGE_BYTES,
    SendMessage,
)
from application.sessions.start_agent_session import StartAgentSession
from domain.content import MAX_IMAGE_BYTES, MAX_IMAGES_PER_MESSAGE
from domain.user import User
from entrypoints.http.deps import CURRENT_USER, draining_of, use_cases
from entrypoints.http.lean_stream import LeanStream
from entrypoints.http.openapi import json_or_event_stream, problem_responses
from entrypoints.http.sessions.events import EVENT_STREAM, event_stream
from entrypoints.http.sessions.wire import (
    MessageCreate,
    MessageOut,
    MessagePageOut,
    SessionCreate,
    SessionDetailOut,
    SessionOut,
    turn_of,
)
from entrypoints.http.sessions.wire_tools import EXTRA_BODY_BYTES

# A long conversation turn is larger than the app-wide body limit meant for small JSON bodies.
CHAT_BODY_LIMIT = 4 * MAX_MESSAGE_LENGTH + 4096
# A message may also carry images (each capped by MAX_IMAGE_BYTES, at most
# MAX_IMAGES_PER_MESSAGE of them, MAX_MESSAGE_IMAGE_BYTES together) and tools.
SEND_BODY_LIMIT = CHAT_BODY_LIMIT + EXTRA_BODY_BYTES
REPLY_OPERATION = json_or_event_stream(
    "With `Accept: text/event-stream`: `delta` events, then `error`, `tool_call` events and "
    "`done` (each `event: <name>` and one JSON `data:` line)."
)


class AgentSessionController(Controller):
    path = "/api/v1/agent-sessions"
    tags = ["Agent sessions"]
    dependencies = {
        **CURRENT_USER,
        **use_cases(
            "start_agent_session",
            "list_agent_sessions",
            "get_agent_session",
            "list_session_messages",
            "send_message",
        ),
    }

    @post(
        "/",
        operation_id="StartAgentSession",
        summary="Start a session on the LLM the factory picks (null credential = system default)",
        responses=problem_responses(403, 404, 409, 422),
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
            system_prompts=dict(data.system_prompts or {}),
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
        "/{session_id:uuid}/messages",
        operation_id="ListSessionMessages",
        summary="A page of a session's messages: the newest page first, oldest first within it",
        description="`next` is the cursor of the page before (older); null on the oldest page.",
        responses=problem_responses(400, 404, 422),
    )
    async def messages(
        self,
        session_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        list_session_messages: NamedDependency[ListSessionMessages],
        before: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
    ) -> MessagePageOut:
        page = await list_session_messages.execute(user_id, session_id, before=before, limit=limit)
        return MessagePageOut([MessageOut.of(m) for m in page.messages], page.next)

    @get(
        "/{session_id:uuid}",
        operation_id="GetAgentSession",
        summary="One session with its latest page of messages (oldest first) and `next`",
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
            next=found.next,
        )

    @post(
        "/{session_id:uuid}/messages",
        operation_id="SendMessage",
        summary="Send a message; the reply as JSON, or as SSE with Accept: text/event-stream",
        description=(
            "A user message (`content`: text, or parts `{type: text, text}` and "
            "`{type: image, url: https://... or data:image/...;base64,...}`; at most "
            f"{MAX_IMAGES_PER_MESSAGE} images of {MAX_IMAGE_BYTES} bytes each, "
            f"{MAX_MESSAGE_IMAGE_BYTES} bytes together; a session stores at most "
            f"{MAX_SESSION_IMAGE_BYTES} bytes of images: the turn that would pass it is a 422; "
            f"the body is at most {SEND_BODY_LIMIT} bytes, else 413), with `tools`, "
            "`tool_choice` and `output_format` for this turn; or the results of the last "
            "reply's tool calls (`tool_results: [{tool_call_id, content}]`, all of them, or one "
            "as `role: tool`). The reply is the assistant's text or its `tool_calls`. "
            "With `Accept: text/event-stream` the reply streams as server-sent events: "
            '`event: delta` with `{"text": ...}`, then one `event: tool_call` per call the '
            "reply made (`{id, name, arguments}`, whole, once the stream ended), then exactly "
            "one `event: done` with `message_id`, `usage`, `cost_usd`, `incomplete`, "
            "`truncated` and `message` (the stored reply with its calls). A reply is stored up "
            f"to {MAX_REPLY_LENGTH} characters: a longer one is cut there (the provider is not "
            "read further) and marked `truncated`. The history sent upstream is trimmed to the "
            "model's context window by whole turns, oldest first; a turn that cannot fit even "
            "alone is a 422 `history-too-large`, and a full session a 409 `session-full`. "
            "If the provider fails mid-reply, an "
            "`event: error` carrying a problem body comes before `done`, and what arrived is "
            "stored with `incomplete: true` (without tool calls)."
        ),
        status_code=200,
        operation_class=REPLY_OPERATION,
        responses=problem_responses(400, 403, 404, 409, 422, 424, 429, 502, 504),
        request_max_body_size=SEND_BODY_LIMIT,
    )
    async def send(
        self,
        session_id: FromPath[UUID],
        data: JSONBody[MessageCreate],
        send_message: NamedDependency[SendMessage],
        request: Request[User, Any, Any],
    ) -> MessageOut | LeanStream:
        # The user from the request, not as a second dependency: Litestar resolves two or more
        # in an anyio task group per request (about 50 µs of a chat turn's CPU).
        user_id = request.user.id
        content, turn = turn_of(data)
        if EVENT_STREAM in request.headers.get("accept", ""):
            stream = send_message.stream(user_id, session_id, content, **turn)
            draining = draining_of(request.app.state)
            return await event_stream(stream, request.url.path, draining)
        reply = await send_message.execute(user_id, session_id, content, **turn)
        return MessageOut.of(reply.message)
