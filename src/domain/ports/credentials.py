"""Users' provider credentials and their audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.credential import LlmCredential
from domain.credential_event import CredentialEvent, EventCursor
from domain.provider import Provider


class CredentialStore(Protocol):
    async def add(self, credential: LlmCredential) -> None:
        """Raises ``DuplicateActiveCredential`` / ``DuplicateDefaultCredential`` on an invariant."""
        ...

    async def get(self, user_id: UUID, credential_id: UUID) -> LlmCredential | None: ...

    async def list_for_user(
        self, user_id: UUID, *, include_inactive: bool = False
    ) -> list[LlmCredential]:
        """Default first, then newest first."""
        ...

    async def active_for_provider(
        self, user_id: UUID, provider: Provider
    ) -> LlmCredential | None: ...

    async def default_for_user(self, user_id: UUID) -> LlmCredential | None: ...

    async def save(self, credential: LlmCredential) -> None:
        """Persist changes; raises the same invariant errors as ``add``. A revoked credential is
        final: saving onto one (from a stale read) changes nothing, raises ``CredentialRevoked``.
        ``expiry_recorded_at`` is written by ``record_expiry`` only (a stale copy never clears
        it), and cleared when ``expires_at`` changes."""
        ...

    async def record_expiry(
        self, user_id: UUID, credential_id: UUID, expires_at: datetime, at: datetime
    ) -> bool:
        """One conditional write: True for the one caller that marks this active credential's
        expiry ``expires_at`` as recorded; False when it was already recorded, the expiry has
        changed since, or the credential is revoked or not this user's."""
        ...


class CredentialEventLog(Protocol):
    """What happened to a user's credentials; rows outlive the credential (soft delete) but
    not the account."""

    async def add(self, event: CredentialEvent) -> None:
        """Raises ``ConstraintViolation`` when the user does not exist."""
        ...

    async def page(
        self, user_id: UUID, *, limit: int, before: EventCursor | None = None
    ) -> list[CredentialEvent]:
        """At most ``limit`` of the user's events older than ``before`` (by time, then id),
        newest first."""
        ...

    async def erase_for_user(self, user_id: UUID) -> int:
        """Deletes every event of the user (the account is closed); how many there were."""
        ...
