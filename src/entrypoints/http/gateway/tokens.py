"""The caller's tokens for the OpenAI-compatible gateway. A secret is shown once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.gateway.create_gateway_token import (
    MAX_NAME_LENGTH,
    CreateGatewayToken,
    NewGatewayToken,
)
from application.gateway.list_gateway_tokens import ListGatewayTokens
from application.gateway.revoke_gateway_token import RevokeGatewayToken
from application.gateway.update_gateway_token import (
    KEEP,
    GatewayTokenChanges,
    UpdateGatewayToken,
)
from domain.gateway_token import GatewayToken
from domain.model_name import MAX_MODEL_NAME_LENGTH
from domain.token_scopes import MAX_ALLOWED_MODELS, TokenScopes, parse_usd
from entrypoints.http.deps import CURRENT_USER, container_of, use_cases
from entrypoints.http.money import usd_or_none
from entrypoints.http.openapi import problem_responses

TokenName = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]
ModelList = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=MAX_MODEL_NAME_LENGTH)]],
    msgspec.Meta(max_length=MAX_ALLOWED_MODELS),
]
Rate = Annotated[int, msgspec.Meta(ge=1)]
Usd = Annotated[str, msgspec.Meta(max_length=32, examples=["20.00"])]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType


class GatewayTokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: TokenName
    expires_at: datetime | None = None
    allowed_models: ModelList | None = None
    rpm: Rate | None = None
    tpm: Rate | None = None
    monthly_usd: Usd | None = None

    def scopes(self) -> TokenScopes:
        return TokenScopes(
            self.expires_at,
            None if self.allowed_models is None else tuple(self.allowed_models),
            self.rpm,
            self.tpm,
            None if self.monthly_usd is None else parse_usd(self.monthly_usd),
        )


class GatewayTokenUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Absent: unchanged; ``null``: no limit of that kind."""

    name: TokenName | Unset = UNSET
    expires_at: datetime | Unset | None = UNSET
    allowed_models: ModelList | Unset | None = UNSET
    rpm: Rate | Unset | None = UNSET
    tpm: Rate | Unset | None = UNSET
    monthly_usd: Usd | Unset | None = UNSET

    def changes(self) -> GatewayTokenChanges:
        models, usd = self.allowed_models, self.monthly_usd
        return GatewayTokenChanges(
            name=KEEP if self.name is UNSET else self.name,
            expires_at=KEEP if self.expires_at is UNSET else self.expires_at,
            allowed_models=KEEP if models is UNSET else None if models is None else tuple(models),
            rpm=KEEP if self.rpm is UNSET else self.rpm,
            tpm=KEEP if self.tpm is UNSET else self.tpm,
            monthly_usd=KEEP if usd is UNSET else None if usd is None else parse_usd(usd),
        )


class GatewayTokenOut(msgspec.Struct):
    id: UUID
    name: str
    hint: str
    is_active: bool
    state: Literal["live", "expired", "revoked"]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None
    allowed_models: list[str] | None
    """In routed form (``openai/gpt-4o``); null: any model."""
    rpm: int | None
    tpm: int | None
    monthly_usd: str | None

    @classmethod
    def of(cls, t: GatewayToken, now: datetime) -> GatewayTokenOut:
        return cls(
            t.id,
            t.name,
            f"byom_…{t.hint}",
            t.is_active,
            "revoked" if not t.is_active else "expired" if t.is_expired(now) else "live",
            t.created_at,
            t.last_used_at,
            t.revoked_at,
            t.expires_at,
            None if t.allowed_models is None else list(t.allowed_models),
            t.rpm,
            t.tpm,
            usd_or_none(t.monthly_usd),
        )


class NewGatewayTokenOut(GatewayTokenOut):
    token: str = ""
    """The secret: shown this once, never again."""

    @classmethod
    def of_new(cls, new: NewGatewayToken, now: datetime) -> NewGatewayTokenOut:
        listed = GatewayTokenOut.of(new.token, now)
        return cls(**msgspec.structs.asdict(listed), token=new.secret)


def _now(request: Request[Any, Any, Any]) -> datetime:
    return container_of(request.app.state).clock.now()


class GatewayTokenController(Controller):
    path = "/api/v1/users/me/gateway-tokens"
    tags = ["Gateway tokens"]
    dependencies = {
        **CURRENT_USER,
        **use_cases(
            "create_gateway_token",
            "list_gateway_tokens",
            "update_gateway_token",
            "revoke_gateway_token",
        ),
    }

    @post(
        "/",
        operation_id="CreateGatewayToken",
        summary="A token for /v1 (OpenAI-compatible), with optional scopes; the secret is in "
        "`token`, shown once",
        responses=problem_responses(422),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[GatewayTokenCreate],
        user_id: NamedDependency[UUID],
        create_gateway_token: NamedDependency[CreateGatewayToken],
    ) -> NewGatewayTokenOut:
        new = await create_gateway_token.execute(user_id, data.name, data.scopes())
        return NewGatewayTokenOut.of_new(new, _now(request))

    @get("/", operation_id="ListGatewayTokens", summary="The caller's tokens (hints only)")
    async def list(
        self,
        request: Request[Any, Any, Any],
        user_id: NamedDependency[UUID],
        list_gateway_tokens: NamedDependency[ListGatewayTokens],
    ) -> list[GatewayTokenOut]:
        now = _now(request)
        return [GatewayTokenOut.of(t, now) for t in await list_gateway_tokens.execute(user_id)]

    @patch(
        "/{token_id:uuid}",
        operation_id="UpdateGatewayToken",
        summary="Rename or rescope a live token (absent: unchanged; null: no limit)",
        responses=problem_responses(404, 422),
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        token_id: FromPath[UUID],
        data: JSONBody[GatewayTokenUpdate],
        user_id: NamedDependency[UUID],
        update_gateway_token: NamedDependency[UpdateGatewayToken],
    ) -> GatewayTokenOut:
        token = await update_gateway_token.execute(user_id, token_id, data.changes())
        return GatewayTokenOut.of(token, _now(request))

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
