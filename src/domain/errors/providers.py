"""Errors of calls to LLM providers."""

from __future__ import annotations

from domain.errors._base import DomainError


class ProviderError(DomainError):
    """A call to an LLM provider failed. ``provider`` is the provider's name."""

    code = "provider-error"

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider


class InvalidApiKey(ProviderError):
    """The provider says the key is wrong (401/403, Gemini API_KEY_INVALID)."""

    code = "invalid-api-key"


class ModelNotFound(ProviderError):
    code = "model-not-found"


class ProviderRateLimited(ProviderError):
    code = "provider-rate-limited"

    def __init__(self, provider: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after = retry_after


class ProviderTimeout(ProviderError):
    code = "provider-timeout"


class ProviderUnavailable(ProviderError):
    """We could not ask the provider (5xx, 529, connection failure). Never means the key is bad."""

    code = "provider-unavailable"


class ProviderRejectedRequest(ProviderError):
    code = "provider-rejected-request"


class ProviderProtocolError(ProviderError):
    code = "provider-protocol-error"


class ProviderCallFailed(ProviderError):
    """A chat call failed on the provider's side (down, dropped, misconfigured system key).

    Unlike ``ProviderUnavailable`` during key validation (503, retry later), this is a failed
    upstream call of an otherwise valid request: 502."""

    code = "provider-call-failed"


class UnsupportedFeature(DomainError):
    """The request asks for something this provider (or model) cannot do: refused before any
    call, never dropped silently. ``field`` names the request's field."""

    code = "unsupported-feature"

    def __init__(self, provider: str, field: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.field = field


class TooManyProviderCalls(DomainError):
    """The user already has as many provider calls in flight as one user may; one of them must
    end first. ``retry_after`` is a hint in seconds."""

    code = "too-many-calls"

    def __init__(self, limit: int, retry_after: float = 2.0) -> None:
        super().__init__(
            f"you already have {limit} provider calls in progress, as many as one user may; "
            "retry when one of them has finished"
        )
        self.limit = limit
        self.retry_after = retry_after
