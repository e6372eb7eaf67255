"""How much of a conversation goes to the provider: the newest whole turns that fit the
model's context window, with a byte budget as a backstop."""

from __future__ import annotations

import json
from collections.abc import Sequence

from domain.content import ImagePart
from domain.errors import HistoryTooLarge
from domain.llm import ChatMessage, Role
from domain.tools import Tool

# A rough, provider-neutral token estimate: about 4 bytes of UTF-8 per token for English text
# and JSON (OpenAI's and Anthropic's rule of thumb). It only has to keep a request under the
# context window, not match the provider's count: the budget leaves the reply's room aside.
BYTES_PER_TOKEN = 4
# What an image costs whatever its size: providers scale images down to about this many
# tokens (Anthropic ~1,600 for a full-size image, OpenAI's high detail about as much).
IMAGE_TOKENS = 1_600
# Each message's framing (role, separators) in the provider's count.
MESSAGE_TOKENS = 4


def text_bytes(message: ChatMessage) -> int:
    """The UTF-8 bytes of what a message says: its text, its calls' names and arguments, the
    tool it answers. Images are not counted here (they have caps of their own)."""
    size = len(message.text.encode())
    for call in message.tool_calls:
        size += len(call.id.encode()) + len(call.name.encode()) + len(call.arguments.encode())
    if message.tool_call_id:
        size += len(message.tool_call_id.encode()) + len((message.name or "").encode())
    return size


def estimated_tokens(message: ChatMessage) -> int:
    images = sum(isinstance(p, ImagePart) for p in message.parts)
    return -(-text_bytes(message) // BYTES_PER_TOKEN) + images * IMAGE_TOKENS + MESSAGE_TOKENS


def prompt_tokens(system: str | None, tools: Sequence[Tool]) -> int:
    """What the system prompt and the tools' schemas take from the context window."""
    size = len((system or "").encode())
    for tool in tools:
        schema = json.dumps(tool.parameters, ensure_ascii=False, separators=(",", ":"))
        size += len(tool.name) + len((tool.description or "").encode()) + len(schema.encode())
    return -(-size // BYTES_PER_TOKEN)


def from_first_turn(messages: Sequence[ChatMessage]) -> tuple[ChatMessage, ...]:
    """The messages from the first user message on: a history read from its newest end may
    start inside a turn (a reply, tool results), which no provider accepts without the turn's
    start."""
    for i, message in enumerate(messages):
        if message.role is Role.USER:
            return tuple(messages[i:])
    return ()


def trim_history(
    messages: Sequence[ChatMessage], *, max_tokens: int | None, max_bytes: int
) -> tuple[ChatMessage, ...]:
    """- the conversation is cut into turns, each from a user message up to the next one (its
      replies, tool calls and their results): a turn is kept or dropped whole, so a tool call
      never goes without its results nor a result without its call, and what is sent starts
      with a user message, as every provider wants;
    - the oldest turns are dropped first, until the rest fits ``max_tokens`` (estimated, see
      ``BYTES_PER_TOKEN``; None when the model's context window is unknown) and ``max_bytes``
      of text (``text_bytes``);
    - the newest turn (the message being sent) is always kept: when even it does not fit,
      ``HistoryTooLarge``. The system prompt is not part of ``messages``: it always goes."""
    turns: list[list[ChatMessage]] = []
    for message in messages:
        if message.role is Role.USER or not turns:
            turns.append([])
        turns[-1].append(message)
    kept: list[list[ChatMessage]] = []
    tokens = size = 0
    for turn in reversed(turns):
        tokens += sum(estimated_tokens(m) for m in turn)
        size += sum(text_bytes(m) for m in turn)
        if (max_tokens is not None and tokens > max_tokens) or size > max_bytes:
            break
        kept.append(turn)
    if not kept:
        raise HistoryTooLarge(
            "the message (with the tool calls and results of its turn) is too long for the "
            "model's context window: send a shorter one, or start a new session"
        )
    return tuple(m for turn in reversed(kept) for m in turn)
