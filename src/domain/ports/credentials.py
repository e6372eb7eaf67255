"""Users' provider credentials."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from domain.credential import LlmCredential
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
        final: saving onto one (from a stale read) changes nothing, raises ``CredentialRevoked``."""
        ...
