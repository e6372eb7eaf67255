"""Per-user tokens for the OpenAI-compatible gateway. Only a digest is ever stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.token_scopes import TokenScopes


@dataclass(slots=True)
class GatewayToken:
    """Scopes, like a virtual key's (None: no limit of that kind): ``expires_at``,
    ``allowed_models`` (model names in routed form, ``openai/gpt-4o``), ``rpm`` requests and ``tpm``
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

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def is_live(self, now: datetime) -> bool:
        """Usable now: neither revoked nor past its ``expires_at``."""
        return self.is_active and not self.is_expired(now)

    def allows(self, model_key: str) -> bool:
        """``model_key`` in the routed form ``allowed_models`` is kept in (see
        ``application.gateway._token_scopes``); compared without regard to case, so a change
        of case cannot slip past the list."""
        if self.allowed_models is None:
            return True
        wanted = model_key.casefold()
        return any(m.casefold() == wanted for m in self.allowed_models)

    def rescope(self, name: str, scopes: TokenScopes) -> None:
        self.name = name
        self.expires_at = scopes.expires_at
        self.allowed_models = scopes.allowed_models
        self.rpm = scopes.rpm
        self.tpm = scopes.tpm
        self.monthly_usd = scopes.monthly_usd

    @property
    def scopes(self) -> TokenScopes:
        return TokenScopes(
            self.expires_at, self.allowed_models, self.rpm, self.tpm, self.monthly_usd
        )

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
