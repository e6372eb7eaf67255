"""An agent session and its conversation, with the LLM that serves it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.llm import Role, Usage


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


@dataclass(slots=True)
class AgentMessage:
    """One turn. ``incomplete`` marks a reply cut short (client gone, provider dropped)."""

    id: UUID
    session_id: UUID
    role: Role
    content: str
    created_at: datetime
    usage: Usage | None = None
    cost_usd: Decimal | None = None
    incomplete: bool = False
    model: str | None = None
