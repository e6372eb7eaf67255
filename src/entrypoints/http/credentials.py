"""Routes for the caller's LLM credentials. Every query is scoped to the authenticated user."""

from __future__ import annotations

from datetime import datetime
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
from application.credentials.validate_api_key import ValidateApiKey
from entrypoints.http.credentials_wire import (
    CredentialCreate,
    CredentialOut,
    CredentialUpdate,
    KeyValidate,
    ValidationOut,
)
from entrypoints.http.deps import CURRENT_USER, NOW, use_cases
from entrypoints.http.openapi import problem_responses


class CredentialController(Controller):
    path = "/api/v1/users/me/llm-credentials"
    tags = ["LLM credentials"]
    dependencies = {
        **CURRENT_USER,
        **NOW,
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
        now: NamedDependency[datetime],
    ) -> CredentialOut:
        credential = await add_credential.execute(
            user_id,
            provider=data.provider,
            api_key=data.api_key,
            model_name=data.model_name,
            is_default=data.is_default,
            base_url=data.base_url,
            expires_at=data.expires_at,
        )
        return CredentialOut.of(credential, now)

    @get(
        "/",
        operation_id="ListCredentials",
        summary="The caller's credentials, default first",
        responses=problem_responses(422),
    )
    # Not ``list``: with ``responses`` in the decorator, mypy reads ``list[...]`` below as it.
    async def list_all(
        self,
        user_id: NamedDependency[UUID],
        list_credentials: NamedDependency[ListCredentials],
        now: NamedDependency[datetime],
        include_inactive: FromQuery[bool] = False,
    ) -> list[CredentialOut]:
        found = await list_credentials.execute(user_id, include_inactive=include_inactive)
        return [CredentialOut.of(c, now) for c in found]

    @get("/{credential_id:uuid}", operation_id="GetCredential", responses=problem_responses(404))
    async def get(
        self,
        credential_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        get_credential: NamedDependency[GetCredential],
        now: NamedDependency[datetime],
    ) -> CredentialOut:
        return CredentialOut.of(await get_credential.execute(user_id, credential_id), now)

    @patch(
        "/{credential_id:uuid}",
        operation_id="UpdateCredential",
        summary="Change the model or the expiry, or rotate the key (validated live)",
        description=(
            "`expires_at`: a future time with a time zone, or null to clear it. A new key "
            "clears the old key's expiry unless the same request sets one."
        ),
        responses=problem_responses(404, 409, 422, 429, 503),
    )
    async def update(
        self,
        credential_id: FromPath[UUID],
        data: JSONBody[CredentialUpdate],
        user_id: NamedDependency[UUID],
        update_credential: NamedDependency[UpdateCredential],
        now: NamedDependency[datetime],
    ) -> CredentialOut:
        credential = await update_credential.execute(
            user_id,
            credential_id,
            api_key=None if data.api_key is msgspec.UNSET else data.api_key,
            model_name=UNCHANGED if data.model_name is msgspec.UNSET else data.model_name,
            expires_at=UNCHANGED if data.expires_at is msgspec.UNSET else data.expires_at,
        )
        return CredentialOut.of(credential, now)

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
        now: NamedDependency[datetime],
    ) -> CredentialOut:
        credential = await set_default_credential.execute(user_id, credential_id)
        return CredentialOut.of(credential, now)

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
