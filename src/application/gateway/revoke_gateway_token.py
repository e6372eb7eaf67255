"""Revoke a gateway token."""

from __future__ import annotations

from uuid import UUID

from application.caching._changes import announce
from domain.errors import GatewayTokenNotFound
from domain.gateway_token import GatewayToken
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory


class RevokeGatewayToken:
    """- effective at once: after the commit the change feed tells every worker to forget what
      it remembers of the owner, so the token's next call reads it again and is refused;
    - idempotent (concurrent revokes are serialised by the owner's lock); another user's token id
      is ``GatewayTokenNotFound``, like a missing one."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, changes: ChangeFeed | None = None
    ) -> None:
        self._changes = changes
        self._uow = uow
        self._clock = clock

    async def execute(self, user_id: UUID, token_id: UUID) -> GatewayToken:
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            token = await uow.gateway_tokens.get(user_id, token_id)
            if token is None:
                raise GatewayTokenNotFound()
            if token.is_active:
                token.revoke(self._clock.now())
                await uow.gateway_tokens.save(token)
                await uow.commit()
                await announce(self._changes, user_id)
        return token
