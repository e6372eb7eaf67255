"""Tokens for the OpenAI-compatible gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.gateway_token import GatewayToken


class GatewayTokenStore(Protocol):
    async def add(self, token: GatewayToken) -> None: ...

    async def get(self, user_id: UUID, token_id: UUID) -> GatewayToken | None: ...

    async def by_digest(self, digest: bytes) -> GatewayToken | None: ...

    async def list_for_user(self, user_id: UUID) -> list[GatewayToken]:
        """Newest first, revoked ones included."""
        ...

    async def save(self, token: GatewayToken) -> None:
        """Persist changes. A revoked token is final: saving onto one (from a stale read)
        changes nothing and raises ``GatewayTokenNotFound``."""
        ...

    async def touch(self, user_id: UUID, token_id: UUID, used_at: datetime) -> bool:
        """Record a use (``last_used_at`` never moves back) of a token that is still live, in
        one conditional write. False, changing nothing, when it is revoked or not this user's."""
        ...
