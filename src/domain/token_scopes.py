"""What a gateway token may do, and the bounds every scope keeps to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidTokenScope

MAX_ALLOWED_MODELS = 50
MAX_RPM = 100_000
MAX_TPM = 100_000_000
MAX_MONTHLY_USD = Decimal(1_000_000)
USD_PLACES = 6


@dataclass(frozen=True, slots=True)
class TokenScopes:
    """None: no limit of that kind. ``allowed_models`` in routed form (``openai/gpt-4o``)."""

    expires_at: datetime | None = None
    allowed_models: tuple[str, ...] | None = None
    rpm: int | None = None
    tpm: int | None = None
    monthly_usd: Decimal | None = None

    def check(self, now: datetime | None) -> None:
        """``InvalidTokenScope`` unless every limit is within its bounds. ``now`` None:
        ``expires_at`` was not just set, so it may be past (an expired token stays one)."""
        expires = self.expires_at
        if expires is not None and expires.utcoffset() is None:
            raise InvalidTokenScope("expires_at needs a time zone (2027-01-31T00:00:00Z)")
        if now is not None and expires is not None and expires <= now:
            raise InvalidTokenScope("expires_at must be in the future")
        _within("rpm", self.rpm, MAX_RPM)
        _within("tpm", self.tpm, MAX_TPM)
        usd = self.monthly_usd
        if usd is not None and not (usd.is_finite() and Decimal(0) <= usd <= MAX_MONTHLY_USD):
            raise InvalidTokenScope(f"monthly_usd must be between 0 and {MAX_MONTHLY_USD}")
        models = self.allowed_models
        if models is not None and not 1 <= len(models) <= MAX_ALLOWED_MODELS:
            raise InvalidTokenScope(
                f"allowed_models lists 1 to {MAX_ALLOWED_MODELS} models (null: any model)"
            )


def parse_usd(raw: str) -> Decimal:
    """A decimal string (``"20"``, ``"20.50"``), like every amount in the API."""
    try:
        amount = Decimal(raw.strip())
    except InvalidOperation:
        raise InvalidTokenScope('monthly_usd must be a decimal string such as "20.00"') from None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or -exponent > USD_PLACES:
        raise InvalidTokenScope(f"monthly_usd is a number with at most {USD_PLACES} decimals")
    return amount


def _within(field: str, value: int | None, most: int) -> None:
    if value is not None and not 1 <= value <= most:
        raise InvalidTokenScope(f"{field} must be between 1 and {most}")
