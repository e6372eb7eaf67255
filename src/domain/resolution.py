"""What the LLM factory decided for a user, and why."""

from __future__ import annotations

from dataclasses import dataclass
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
class LlmChoice:
    """Which provider, model and credential serve a user (no key: safe to show and store)."""

    provider: Provider
    model: str
    credential_id: UUID | None
    reason: ResolutionReason
    base_url: str | None = None
