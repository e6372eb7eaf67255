"""What the page forms post. Fields default to empty so a missing field is a friendly domain
error from the use case (\"this is not an email address\"), not a 400."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from domain.errors import InvalidExpiry
from domain.provider import Provider


@dataclass(frozen=True, slots=True)
class AccountForm:
    email: str = ""
    password: str = ""
    next: str = ""


@dataclass(frozen=True, slots=True)
class AddKeyForm:
    provider: str = ""
    api_key: str = ""
    model_name: str = ""
    base_url: str = ""
    is_default: str = ""
    expires_on: str = ""

    @property
    def takes_base_url(self) -> bool:
        return self.provider == Provider.OPENAI_COMPATIBLE.value

    @property
    def base_url_or_none(self) -> str | None:
        # The field is hidden for other providers: a leftover value must not be sent.
        return (self.base_url.strip() or None) if self.takes_base_url else None

    @property
    def wants_default(self) -> bool | None:
        return True if self.is_default else None

    def without_key(self) -> AddKeyForm:
        """What may be shown again: everything but the key."""
        return replace(self, api_key="")


@dataclass(frozen=True, slots=True)
class ExpiryForm:
    expires_on: str = ""
    clear: str = ""

    @property
    def expires_at(self) -> datetime | None:
        return None if self.clear else expiry_of(self.expires_on)


def expiry_of(expires_on: str) -> datetime | None:
    """A date field (``YYYY-MM-DD``, what ``<input type=date>`` sends) as the start of that
    day in UTC: the key is unusable from then on. Empty is no expiry."""
    text = expires_on.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidExpiry("the expiry date must be a date such as 2027-01-31") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RotateKeyForm:
    api_key: str = ""


@dataclass(frozen=True, slots=True)
class ModelForm:
    model_name: str = ""
