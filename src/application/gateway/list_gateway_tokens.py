"""The caller's gateway tokens (hints only: the secrets are not kept)."""

from __future__ import annotations

from uuid import UUID

from domain.gateway_token import GatewayToken
from domain.ports import UnitOfWorkFactory


class ListGatewayTokens:
    """- newest first, revoked ones included (they say when they were revoked)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, user_id: UUID) -> list[GatewayToken]:
        async with self._uow() as uow:
            return await uow.gateway_tokens.list_for_user(user_id)
