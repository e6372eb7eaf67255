"""Domain and application errors.

Each error has a stable ``code``: the HTTP layer maps codes to statuses and problem slugs in
one table, so no error here knows about HTTP. Messages never contain secrets.
"""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    code = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- input -----------------------------------------------------------------------------------


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


# --- accounts --------------------------------------------------------------------------------


class EmailTaken(DomainError):
    code = "email-taken"

    def __init__(self) -> None:
        super().__init__("an account with this email already exists")


class InvalidLogin(DomainError):
    code = "invalid-credentials"

    def __init__(self) -> None:
        super().__init__("email or password is wrong")


class TooManyLoginAttempts(DomainError):
    """Repeated failures for one account: it is slowed down, never locked for good."""

    code = "login-throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins for this account; retry in {retry_after} s")
        self.retry_after = retry_after


class UserNotFound(DomainError):
    code = "user-not-found"

    def __init__(self) -> None:
        super().__init__("user not found")


class WeakPassword(DomainError):
    code = "weak-password"


# --- credentials -----------------------------------------------------------------------------


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


class SessionCredentialRevoked(CredentialRevoked):
    """The credential an agent session was started with was deleted: it is never used again."""

    def __init__(self) -> None:
        DomainError.__init__(
            self,
            "the credential this session was started with was deleted; start a new session "
            "and pick another model or credential, or add a new key",
        )


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

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "no LLM is configured: add a provider API key, "
            "or ask the operator for a system default"
        )


# --- encryption ------------------------------------------------------------------------------


class DecryptionFailed(DomainError):
    """A ciphertext or wrapped key did not authenticate. Deliberately says nothing more."""

    code = "decryption-failed"

    def __init__(self) -> None:
        super().__init__("stored secret could not be decrypted")


class UnknownMasterKey(DomainError):
    code = "master-key-unavailable"

    def __init__(self, key_id: str) -> None:
        super().__init__(f"master key {key_id!r} is not in the keyring")
        self.key_id = key_id


class DataKeyDestroyed(DomainError):
    code = "data-key-destroyed"

    def __init__(self) -> None:
        super().__init__("the data key for this user was destroyed")


# --- providers -------------------------------------------------------------------------------


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

    code = "provider-error"


# --- sessions and gateway --------------------------------------------------------------------


class InvalidMessage(DomainError):
    """A chat message that no provider would accept (empty, too long)."""

    code = "invalid-message"


class SessionNotFound(DomainError):
    code = "session-not-found"

    def __init__(self) -> None:
        super().__init__("agent session not found")


class GatewayTokenNotFound(DomainError):
    code = "gateway-token-not-found"

    def __init__(self) -> None:
        super().__init__("gateway token not found")


class InvalidGatewayToken(DomainError):
    """Missing, unknown or revoked gateway token. Says nothing about which."""

    code = "invalid-gateway-token"

    def __init__(self) -> None:
        super().__init__("the gateway token is missing, invalid or revoked")


class StoreUnavailable(DomainError):
    """The database could not be reached. Adapters raise it; the HTTP layer answers 503."""

    code = "store-unavailable"

    def __init__(self) -> None:
        super().__init__("the database is not reachable right now")


class InvalidEmail(DomainError):
    code = "invalid-email"


class MasterKeysMissing(DomainError):
    """Data keys are wrapped by master keys the keyring no longer has: refusing to strand them."""

    code = "master-keys-missing"

    def __init__(self, counts: dict[str, int]) -> None:
        listed = ", ".join(f"{kid!r} ({n} data keys)" for kid, n in sorted(counts.items()))
        super().__init__(
            f"master keys still wrap data keys but are not in the keyring: {listed}; "
            "add them back to BYOM_ENCRYPTION_KEYS and run `byom keys rewrap` before removing them"
        )
        self.counts = counts
