"""What the page forms post. Fields default to empty so a missing field is a friendly domain
error from the use case (\"this is not an email address\"), not a 400."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
class RotateKeyForm:
    api_key: str = ""


@dataclass(frozen=True, slots=True)
class ModelForm:
    model_name: str = ""
