"""What a caller sends in a session (a user message, or the results of the model's tool
calls), checked, and the conversation as the provider gets it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from application.llm._generation_limits import check_generation
from domain.agent_session import AgentMessage, ToolResult
from domain.content import ContentPart, ImagePart, TextPart, check_images
from domain.errors import InvalidMessage
from domain.llm import ChatMessage, Role
from domain.tools import OutputFormat, Tool, ToolChoice, check_tools

MAX_MESSAGE_LENGTH = 100_000
# A stored reply, in characters (text and tool-call arguments): the order of what a user may
# send, twice it since replies run longer. A reply past it is cut and marked truncated.
MAX_REPLY_LENGTH = 2 * MAX_MESSAGE_LENGTH
MiB = 1024 * 1024
# Inline image bytes (decoded) in one message, and stored in one session: every turn replays
# them all, and providers cap a request's size (Anthropic at 32 MB).
MAX_MESSAGE_IMAGE_BYTES = 20 * MiB
MAX_SESSION_IMAGE_BYTES = 40 * MiB


@dataclass(frozen=True, slots=True)
class Turn:
    """A user message (its text, and its parts in order when it has images) or tool
    results, with what the model may do."""

    text: str = ""
    parts: tuple[ContentPart, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    output: OutputFormat | None = None
    max_tokens: int | None = None
    temperature: float | None = None


def make_turn(
    content: str | Sequence[ContentPart],
    *,
    tool_results: Sequence[ToolResult] = (),
    tools: Sequence[Tool] = (),
    tool_choice: ToolChoice | None = None,
    output: OutputFormat | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
) -> Turn:
    """- either a user message (text, images, or both) or tool results, not both;
    - text at most ``MAX_MESSAGE_LENGTH`` characters, no NUL (PostgreSQL text cannot hold it);
    - at most ``MAX_IMAGES_PER_MESSAGE`` images (each already capped by ``image_from_url``),
      of at most ``MAX_MESSAGE_IMAGE_BYTES`` together;
    - tools, tool choice and output format as ``check_tools`` wants them."""
    parts: tuple[ContentPart, ...] = ()
    images: tuple[ImagePart, ...] = ()
    if isinstance(content, str):
        text = content
    else:
        text = "".join(p.text for p in content if isinstance(p, TextPart))
        images = tuple(p for p in content if isinstance(p, ImagePart))
        # Kept in order only when there are images: text alone is its joined text.
        parts = tuple(p for p in content if not isinstance(p, TextPart) or p.text) if images else ()
    results = tuple(tool_results)
    if results and (text.strip() or images):
        raise InvalidMessage("send either a user message or tool results, not both")
    if not results and not text.strip() and not images:
        raise InvalidMessage("the message is empty")
    _check_text(text, "the message")
    for result in results:
        _check_text(result.content, "a tool result")
        if not result.tool_call_id or len(result.tool_call_id) > 200:
            raise InvalidMessage("a tool result needs its tool_call_id (at most 200 characters)")
    check_images(images, "the message")
    if sum(len(i.data or b"") for i in images) > MAX_MESSAGE_IMAGE_BYTES:
        raise InvalidMessage(
            f"the message: its images are at most {MAX_MESSAGE_IMAGE_BYTES} bytes together"
        )
    check_tools(tuple(tools), tool_choice, output)
    check_generation(max_tokens, temperature)
    return Turn(text, parts, results, tuple(tools), tool_choice, output, max_tokens, temperature)


def _check_text(text: str, what: str) -> None:
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidMessage(f"{what} is too long (at most {MAX_MESSAGE_LENGTH} characters)")
    if "\x00" in text:
        # Refused before the provider is paid for a reply.
        raise InvalidMessage(f"{what} contains a NUL character")


def turn_messages(
    turn: Turn, history: list[AgentMessage], new: Callable[[], AgentMessage]
) -> tuple[AgentMessage, ...]:
    """The messages the turn stores (``new`` gives each its id, session and time): the user
    message, or one tool message per result, named after the call it answers."""
    if not turn.tool_results:
        return (replace(new(), role=Role.USER, content=turn.text, parts=turn.parts),)
    names = {call.id: call.name for m in history for call in m.tool_calls}
    return tuple(
        replace(
            new(),
            role=Role.TOOL,
            content=result.content,
            tool_call_id=result.tool_call_id,
            tool_name=names.get(result.tool_call_id),
        )
        for result in turn.tool_results
    )


def check_session_images(history: Sequence[AgentMessage], added: Sequence[AgentMessage]) -> None:
    """The session's stored images stay within ``MAX_SESSION_IMAGE_BYTES``: the turn that would
    pass it is refused (start a new session)."""
    if not any(m.images for m in added):
        return
    if sum(m.image_bytes for m in (*history, *added)) > MAX_SESSION_IMAGE_BYTES:
        raise InvalidMessage(
            f"the session's images would pass {MAX_SESSION_IMAGE_BYTES} bytes "
            f"({MAX_SESSION_IMAGE_BYTES // MiB} MiB) in all: start a new session"
        )


def conversation(messages: Sequence[AgentMessage]) -> tuple[ChatMessage, ...]:
    """Every stored turn as the provider gets it; an empty (cut-off) reply is left out:
    providers refuse empty turns."""
    return tuple(
        _chat(m)
        for m in messages
        if m.role is not Role.ASSISTANT or m.content.strip() or m.tool_calls
    )


def _chat(m: AgentMessage) -> ChatMessage:
    if m.role is Role.TOOL:
        return ChatMessage(Role.TOOL, m.content, tool_call_id=m.tool_call_id, name=m.tool_name)
    if m.parts:
        return ChatMessage(m.role, m.parts)
    return ChatMessage(m.role, m.content, tool_calls=m.tool_calls)
