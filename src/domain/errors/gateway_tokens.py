"""Errors about what a gateway token may do (its scopes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.errors._base import DomainError
from domain.errors.sessions import InvalidGatewayToken

if TYPE_CHECKING:
    from domain.token_rate import TokenRateUse


class InvalidTokenScope(DomainError):
    """A scope no token may have (a past ``expires_at``, a rate of zero, too many models)."""

    code = "invalid-token-scope"


class GatewayTokenExpired(InvalidGatewayToken):
    """Past its ``expires_at``: refused like a revoked token. The caller holds the secret, so
    saying why tells them nothing they could not know."""

    code = "gateway-token-expired"

    def __init__(self) -> None:
        DomainError.__init__(self, "the gateway token has expired; create a new one")


class ModelNotAllowedForToken(DomainError):
    """The token's ``allowed_models`` does not name the model asked for."""

    code = "model-not-allowed-for-token"

    def __init__(self, model: str) -> None:
        super().__init__(f"this gateway token may not use the model {model!r}")


class TokenRateLimited(DomainError):
    """Over the token's ``rpm`` or ``tpm``. ``kind`` is which; ``retry_after`` whole seconds
    until the minute's counts start again; ``use`` the counts as they stand."""

    code = "token-rate-limited"

    def __init__(
        self,
        kind: str,
        limit: int,
        retry_after: int,
        use: TokenRateUse,
        *,
        too_large: int | None = None,
    ) -> None:
        what = "requests" if kind == "rpm" else "tokens"
        message = (
            f"this gateway token may use {limit} {what} per minute; retry after {retry_after} s"
        )
        if too_large is not None:
            message = (
                f"this call may use {too_large} tokens (its prompt and max_tokens), more than "
                f"this gateway token's {limit} tokens per minute: send a lower max_tokens"
            )
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.use = use
