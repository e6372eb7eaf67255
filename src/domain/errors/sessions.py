"""Errors about agent sessions and the gateway's tokens."""

from __future__ import annotations

from domain.errors._base import DomainError
from domain.errors.credentials import CredentialRevoked


class InvalidMessage(DomainError):
    """A chat message that no provider would accept (empty, too long)."""

    code = "invalid-message"


class SessionFull(DomainError):
    """The session holds as many messages as a session may: start a new one."""

    code = "session-full"


class HistoryTooLarge(DomainError):
    """Even the newest turn alone does not fit the model's context window (or the byte
    budget): nothing is sent."""

    code = "history-too-large"


class InvalidCursor(DomainError):
    """A page cursor this service did not hand out."""

    code = "invalid-cursor"

    def __init__(self) -> None:
        super().__init__("the cursor is not valid: use the `next` of a page as it was given")


class SessionNotFound(DomainError):
    code = "session-not-found"

    def __init__(self) -> None:
        super().__init__("agent session not found")


class SessionCredentialRevoked(CredentialRevoked):
    """The credential an agent session was started with was deleted: it is never used again."""

    code = "session-credential-revoked"

    def __init__(self) -> None:
        DomainError.__init__(
            self,
            "the credential this session was started with was deleted; start a new session "
            "and pick another model or credential, or add a new key",
        )


class GatewayTokenNotFound(DomainError):
    code = "gateway-token-not-found"

    def __init__(self) -> None:
        super().__init__("gateway token not found")


class InvalidGatewayToken(DomainError):
    """Missing, unknown or revoked gateway token. Says nothing about which."""

    code = "invalid-gateway-token"

    def __init__(self) -> None:
        super().__init__("the gateway token is missing, invalid or revoked")
