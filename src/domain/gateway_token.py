"""Per-user tokens for the OpenAI-compatible gateway. Only a digest is ever stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID


@dataclass(slots=True)
class GatewayToken:
    """Scopes, like a virtual key's (None: no limit of that kind): ``expires_at``,
    ``allowed_models`` (model names as the gateway receives them), ``rpm`` requests and ``tpm``
    tokens per minute, and ``monthly_usd`` spent per UTC calendar month."""

    id: UUID
    user_id: UUID
    name: str
    digest: bytes
    hint: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None
    allowed_models: tuple[str, ...] | None = None
    rpm: int | None = None
    tpm: int | None = None
    monthly_usd: Decimal | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now

    def touch(self, now: datetime, *, resolution: timedelta = timedelta(0)) -> bool:
        """Record a use. False, changing nothing, for a revoked token or when the last recorded
        use is less than ``resolution`` ago (recording every use would be a write per call)."""
        if not self.is_active:
            return False
        if self.last_used_at is not None and now - self.last_used_at < resolution:
            return False
        self.last_used_at = now
        return True
