"""Routes for the caller's LLM credentials. Every query is scoped to the authenticated user."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from application.credentials.add_credential import AddCredential
from application.credentials.get_credential import GetCredential
from application.credentials.list_credentials import ListCredentials
from application.credentials.revalidate_credential import RevalidateCredential
from application.credentials.revoke_credential import RevokeCredential
from application.credentials.set_default_credential import SetDefaultCredential
from application.credentials.update_credential import UNCHANGED, UpdateCredential
from application.credentials.validate_api_key import ValidateApiKey, ValidationResult
from domain.credential import LlmCredential
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.openapi import problem_responses

# Limits live in the schema so oversize input is a 422 before any use case runs.
ProviderName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ApiKeyText = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
ModelName = Annotated[str, msgspec.Meta(max_length=200)]
BaseUrl = Annotated[str, msgspec.Meta(max_length=2048)]


class CredentialCreate(msgspec.Struct, forbid_unknown_fields=True):
    provider: ProviderName
    api_key: ApiKeyText
    model_name: ModelName | None = None
    is_default: bool | None = None
    base_url: BaseUrl | None = None


class CredentialUpdate(msgspec.Struct, forbid_unknown_fields=True):
    model_name: ModelName | msgspec.UnsetType | None = msgspec.UNSET
    api_key: ApiKeyText | msgspec.UnsetType = msgspec.UNSET


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

    @classmethod
    def of(cls, c: LlmCredential) -> CredentialOut:
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


class CredentialController(Controller):
    path = "/api/v1/users/me/llm-credentials"
    tags = ["LLM credentials"]
    dependencies = {
        **CURRENT_USER,
        **use_cases(
            "add_credential",
            "list_credentials",
            "get_credential",
            "update_credential",
            "set_default_credential",
            "revoke_credential",
            "validate_api_key",
            "revalidate_credential",
        ),
    }

    @post(
        "/",
        operation_id="CreateCredential",
        summary="Store a provider key (validated live first)",
        responses=problem_responses(409, 422, 429, 503),
    )
    async def create(
        self,
        data: JSONBody[CredentialCreate],
        user_id: NamedDependency[UUID],
        add_credential: NamedDependency[AddCredential],
    ) -> CredentialOut:
        credential = await add_credential.execute(
            user_id,
            provider=data.provider,
            api_key=data.api_key,
            model_name=data.model_name,
            is_default=data.is_default,
            base_url=data.base_url,
        )
        return CredentialOut.of(credential)

    @get("/", operation_id="ListCredentials", summary="The caller's credentials, default first")
    async def list(
        self,
        user_id: NamedDependency[UUID],
        list_credentials: NamedDependency[ListCredentials],
        include_inactive: FromQuery[bool] = False,
    ) -> list[CredentialOut]:
        found = await list_credentials.execute(user_id, include_inactive=include_inactive)
        return [CredentialOut.of(c) for c in found]

    @get("/{credential_id:uuid}", operation_id="GetCredential", responses=problem_responses(404))
    async def get(
        self,
        credential_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        get_credential: NamedDependency[GetCredential],
    ) -> CredentialOut:
        return CredentialOut.of(await get_credential.execute(user_id, credential_id))

    @patch(
        "/{credential_id:uuid}",
        operation_id="UpdateCredential",
        summary="Change the model, or rotate the key (validated live)",
        responses=problem_responses(404, 409, 422, 429, 503),
    )
    async def update(
        self,
        credential_id: FromPath[UUID],
        data: JSONBody[CredentialUpdate],
        user_id: NamedDependency[UUID],
        update_credential: NamedDependency[UpdateCredential],
    ) -> CredentialOut:
        credential = await update_credential.execute(
            user_id,
            credential_id,
            api_key=None if data.api_key is msgspec.UNSET else data.api_key,
            model_name=UNCHANGED if data.model_name is msgspec.UNSET else data.model_name,
        )
        return CredentialOut.of(credential)

    @put(
        "/{credential_id:uuid}/default",
        operation_id="SetDefaultCredential",
        responses=problem_responses(404, 409),
    )
    async def set_default(
        self,
        credential_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        set_default_credential: NamedDependency[SetDefaultCredential],
    ) -> CredentialOut:
        return CredentialOut.of(await set_default_credential.execute(user_id, credential_id))

    @delete(
        "/{credential_id:uuid}",
        operation_id="DeleteCredential",
        summary="Soft delete: inactive, ciphertext erased, row kept for audit (idempotent)",
        responses=problem_responses(404),
    )
    async def revoke(
        self,
        credential_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        revoke_credential: NamedDependency[RevokeCredential],
    ) -> None:
        await revoke_credential.execute(user_id, credential_id)

    @post(
        "/validate",
        operation_id="ValidateApiKey",
        summary="Try a key against its provider; stores nothing",
        status_code=200,
        responses=problem_responses(422, 429, 503),
    )
    async def validate(
        self,
        data: JSONBody[KeyValidate],
        user_id: NamedDependency[UUID],
        validate_api_key: NamedDependency[ValidateApiKey],
    ) -> ValidationOut:
        result = await validate_api_key.execute(
            user_id=user_id,
            provider=data.provider,
            api_key=data.api_key,
            base_url=data.base_url,
            model_name=data.model_name,
        )
        return ValidationOut.of(result)

    @post(
        "/{credential_id:uuid}/validate",
        operation_id="RevalidateCredential",
        summary="Check a stored key again; updates last_validated_at",
        status_code=200,
        responses=problem_responses(404, 409, 429, 503),
    )
    async def revalidate(
        self,
        credential_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        revalidate_credential: NamedDependency[RevalidateCredential],
    ) -> ValidationOut:
        return ValidationOut.of(await revalidate_credential.execute(user_id, credential_id))
