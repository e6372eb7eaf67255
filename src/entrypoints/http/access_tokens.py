"""HS256 access tokens, issued with Litestar's ``Token``; its JWT middleware (http/app.py,
web/session.py) decodes them with the settings below, so issuing sits with the framework too."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from litestar.security.jwt import Token

from domain.ports import Clock, SessionRevocations, TokenIssuer

ALGORITHM = "HS256"
# Who signs access tokens and what they are for: a token signed with the same secret for
# another purpose (or another service sharing it) is not an access token (security-tests D1–D6).
ISSUER = "byom"
AUDIENCE = "byom-api"
# Tokens without these are refused by the middleware, so tokens from before iss/aud are too.
REQUIRED_CLAIMS = ("sub", "exp", "iat", "jti", "iss", "aud")
MIN_SECRET_BYTES = 32


@dataclass
class AccessTokenClaims(Token):
    """Litestar's token plus ``rev``: the user's revocation stamp when it was issued."""

    rev: int = 0

    async def is_revoked(self, revocations: SessionRevocations, user_id: uuid.UUID) -> bool:
        # One read of the shared store per request, no database round trip.
        return self.rev < await revocations.stamp(user_id)


def decode_access_token(raw: str, secret: str) -> AccessTokenClaims:
    """What the JWT middleware checks, for the pages' cookie: raises NotAuthorizedException."""
    return AccessTokenClaims.decode(
        raw,
        secret,
        ALGORITHM,
        audience=AUDIENCE,
        issuer=ISSUER,
        require_claims=list(REQUIRED_CLAIMS),
        strict_audience=True,
    )


class JwtTokenIssuer(TokenIssuer):
    def __init__(self, secret: str, ttl_seconds: int, clock: Clock) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._ttl = ttl_seconds
        self._clock = clock

    def issue(self, user_id: UUID, stamp: int) -> tuple[str, int]:
        now = self._clock.now()
        token = AccessTokenClaims(
            sub=str(user_id),
            iat=now,
            exp=now + timedelta(seconds=self._ttl),
            jti=uuid.uuid4().hex,
            iss=ISSUER,
            aud=AUDIENCE,
            rev=stamp,
        )
        return token.encode(secret=self._secret, algorithm=ALGORITHM), self._ttl

    def __repr__(self) -> str:
        return f"JwtTokenIssuer(ttl={self._ttl})"
