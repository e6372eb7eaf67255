"""An agent session and its conversation, with the LLM that serves it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from domain.content import ContentPart, ImagePart
from domain.errors import InvalidCursor
from domain.llm import Role, Usage
from domain.tools import ToolCall


@dataclass(slots=True)
class AgentSession:
    """``llm_credential_id`` is None when the system default served the session."""

    id: UUID
    user_id: UUID
    title: str | None
    llm_provider: str
    llm_model: str
    llm_credential_id: UUID | None
    system_prompt: str | None
    created_at: datetime
    updated_at: datetime
    system_prompts: Mapping[str, str] = field(default_factory=dict)
    """Per provider (its name: ``openai``, ``anthropic`` ...); ``system_prompt`` is the fallback."""

    def system_prompt_for(self, provider: str) -> str | None:
        return self.system_prompts.get(provider, self.system_prompt)


@dataclass(slots=True)
class AgentMessage:
    """One turn. ``incomplete`` marks a reply cut short (client gone, provider dropped);
    ``truncated`` a reply cut at the reply cap (``MAX_REPLY_LENGTH``), the rest never read.

    A user turn with images holds its ``parts`` in order (text and images; ``content`` is its
    text joined); an assistant turn the ``tool_calls`` it made; a tool turn answers the call
    ``tool_call_id`` (of the tool ``tool_name``)."""

    id: UUID
    session_id: UUID
    role: Role
    content: str
    created_at: datetime
    usage: Usage | None = None
    cost_usd: Decimal | None = None
    incomplete: bool = False
    model: str | None = None
    truncated: bool = False
    parts: tuple[ContentPart, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    tool_name: str | None = None

    @property
    def images(self) -> tuple[ImagePart, ...]:
        return tuple(p for p in self.parts if isinstance(p, ImagePart))

    @property
    def image_bytes(self) -> int:
        """What its inline images weigh (an image by URL weighs nothing here)."""
        return sum(len(i.data or b"") for i in self.images)


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What the caller's tool returned for the call ``tool_call_id``."""

    tool_call_id: str
    content: str


@dataclass(frozen=True, slots=True)
class MessageCursor:
    """Where a page of a session's messages stops: the messages before this one (by time,
    then id). Clients see it as an opaque string."""

    created_at: datetime
    message_id: UUID

    @classmethod
    def before(cls, message: AgentMessage) -> MessageCursor:
        return cls(message.created_at, message.id)

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.message_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> MessageCursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            when, _, message_id = raw.partition("|")
            created_at = datetime.fromisoformat(when)
            if created_at.tzinfo is None:
                raise InvalidCursor()
            # In UTC, as the stores compare: a time at the calendar's edge overflows here,
            # not in a query.
            return cls(created_at.astimezone(UTC), UUID(message_id))
        except (binascii.Error, ValueError, OverflowError):
            raise InvalidCursor() from None


@dataclass(frozen=True, slots=True)
class SessionHead:
    """A session as a turn starts from it, read at one moment: its ``newest`` messages (newest
    first, at most the page asked for) and how many it ``held`` in all."""

    session: AgentSession
    newest: list[AgentMessage]
    held: int
