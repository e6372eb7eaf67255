"""The wire shapes of the credential routes (msgspec Structs): limits live in the schema, so
oversize input is a 422 before any use case runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from application.credentials.validate_api_key import ValidationResult
from domain.credential import LlmCredential

ProviderName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ApiKeyText = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
ModelName = Annotated[str, msgspec.Meta(max_length=200)]
BaseUrl = Annotated[str, msgspec.Meta(max_length=2048)]
# With a time zone (``Z`` or an offset); a past one is a 422 ``invalid-expiry``.
ExpiresAt = Annotated[datetime, msgspec.Meta(tz=True)]


class CredentialCreate(msgspec.Struct, forbid_unknown_fields=True):
    provider: ProviderName
    api_key: ApiKeyText
    model_name: ModelName | None = None
    is_default: bool | None = None
    base_url: BaseUrl | None = None
    expires_at: ExpiresAt | None = None


class CredentialUpdate(msgspec.Struct, forbid_unknown_fields=True):
    model_name: ModelName | msgspec.UnsetType | None = msgspec.UNSET
    api_key: ApiKeyText | msgspec.UnsetType = msgspec.UNSET
    expires_at: ExpiresAt | msgspec.UnsetType | None = msgspec.UNSET


class KeyValidate(msgspec.Struct, forbid_unknown_fields=True):
    provider: ProviderName
    api_key: ApiKeyText
    base_url: BaseUrl | None = None
    model_name: ModelName | None = None


class CredentialOut(msgspec.Struct):
    id: UUID
    provider: str
    model_name: str | None
    key_hint: str
    masked_key: str
    base_url: str | None
    is_default: bool
    is_active: bool
    last_validated_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    is_expired: bool

    @classmethod
    def of(cls, c: LlmCredential, now: datetime) -> CredentialOut:
        return cls(
            id=c.id,
            provider=c.provider.value,
            model_name=c.model_name,
            key_hint=f"…{c.key_hint}",
            masked_key=c.masked_key,
            base_url=c.base_url,
            is_default=c.is_default,
            is_active=c.is_active,
            last_validated_at=c.last_validated_at,
            last_error=c.last_error,
            created_at=c.created_at,
            updated_at=c.updated_at,
            expires_at=c.expires_at,
            is_expired=c.is_expired(now),
        )


class ValidationOut(msgspec.Struct):
    valid: bool
    provider: str
    models: list[str]
    model_available: bool | None = None
    detail: str | None = None

    @classmethod
    def of(cls, r: ValidationResult) -> ValidationOut:
        return cls(r.valid, r.provider.value, list(r.models), r.model_available, r.detail)
