"""The caller's tokens for the OpenAI-compatible gateway. A secret is shown once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.gateway.create_gateway_token import (
    MAX_NAME_LENGTH,
    CreateGatewayToken,
    NewGatewayToken,
)
from application.gateway.list_gateway_tokens import ListGatewayTokens
from application.gateway.revoke_gateway_token import RevokeGatewayToken
from domain.gateway_token import GatewayToken
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.openapi import problem_responses

TokenName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]


class GatewayTokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: TokenName


class GatewayTokenOut(msgspec.Struct):
    id: UUID
    name: str
    hint: str
    is_active: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, t: GatewayToken) -> GatewayTokenOut:
        return cls(
            t.id,
            t.name,
            f"byom_…{t.hint}",
            t.is_active,
            t.created_at,
            t.last_used_at,
            t.revoked_at,
        )


class NewGatewayTokenOut(GatewayTokenOut):
    token: str = ""
    """The secret: shown this once, never again."""

    @classmethod
    def of_new(cls, new: NewGatewayToken) -> NewGatewayTokenOut:
        listed = GatewayTokenOut.of(new.token)
        return cls(**msgspec.structs.asdict(listed), token=new.secret)


class GatewayTokenController(Controller):
    path = "/api/v1/users/me/gateway-tokens"
    tags = ["Gateway tokens"]
    dependencies = {
        **CURRENT_USER,
        **use_cases("create_gateway_token", "list_gateway_tokens", "revoke_gateway_token"),
    }

    @post(
        "/",
        operation_id="CreateGatewayToken",
        summary="A token for /v1 (OpenAI-compatible); the secret is in `token`, shown once",
        responses=problem_responses(422),
    )
    async def create(
        self,
        data: JSONBody[GatewayTokenCreate],
        user_id: NamedDependency[UUID],
        create_gateway_token: NamedDependency[CreateGatewayToken],
    ) -> NewGatewayTokenOut:
        return NewGatewayTokenOut.of_new(await create_gateway_token.execute(user_id, data.name))

    @get("/", operation_id="ListGatewayTokens", summary="The caller's tokens (hints only)")
    async def list(
        self,
        user_id: NamedDependency[UUID],
        list_gateway_tokens: NamedDependency[ListGatewayTokens],
    ) -> list[GatewayTokenOut]:
        return [GatewayTokenOut.of(t) for t in await list_gateway_tokens.execute(user_id)]

    @delete(
        "/{token_id:uuid}",
        operation_id="RevokeGatewayToken",
        summary="Revoke at once (idempotent)",
        responses=problem_responses(404),
    )
    async def revoke(
        self,
        token_id: FromPath[UUID],
        user_id: NamedDependency[UUID],
        revoke_gateway_token: NamedDependency[RevokeGatewayToken],
    ) -> None:
        await revoke_gateway_token.execute(user_id, token_id)
