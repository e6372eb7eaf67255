"""What the LLM factory decided for a user, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.api_key import ApiKey
from domain.provider import Provider


class ResolutionReason(StrEnum):
    EXPLICIT_CREDENTIAL = "explicit_credential"
    PROVIDER_CREDENTIAL = "provider_credential"
    USER_DEFAULT = "user_default"
    SYSTEM_DEFAULT = "system_default"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SystemDefault:
    """The operator's fallback LLM for users without a credential of their own."""

    provider: Provider
    model: str | None
    api_key: ApiKey | None
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class ExpiredKey:
    """A credential the factory passed over because its ``expires_at`` is past."""

    credential_id: UUID
    provider: Provider
    key_hint: str
    expires_at: datetime
    was_default: bool

    @property
    def note(self) -> str:
        which = "default key" if self.was_default else "key"
        when = self.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"your {self.provider.label} {which} …{self.key_hint} expired at {when}"


@dataclass(frozen=True, slots=True)
class LlmChoice:
    """Which provider, model and credential serve a user (no key: safe to show and store)."""

    provider: Provider
    model: str
    credential_id: UUID | None
    reason: ResolutionReason
    base_url: str | None = None
    expired: ExpiredKey | None = None
    """The user's key this choice stands in for, passed over because it expired."""
