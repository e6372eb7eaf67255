"""What the LLM factory decided for a user, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.api_key import ApiKey
from domain.errors import ModelNotAllowed
from domain.model_name import split_provider_prefix
from domain.provider import Provider


class ResolutionReason(StrEnum):
    EXPLICIT_CREDENTIAL = "explicit_credential"
    PROVIDER_CREDENTIAL = "provider_credential"
    USER_DEFAULT = "user_default"
    SYSTEM_DEFAULT = "system_default"
    NONE = "none"


class Payer(StrEnum):
    """Whose key a call goes out on, and so who pays for it."""

    USER = "user"
    PLATFORM = "platform"


@dataclass(frozen=True, slots=True)
class SystemDefault:
    """The operator's fallback LLM for users without a credential of their own. The platform's
    key serves ``model`` and the other ``models`` the operator allows, nothing else."""

    provider: Provider
    model: str
    api_key: ApiKey | None
    base_url: str | None = None
    models: tuple[str, ...] = ()
    """The allow-list as configured (``model`` among them); empty means ``model`` alone."""

    @property
    def allowed(self) -> tuple[str, ...]:
        return self.models or (self.model,)

    def admit(self, requested: str | None) -> str:
        """The allow-listed spelling of ``requested`` (None: ``model``), else ``ModelNotAllowed``.

        Names compare as the gateway routes them, case aside: ``openai/gpt-4o-mini`` and
        ``GPT-4o-mini`` are ``gpt-4o-mini``. What goes upstream is the allow-list's own spelling,
        so no other spelling can reach a model the list does not hold."""
        if requested is None:
            return self.model
        named, bare = split_provider_prefix(requested)
        if named is not self.provider:
            bare = requested
        if self.provider is Provider.GOOGLE:
            bare = bare.removeprefix("models/")
        wanted = bare.casefold()
        for name in self.allowed:
            if name.casefold() == wanted:
                return name
        raise ModelNotAllowed(requested, self.provider.label, self.allowed)


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
