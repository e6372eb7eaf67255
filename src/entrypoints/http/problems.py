"""The one table from error to RFC 9457 problem: status, stable slug, title.

Slugs are part of the API contract: clients switch on ``type``. They are listed in the
OpenAPI description (see ``describe_problems``).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import errors


@dataclass(frozen=True, slots=True)
class ProblemType:
    status: int
    slug: str
    title: str

    @property
    def type_uri(self) -> str:
        return f"/problems/{self.slug}"


def _p(status: int, slug: str, title: str) -> ProblemType:
    return ProblemType(status, slug, title)


# Most specific first is not needed: lookup walks each error's MRO.
DOMAIN_PROBLEMS: dict[type[errors.DomainError], ProblemType] = {
    errors.UnknownProvider: _p(422, "unknown-provider", "Unknown provider"),
    errors.MalformedApiKey: _p(422, "malformed-api-key", "The API key is malformed"),
    errors.InvalidBaseUrl: _p(422, "invalid-base-url", "The base URL is not acceptable"),
    errors.UnsafeBaseUrl: _p(422, "unsafe-base-url", "The base URL points to a refused address"),
    errors.InvalidModelName: _p(422, "invalid-model-name", "The model name is not acceptable"),
    errors.InvalidEmail: _p(422, "invalid-email", "The email address is not valid"),
    errors.WeakPassword: _p(422, "weak-password", "The password is not acceptable"),
    errors.EmailTaken: _p(409, "email-taken", "Email already registered"),
    errors.InvalidLogin: _p(401, "invalid-credentials", "Invalid email or password"),
    errors.TooManyLoginAttempts: _p(429, "login-throttled", "Too many failed logins"),
    errors.UserNotFound: _p(404, "user-not-found", "User not found"),
    errors.CredentialNotFound: _p(404, "credential-not-found", "Credential not found"),
    errors.DuplicateActiveCredential: _p(409, "credential-exists", "Credential already exists"),
    errors.DuplicateDefaultCredential: _p(409, "default-conflict", "Default changed concurrently"),
    errors.CredentialRevoked: _p(409, "credential-revoked", "Credential was deleted"),
    errors.CredentialRejected: _p(424, "credential-rejected", "The provider rejected the key"),
    errors.CredentialProviderMismatch: _p(
        422, "credential-provider-mismatch", "Credential is for another provider"
    ),
    errors.ModelNotAvailable: _p(422, "model-unavailable", "Model not available to this key"),
    errors.NoLlmConfigured: _p(409, "no-llm-configured", "No LLM configured"),
    errors.InvalidMessage: _p(422, "invalid-message", "The message is not acceptable"),
    errors.SessionNotFound: _p(404, "session-not-found", "Agent session not found"),
    errors.GatewayTokenNotFound: _p(404, "gateway-token-not-found", "Gateway token not found"),
    errors.InvalidGatewayToken: _p(401, "invalid-gateway-token", "Gateway token not accepted"),
    errors.DecryptionFailed: _p(503, "key-unavailable", "Stored key cannot be opened"),
    errors.UnknownMasterKey: _p(503, "key-unavailable", "Stored key cannot be opened"),
    errors.MasterKeysMissing: _p(503, "key-unavailable", "Stored key cannot be opened"),
    errors.DataKeyDestroyed: _p(409, "credential-revoked", "Credential was deleted"),
    errors.StoreUnavailable: _p(503, "service-unavailable", "Service temporarily unavailable"),
    errors.InvalidApiKey: _p(422, "invalid-api-key", "The provider rejected the API key"),
    errors.ModelNotFound: _p(422, "model-not-found", "The provider does not know this model"),
    errors.ProviderRateLimited: _p(429, "provider-rate-limited", "The provider is rate limiting"),
    errors.ProviderTimeout: _p(504, "provider-timeout", "The provider did not answer in time"),
    errors.ProviderUnavailable: _p(
        503, "provider-unavailable", "The provider could not be reached"
    ),
    errors.ProviderCallFailed: _p(502, "provider-error", "The provider call failed"),
    errors.ProviderRejectedRequest: _p(502, "provider-error", "The provider refused the request"),
    errors.ProviderProtocolError: _p(502, "provider-error", "The provider answered nonsense"),
    errors.ProviderError: _p(502, "provider-error", "The provider call failed"),
    errors.DomainError: _p(400, "bad-request", "Bad request"),
}

VALIDATION = _p(422, "validation-error", "The request is not valid")
MALFORMED = _p(400, "malformed-request", "The request body is not valid JSON")
UNAUTHORIZED = _p(401, "unauthorized", "Authentication required")
FORBIDDEN = _p(403, "forbidden", "Not allowed")
NOT_FOUND = _p(404, "not-found", "Not found")
METHOD_NOT_ALLOWED = _p(405, "method-not-allowed", "Method not allowed")
TOO_LARGE = _p(413, "payload-too-large", "The request body is too large")
UNSUPPORTED_MEDIA = _p(415, "unsupported-media-type", "Unsupported media type")
RATE_LIMITED = _p(429, "rate-limited", "Too many requests")
INTERNAL = _p(500, "internal-error", "Internal server error")
UNAVAILABLE = _p(503, "service-unavailable", "Service temporarily unavailable")

BY_STATUS: dict[int, ProblemType] = {
    p.status: p
    for p in (
        MALFORMED,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        TOO_LARGE,
        UNSUPPORTED_MEDIA,
        VALIDATION,
        RATE_LIMITED,
        INTERNAL,
        UNAVAILABLE,
    )
}


def problem_for(error: errors.DomainError) -> ProblemType:
    for cls in type(error).__mro__:
        found = DOMAIN_PROBLEMS.get(cls)
        if found is not None:
            return found
    return DOMAIN_PROBLEMS[errors.DomainError]


def describe_problems() -> str:
    """Markdown table of every problem type, for the OpenAPI description."""
    rows = {p.slug: p for p in (*DOMAIN_PROBLEMS.values(), *BY_STATUS.values())}
    lines = ["| type | status | title |", "|---|---|---|"]
    lines += [f"| `/problems/{p.slug}` | {p.status} | {p.title} |" for p in rows.values()]
    return "\n".join(lines)
