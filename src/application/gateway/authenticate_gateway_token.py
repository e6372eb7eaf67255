"""Who is calling the gateway."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from application.caching._remembered import Remembered
from application.gateway import _token_secret as secret
from domain.errors import GatewayTokenExpired, InvalidGatewayToken
from domain.gateway_token import GatewayToken
from domain.ports import Clock, UnitOfWorkFactory

# Recording every use would be a write per call; once a minute tells the user enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class KnownToken:
    """A token as read, scopes and all, and whether its owner's account was active (not read
    for a revoked token, which is refused whoever owns it: False)."""

    token: GatewayToken
    owner_active: bool


KnownTokens = Remembered[bytes, KnownToken]  # by the secret's digest


class AuthenticateGatewayToken:
    """- the token is found by its digest: read from the store, or remembered briefly
      (``known``), which the change feed empties of a user's tokens when one of them is
      created, changed or revoked, or the account closed: a revoked token is refused at once;
    - unknown, revoked, malformed, or owned by a deactivated account: ``InvalidGatewayToken``,
      the same answer for each; past its ``expires_at``: ``GatewayTokenExpired`` (a 401 too,
      saying why: only the secret's holder can ask), compared with the clock on every call;
    - returns a copy of the token, scopes and all, for the gateway to enforce them;
    - ``last_used_at`` moves forward at most once a minute per token: each worker asks once a
      minute (the remembered token carries its last write), and the store writes only past the
      minute, whichever worker asked, in one conditional write that never touches a revoked
      token: a revoke committed meanwhile wins and this call is refused too."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, known: KnownTokens) -> None:
        self._uow = uow
        self._clock = clock
        self._known = known

    async def execute(self, raw: str) -> GatewayToken:
        """The token (its owner is ``user_id``; its scopes apply to the call)."""
        if not secret.looks_like_a_token(raw):
            raise InvalidGatewayToken()
        digest = secret.digest(raw)
        known = self._known.recall(digest) or await self._read(digest)
        token = known.token
        if not token.is_active or not known.owner_active:
            raise InvalidGatewayToken()
        now = self._clock.now()
        if token.is_expired(now):
            raise GatewayTokenExpired()
        if token.touch(now, resolution=LAST_USED_RESOLUTION):
            # A transaction of its own, whose first statement is the write: on SQLite a write
            # after reads fails outright when another transaction committed in between.
            async with self._uow() as uow:
                touched = uow.gateway_tokens.touch(
                    token.user_id, token.id, now, not_within=LAST_USED_RESOLUTION
                )
                if not await touched:
                    self._known.discard(digest)
                    raise InvalidGatewayToken()
                await uow.commit()
        return replace(token)

    async def _read(self, digest: bytes) -> KnownToken:
        ticket = self._known.ticket()
        async with self._uow() as uow:
            token = await uow.gateway_tokens.by_digest(digest)
            if token is None:
                raise InvalidGatewayToken()
            # A revoked token is refused whoever owns it: its owner need not be read.
            user = await uow.users.get(token.user_id) if token.is_active else None
        known = KnownToken(token, user is not None and user.is_active)
        self._known.keep(token.user_id, digest, known, ticket)
        return known
