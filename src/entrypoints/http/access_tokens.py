"""HS256 access tokens, issued with Litestar's ``Token``; its JWT middleware (http/app.py,
web/session.py) decodes them with the settings below, so issuing sits with the framework too."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Self
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


# Verified tokens a worker remembers: a token is checked once (signature, issuer, audience,
# claims: about 0.1-0.2 ms of CPU), then only its expiry, on every request that carries it.
VERIFIED_TOKENS = 4096


@dataclass
class AccessTokenClaims(Token):
    """Litestar's token plus ``rev``: the user's revocation stamp when it was issued."""

    rev: int = 0

    @classmethod
    def decode(
        cls,
        encoded_token: str,
        secret: str,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | Sequence[str] | None = None,
        require_claims: Sequence[str] | None = None,
        verify_exp: bool = True,
        verify_nbf: bool = True,
        strict_audience: bool = False,
    ) -> Self:
        """As ``Token.decode``; a token it verified before with the same settings is not
        verified again until it expires. Remembered under a digest of the token and its
        settings, the key included: no token or key is kept, and any other string (a token
        altered by one character) is a miss, verified in full."""
        asked = (encoded_token, secret, algorithm, audience, issuer, require_claims, verify_nbf)
        digest = hashlib.sha256(repr((asked, strict_audience)).encode()).digest()
        known = _verified.get(digest) if verify_exp else None  # no caller turns it off
        if known is not None and isinstance(known, cls):
            if time.time() < known.exp.timestamp():
                _verified.move_to_end(digest)
                return known
            del _verified[digest]  # expired: Token.decode says so
        token = super().decode(
            encoded_token,
            secret,
            algorithm,
            audience,
            issuer,
            require_claims,
            verify_exp,
            verify_nbf,
            strict_audience,
        )
        _verified[digest] = token
        if len(_verified) > VERIFIED_TOKENS:
            _verified.popitem(last=False)
        return token

    async def is_revoked(self, revocations: SessionRevocations, user_id: uuid.UUID) -> bool:
        # One read of the shared store per request, no database round trip.
        return self.rev < await revocations.stamp(user_id)


_verified: OrderedDict[bytes, AccessTokenClaims] = OrderedDict()


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
