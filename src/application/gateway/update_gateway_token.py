"""Rename a gateway token or change its scopes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Final, TypeVar
from uuid import UUID

from application.caching._changes import announce
from application.gateway._token_scopes import checked
from application.gateway.create_gateway_token import token_name
from domain.errors import GatewayTokenNotFound
from domain.gateway_token import GatewayToken
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory
from domain.token_scopes import TokenScopes

T = TypeVar("T")


class Keep(Enum):
    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""A field left out of an update keeps its value; None clears a scope."""


@dataclass(frozen=True, slots=True)
class GatewayTokenChanges:
    name: str | Keep = KEEP
    expires_at: datetime | Keep | None = KEEP
    allowed_models: tuple[str, ...] | Keep | None = KEEP
    rpm: int | Keep | None = KEEP
    tpm: int | Keep | None = KEEP
    monthly_usd: Decimal | Keep | None = KEEP

    def applied_to(self, old: TokenScopes) -> TokenScopes:
        return TokenScopes(
            _or(self.expires_at, old.expires_at),
            _or(self.allowed_models, old.allowed_models),
            _or(self.rpm, old.rpm),
            _or(self.tpm, old.tpm),
            _or(self.monthly_usd, old.monthly_usd),
        )


def _or(new: T | Keep, old: T) -> T:
    return old if isinstance(new, Keep) else new


class UpdateGatewayToken:
    """- the name and any scope, each changed only when given (``None`` clears a scope);
    - the result is checked like a new token's scopes; a new ``expires_at`` must be in the
      future (an expired token may be renamed, or given a new one);
    - a revoked token cannot change, and another user's token id is ``GatewayTokenNotFound``
      like a missing one; changes take effect on the token's next call."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, changes: ChangeFeed | None = None
    ) -> None:
        self._changes = changes
        self._uow = uow
        self._clock = clock

    async def execute(
        self, user_id: UUID, token_id: UUID, changes: GatewayTokenChanges
    ) -> GatewayToken:
        name = None if isinstance(changes.name, Keep) else token_name(changes.name)
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            token = await uow.gateway_tokens.get(user_id, token_id)
            if token is None or not token.is_active:
                raise GatewayTokenNotFound()
            new_expiry = not isinstance(changes.expires_at, Keep)
            now = self._clock.now() if new_expiry else None
            scopes = checked(changes.applied_to(token.scopes), now)
            token.rescope(name or token.name, scopes)
            await uow.gateway_tokens.save(token)
            await uow.commit()
            await announce(self._changes, user_id)
        return token
