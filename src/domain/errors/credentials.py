"""Errors about provider credentials: the key and base URL given, the stored credential, the
model chosen with it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from domain.errors._base import DomainError

if TYPE_CHECKING:
    from domain.resolution import ExpiredKey


class UnknownProvider(DomainError):
    code = "unknown-provider"

    def __init__(self, raw: str, accepted: tuple[str, ...]) -> None:
        shown = (
            raw
            if len(raw) <= 40 and raw.isprintable()
            else raw[:40].encode("unicode_escape").decode()
        )
        super().__init__(f"unknown provider {shown!r}; accepted: {', '.join(accepted)}")
        self.accepted = accepted


class MalformedApiKey(DomainError):
    """The key cannot be a key for this provider: checked before any network call."""

    code = "malformed-api-key"


class InvalidBaseUrl(DomainError):
    code = "invalid-base-url"


class UnsafeBaseUrl(InvalidBaseUrl):
    """The base URL points somewhere BYOM must not send a request (SSRF guard)."""

    code = "unsafe-base-url"


class InvalidModelName(DomainError):
    code = "invalid-model-name"


class CredentialNotFound(DomainError):
    code = "credential-not-found"

    def __init__(self) -> None:
        super().__init__("credential not found")


class DuplicateActiveCredential(DomainError):
    code = "credential-exists"

    def __init__(self, provider: str, existing_id: UUID | None) -> None:
        super().__init__(
            f"an active {provider} credential already exists; update or delete it first"
        )
        self.provider = provider
        self.existing_id = existing_id


class DuplicateDefaultCredential(DomainError):
    code = "default-conflict"

    def __init__(self) -> None:
        super().__init__("another request changed the default credential at the same time; retry")


class CredentialRevoked(DomainError):
    code = "credential-revoked"

    def __init__(self) -> None:
        super().__init__(
            "this credential was deleted; pick another model or credential, or add a new key"
        )


class CredentialRejected(DomainError):
    """The provider refused a stored key during use: the user must update it."""

    code = "credential-rejected"

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"{provider} rejected the stored API key; update the key or choose another credential"
        )
        self.provider = provider


class CredentialProviderMismatch(DomainError):
    code = "credential-provider-mismatch"

    def __init__(self, credential_provider: str, requested: str) -> None:
        super().__init__(f"this credential is for {credential_provider}, not {requested}")


class ModelNotAvailable(DomainError):
    code = "model-unavailable"

    def __init__(self, provider: str, model: str) -> None:
        super().__init__(f"model {model!r} is not available to this {provider} key")
        self.provider = provider
        self.model = model


class NoLlmConfigured(DomainError):
    code = "no-llm-configured"

    def __init__(self, message: str | None = None, *, expired: ExpiredKey | None = None) -> None:
        super().__init__(
            message
            or "no LLM is configured: add a provider API key, "
            "or ask the operator for a system default"
        )
        self.expired = expired
        """The user's key that would have served, had it not expired."""


class ModelNotAllowed(DomainError):
    """The platform's key (the system default) serves only the models the operator allows
    (``BYOM_SYSTEM_DEFAULT_MODELS``); refused before any provider is called."""

    code = "model-not-allowed"

    def __init__(self, model: str, provider: str, allowed: tuple[str, ...]) -> None:
        super().__init__(
            f"model {model!r} is not offered on the platform's key; it serves "
            f"{', '.join(allowed)}. Add your own {provider} key to use other models"
        )
        self.model = model
        self.allowed = allowed


class InvalidExpiry(DomainError):
    """An ``expires_at`` that is already past (or unusable): a key cannot be stored expired."""

    code = "invalid-expiry"


class CredentialExpired(DomainError):
    """The credential named explicitly passed its ``expires_at``: it is never resolved."""

    code = "credential-expired"

    def __init__(self, provider: str, expires_at: str) -> None:
        super().__init__(
            f"this {provider} credential expired at {expires_at}; rotate its key, set a later "
            "expiry, or choose another credential"
        )
        self.provider = provider
