"""What the gateway token forms post, and how it becomes scopes. Every field is text: blank
means no limit of that kind; a number that is not one is the domain's own error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from application.gateway.update_gateway_token import KEEP, GatewayTokenChanges
from domain.errors import InvalidTokenScope
from domain.gateway_token import GatewayToken
from domain.token_scopes import TokenScopes, parse_usd

_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class TokenForm:
    name: str = ""
    expires_on: str = ""
    allowed_models: str = ""
    rpm: str = ""
    tpm: str = ""
    monthly_usd: str = ""

    def scopes(self) -> TokenScopes:
        return TokenScopes(
            _expiry(self.expires_on),
            _models(self.allowed_models),
            _count("rpm", self.rpm),
            _count("tpm", self.tpm),
            parse_usd(self.monthly_usd) if self.monthly_usd.strip() else None,
        )

    def changes(self, token: GatewayToken) -> GatewayTokenChanges:
        """Every field as posted; a date left as shown keeps the token's exact time."""
        scopes = self.scopes()
        kept = token.expires_at is not None and self.expires_on.strip() == _day(token.expires_at)
        return GatewayTokenChanges(
            name=self.name,
            expires_at=KEEP if kept else scopes.expires_at,
            allowed_models=scopes.allowed_models,
            rpm=scopes.rpm,
            tpm=scopes.tpm,
            monthly_usd=scopes.monthly_usd,
        )

    @classmethod
    def of(cls, token: GatewayToken) -> TokenForm:
        """The edit form as the token stands."""
        return cls(
            name=token.name,
            expires_on=_day(token.expires_at) if token.expires_at else "",
            allowed_models="\n".join(token.allowed_models or ()),
            rpm="" if token.rpm is None else str(token.rpm),
            tpm="" if token.tpm is None else str(token.tpm),
            monthly_usd="" if token.monthly_usd is None else format(token.monthly_usd, "f"),
        )


def _day(at: datetime) -> str:
    return at.astimezone(UTC).date().isoformat()


def _expiry(raw: str) -> datetime | None:
    """A date: the token expires as that day starts (00:00 UTC)."""
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidTokenScope("the expiry date is not a date (YYYY-MM-DD)") from None
    return datetime.combine(day, time(0), tzinfo=UTC)


def _models(raw: str) -> tuple[str, ...] | None:
    names = tuple(n for n in _SEPARATORS.split(raw) if n)
    return names or None


def _count(field: str, raw: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise InvalidTokenScope(f"{field} must be a whole number (blank: no limit)")
    return int(text)
