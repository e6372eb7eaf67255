"""Who is calling the gateway."""

from __future__ import annotations

from datetime import timedelta

from application.gateway import _token_secret as secret
from domain.errors import GatewayTokenExpired, InvalidGatewayToken
from domain.gateway_token import GatewayToken
from domain.ports import Clock, UnitOfWorkFactory

# Recording every use would be a write per call; once a minute tells the user enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class AuthenticateGatewayToken:
    """- the token is found by its digest, on every call: a revoked token is refused at once;
    - unknown, revoked, malformed, or owned by a deactivated account: ``InvalidGatewayToken``,
      the same answer for each; past its ``expires_at``: ``GatewayTokenExpired`` (a 401 too,
      saying why: only the secret's holder can ask);
    - returns the token, scopes and all, for the gateway to enforce them;
    - ``last_used_at`` moves forward at most once a minute, in one conditional write that never
      touches a revoked token: a revoke committed meanwhile wins and this call is refused too."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, raw: str) -> GatewayToken:
        """The token (its owner is ``user_id``; its scopes apply to the call)."""
        if not secret.looks_like_a_token(raw):
            raise InvalidGatewayToken()
        async with self._uow() as uow:
            token = await uow.gateway_tokens.by_digest(secret.digest(raw))
            if token is None or not token.is_active:
                raise InvalidGatewayToken()
            user = await uow.users.get(token.user_id)
            if user is None or not user.is_active:
                raise InvalidGatewayToken()
        now = self._clock.now()
        if token.is_expired(now):
            raise GatewayTokenExpired()
        if token.touch(now, resolution=LAST_USED_RESOLUTION):
            # A transaction of its own, whose first statement is the write: on SQLite a write
            # after reads fails outright when another transaction committed in between.
            async with self._uow() as uow:
                if not await uow.gateway_tokens.touch(token.user_id, token.id, now):
                    raise InvalidGatewayToken()
                await uow.commit()
        return token
