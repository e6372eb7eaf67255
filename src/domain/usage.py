"""Token usage and cost records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID


class UsageSource(StrEnum):
    SESSION = "session"
    GATEWAY = "gateway"
    IN_PROCESS = "in-process"  # the in-process facade (``Byom.complete``), LangChain over it


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One provider call. ``cost_usd`` is None for models the catalog has no price for;
    ``estimated`` marks tokens counted from the text because the provider reported none;
    ``gateway_token_id`` is the gateway token that made the call, if one did."""

    id: UUID
    user_id: UUID
    provider: str
    model: str
    credential_id: UUID | None
    session_id: UUID | None
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    source: UsageSource
    created_at: datetime
    gateway_token_id: UUID | None = None
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class UsageTotal:
    provider: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class DailyUsage:
    day: date
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class SourceUsage:
    """The calls of one source (sessions, the gateway, the in-process facade)."""

    source: UsageSource
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """The calls one gateway token made; ``gateway_token_id`` None: calls made without one."""

    gateway_token_id: UUID | None
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


UsageCursor = tuple[datetime, UUID]
"""Where a page of calls ended: the last call's ``created_at`` and ``id``."""
