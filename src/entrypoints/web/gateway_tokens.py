"""'Gateway tokens': create one with scopes (its secret shown once), list them with their last
use, scopes and state, change their scopes, revoke them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template

from application.gateway.create_gateway_token import CreateGatewayToken
from application.gateway.list_gateway_tokens import ListGatewayTokens
from application.gateway.revoke_gateway_token import RevokeGatewayToken
from application.gateway.update_gateway_token import UpdateGatewayToken
from domain.errors import DomainError, GatewayTokenNotFound
from domain.gateway_token import GatewayToken
from domain.user import User
from entrypoints.http.deps import container_of, use_cases
from entrypoints.http.money import usd_or_none
from entrypoints.web.errors import Friendly, friendly
from entrypoints.web.session import WEB_USER
from entrypoints.web.token_forms import TokenForm
from entrypoints.web.views import notice_for


@dataclass(frozen=True, slots=True)
class TokenView:
    id: UUID
    name: str
    hint: str
    state: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    allowed_models: tuple[str, ...] | None
    rpm: int | None
    tpm: int | None
    monthly_usd: str | None
    form: TokenForm
    error: Friendly | None = None

    @classmethod
    def of(
        cls,
        t: GatewayToken,
        now: datetime,
        failed: tuple[UUID, TokenForm, Friendly] | None = None,
    ) -> TokenView:
        """``failed``: an edit refused, shown on its own form as it was posted."""
        form, error = (failed[1], failed[2]) if failed and failed[0] == t.id else (None, None)
        state = "revoked" if not t.is_active else "expired" if t.is_expired(now) else "live"
        return cls(
            t.id, t.name, f"byom_…{t.hint}", state, t.created_at, t.last_used_at, t.expires_at,
            t.allowed_models, t.rpm, t.tpm, usd_or_none(t.monthly_usd), form or TokenForm.of(t),
            error,
        )  # fmt: skip


class GatewayTokensPage(Controller):
    path = "/gateway-tokens"
    dependencies = {
        **WEB_USER,
        **use_cases(
            "create_gateway_token",
            "list_gateway_tokens",
            "update_gateway_token",
            "revoke_gateway_token",
        ),
    }

    @get("/", name="web-gateway-tokens")
    async def show(
        self, user: NamedDependency[User], state: State, done: FromQuery[str | None] = None
    ) -> Template:
        return await tokens_page(state, user, notice=done)

    @post("/", name="web-create-gateway-token")
    async def create(
        self,
        data: URLEncodedBody[TokenForm],
        user: NamedDependency[User],
        state: State,
        create_gateway_token: NamedDependency[CreateGatewayToken],
    ) -> Template:
        try:
            new = await create_gateway_token.execute(user.id, data.name, data.scopes())
        except DomainError as exc:
            return await tokens_page(state, user, form=data, error=friendly(exc))
        # The secret is in this answer only: never in a URL, never again.
        return await tokens_page(state, user, secret=new.secret, created=new.token.name)

    @post("/{token_id:uuid}/scopes", name="web-update-gateway-token")
    async def update(
        self,
        token_id: FromPath[UUID],
        data: URLEncodedBody[TokenForm],
        user: NamedDependency[User],
        state: State,
        update_gateway_token: NamedDependency[UpdateGatewayToken],
    ) -> Response[Any]:
        tokens = await container_of(state).list_gateway_tokens.execute(user.id)
        token = next((t for t in tokens if t.id == token_id and t.is_active), None)
        try:
            if token is None:
                raise GatewayTokenNotFound()
            await update_gateway_token.execute(user.id, token_id, data.changes(token))
        except DomainError as exc:
            return await tokens_page(state, user, failed=(token_id, data, friendly(exc)))
        return Redirect("/gateway-tokens?done=token_updated", status_code=303)

    @post("/{token_id:uuid}/revoke", name="web-revoke-gateway-token")
    async def revoke(
        self,
        token_id: FromPath[UUID],
        user: NamedDependency[User],
        state: State,
        revoke_gateway_token: NamedDependency[RevokeGatewayToken],
    ) -> Response[Any]:
        try:
            await revoke_gateway_token.execute(user.id, token_id)
        except DomainError as exc:
            return await tokens_page(state, user, error=friendly(exc))
        return Redirect("/gateway-tokens?done=token_revoked", status_code=303)


async def tokens_page(
    state: State,
    user: User,
    *,
    notice: str | None = None,
    form: TokenForm | None = None,
    error: Friendly | None = None,
    secret: str | None = None,
    created: str | None = None,
    failed: tuple[UUID, TokenForm, Friendly] | None = None,
) -> Template:
    container = container_of(state)
    listing: ListGatewayTokens = container.list_gateway_tokens
    now = container.clock.now()
    views = [TokenView.of(t, now, failed) for t in await listing.execute(user.id)]
    bad = error or (failed[2] if failed else None)
    context = {
        "user": user,
        "active": "gateway-tokens",
        "tokens": views,
        "form": form or TokenForm(),
        "error": error,
        "notice": notice_for(notice),
        "secret": secret,
        "created": created,
    }
    return Template(
        template_name="gateway_tokens.html",
        context=context,
        status_code=bad.status if bad else 200,
    )
