"""Accounts: who the users are and how they prove it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.user import User


class UserStore(Protocol):
    async def add(self, user: User) -> None:
        """Raises ``EmailTaken`` when the (normalised) email exists."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def save(self, user: User) -> None:
        """Persist changes. A deactivated account is final: saving onto one (from a stale read)
        changes nothing and raises ``UserNotFound``."""
        ...

    async def record_failed_login(self, user_id: UUID, at: datetime, network: str) -> None:
        """Count one more failed login (atomically: concurrent failures all count) and keep its
        time and network. Does nothing for an unknown or closed account."""
        ...

    async def lock(self, user_id: UUID) -> None:
        """Serialise changes to one user's credentials until the unit of work ends."""
        ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verification would, so unknown emails are not revealed."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class PasswordStrength(Protocol):
    """Judges, offline, how easily a password is guessed (common, breached, patterned)."""

    def weakness(self, password: str, hints: Sequence[str]) -> str | None:
        """Why this password is too easy to guess, in words for its owner, or None when it is
        strong enough. ``hints`` are the user's own data (their email) that a guesser knows."""
        ...


class LoginThrottle(Protocol):
    """Slows down repeated failed logins per account and client address together, so failures
    from one address never slow the account's owner at another."""

    async def retry_after(self, account: str, address: str) -> int | None:
        """Seconds this address must wait before trying this account again, or None."""
        ...

    async def failed(self, account: str, address: str) -> None: ...

    async def succeeded(self, account: str, address: str) -> None: ...


class SessionRevocations(Protocol):
    """Ends a user's sessions: tokens carry the revocation stamp current when they were issued,
    and a token whose stamp is below the user's current one is refused."""

    async def stamp(self, user_id: UUID) -> int:
        """The stamp a token must carry at least (0 when nothing was revoked lately)."""
        ...

    async def revoke(self, user_id: UUID) -> int:
        """Revoke every token issued so far; returns the new stamp for tokens issued next."""
        ...


class TokenIssuer(Protocol):
    def issue(self, user_id: UUID, stamp: int) -> tuple[str, int]:
        """A signed access token carrying ``stamp``, and its lifetime in seconds."""
        ...
