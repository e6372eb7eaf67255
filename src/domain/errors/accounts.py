"""Errors about accounts: signing up, logging in."""

from __future__ import annotations

from domain.errors._base import DomainError


class EmailTaken(DomainError):
    code = "email-taken"

    def __init__(self) -> None:
        super().__init__("an account with this email already exists")


class InvalidEmail(DomainError):
    code = "invalid-email"


class WeakPassword(DomainError):
    code = "weak-password"


class WrongPassword(DomainError):
    """The current password, asked again before it is changed, is not the account's."""

    code = "wrong-password"

    def __init__(self) -> None:
        super().__init__("the current password is wrong")


class InvalidLogin(DomainError):
    code = "invalid-credentials"

    def __init__(self) -> None:
        super().__init__("email or password is wrong")


class TooManyLoginAttempts(DomainError):
    """Repeated failures for one account from one address: that address is slowed down, never
    locked out for good, and other addresses not at all."""

    code = "login-throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins for this account from your address; retry in {retry_after} s"
        )
        self.retry_after = retry_after


class UserNotFound(DomainError):
    code = "user-not-found"

    def __init__(self) -> None:
        super().__init__("user not found")
