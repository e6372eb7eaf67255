"""Tokens for the OpenAI-compatible gateway."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from domain.gateway_token import GatewayToken
from domain.token_rate import TokenRateLimits, TokenRateUse

ZERO = timedelta(0)


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

    async def touch(
        self, user_id: UUID, token_id: UUID, used_at: datetime, *, not_within: timedelta = ZERO
    ) -> bool:
        """Record a use (``last_used_at`` never moves back) of a token that is still live, in
        one conditional write; a use within ``not_within`` of the recorded one writes nothing.
        False, changing nothing, when it is revoked or not this user's."""
        ...


class TokenRateMeter(Protocol):
    """Per-token counts of requests and tokens in the current minute, shared by every worker
    and instance that share the store."""

    async def admit(
        self, token_id: UUID, tokens: int, limits: TokenRateLimits
    ) -> tuple[str | None, TokenRateUse]:
        """Count one request of ``tokens`` unless that would break a limit, in one atomic step.
        Returns which limit refused it (``"rpm"``, ``"tpm"``; None: counted) and the counts."""
        ...
