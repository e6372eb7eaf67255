"""The one table from error to RFC 9457 problem: status, stable slug, title.

An error's slug is its ``code`` unless ``MERGED`` says otherwise. Slugs are part of the API
contract: clients switch on ``type``. They are listed in the OpenAPI description (see
``describe_problems``).
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.persistence.errors import SchemaNotCurrent, StoreUnavailable
from domain import errors
from entrypoints.http.draining import ServiceStopping


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


# The transport facts of each error class: status and title. Every class has its own row; a
# subclass never falls back to its base's (tests/unit/entrypoints/http/test_problems.py).
_HTTP: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.UnknownProvider: (422, "Unknown provider"),
    errors.MalformedApiKey: (422, "The API key is malformed"),
    errors.InvalidBaseUrl: (422, "The base URL is not acceptable"),
    errors.UnsafeBaseUrl: (422, "The base URL points to a refused address"),
    errors.InvalidModelName: (422, "The model name is not acceptable"),
    errors.InvalidEmail: (422, "The email address is not valid"),
    errors.WeakPassword: (422, "The password is not acceptable"),
    errors.WrongPassword: (403, "The current password is wrong"),
    errors.EmailTaken: (409, "Email already registered"),
    errors.InvalidLogin: (401, "Invalid email or password"),
    errors.TooManyLoginAttempts: (429, "Too many failed logins"),
    errors.UserNotFound: (404, "User not found"),
    errors.CredentialNotFound: (404, "Credential not found"),
    errors.DuplicateActiveCredential: (409, "Credential already exists"),
    errors.DuplicateDefaultCredential: (409, "Default changed concurrently"),
    errors.CredentialRevoked: (409, "Credential was deleted"),
    errors.SessionCredentialRevoked: (409, "Credential was deleted"),
    errors.CredentialRejected: (424, "The provider rejected the key"),
    errors.CredentialExpired: (409, "Credential has expired"),
    errors.InvalidExpiry: (422, "The expiry is not acceptable"),
    errors.CredentialProviderMismatch: (422, "Credential is for another provider"),
    errors.ModelNotAvailable: (422, "Model not available to this key"),
    errors.NoLlmConfigured: (409, "No LLM configured"),
    errors.ModelNotAllowed: (403, "Model not offered on the platform's key"),
    errors.InvalidMessage: (422, "The message is not acceptable"),
    errors.SessionNotFound: (404, "Agent session not found"),
    errors.SessionFull: (409, "The session is full"),
    errors.HistoryTooLarge: (422, "The message does not fit the model's context window"),
    errors.InvalidCursor: (400, "The page cursor is not valid"),
    errors.InvalidUsagePeriod: (422, "The period is not valid"),
    errors.GatewayTokenNotFound: (404, "Gateway token not found"),
    errors.InvalidGatewayToken: (401, "Gateway token not accepted"),
    errors.GatewayTokenExpired: (401, "Gateway token expired"),
    errors.InvalidTokenScope: (422, "The token scope is not acceptable"),
    errors.ModelNotAllowedForToken: (403, "The token may not use this model"),
    errors.TokenRateLimited: (429, "Over the token's rate limit"),
    errors.DecryptionFailed: (503, "Stored key cannot be opened"),
    errors.UnknownMasterKey: (503, "Stored key cannot be opened"),
    errors.KeyServiceUnavailable: (503, "The key service is unavailable"),
    errors.DataKeyDestroyed: (409, "Credential was deleted"),
    StoreUnavailable: (503, "Service temporarily unavailable"),
    SchemaNotCurrent: (503, "Service temporarily unavailable"),
    ServiceStopping: (503, "Service temporarily unavailable"),
    errors.InvalidApiKey: (422, "The provider rejected the API key"),
    errors.ModelNotFound: (422, "The provider does not know this model"),
    errors.ProviderRateLimited: (429, "The provider is rate limiting"),
    errors.TooManyProviderCalls: (429, "Too many provider calls in progress"),
    errors.BudgetExceeded: (429, "Budget exceeded"),
    errors.ModelNotPriced: (422, "The model has no price to budget with"),
    errors.InvalidBudget: (422, "The budget is not acceptable"),
    errors.ProviderTimeout: (504, "The provider did not answer in time"),
    errors.ProviderUnavailable: (503, "The provider could not be reached"),
    errors.ProviderCallFailed: (502, "The provider call failed"),
    errors.UnsupportedFeature: (400, "The provider cannot do what was asked"),
    errors.ProviderRejectedRequest: (502, "The provider refused the request"),
    errors.ProviderProtocolError: (502, "The provider answered nonsense"),
    errors.ProviderError: (502, "The provider call failed"),
    errors.DomainError: (400, "Bad request"),
}

# The public slug is the error's own code, except where the API merges errors on purpose:
MERGED: dict[type[errors.DomainError], str] = {
    # Whether a ciphertext failed to authenticate or its master key is gone, the user can do
    # nothing about it and an attacker must not learn which: one answer.
    errors.DecryptionFailed: "key-unavailable",
    errors.UnknownMasterKey: "key-unavailable",
    # A user whose data key was shredded (account closed) sees the credential as deleted; a
    # session whose credential was deleted sees what any caller of a deleted credential sees.
    errors.DataKeyDestroyed: "credential-revoked",
    errors.SessionCredentialRevoked: "credential-revoked",
    # An expired gateway token is refused like any other; its message says why.
    errors.GatewayTokenExpired: "invalid-gateway-token",
    # Clients react alike to every failed upstream call of a valid request (502); the codes
    # still tell logs apart.
    errors.ProviderCallFailed: "provider-error",
    errors.ProviderRejectedRequest: "provider-error",
    errors.ProviderProtocolError: "provider-error",
    # The same 503 as any other outage, and the database is not the client's business.
    StoreUnavailable: "service-unavailable",
    SchemaNotCurrent: "service-unavailable",
    # A stream still running when the instance's shutdown grace ran out: send again.
    ServiceStopping: "service-unavailable",
    # Any other expected error: the generic refusal.
    errors.DomainError: "bad-request",
}

# Every error has its own row (tested); the MRO walk in ``problem_for`` is only a safety net
# for an error class added without one.
DOMAIN_PROBLEMS: dict[type[errors.DomainError], ProblemType] = {
    cls: ProblemType(status, MERGED.get(cls, cls.code), title)
    for cls, (status, title) in _HTTP.items()
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
