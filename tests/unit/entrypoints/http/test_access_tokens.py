"""Access tokens: what the issuer signs is what the JWT middleware's settings accept."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

from entrypoints.http.access_tokens import (
    ALGORITHM,
    MIN_SECRET_BYTES,
    JwtTokenIssuer,
    decode_access_token,
)
from tests.support.builders import JWT_SECRET
from tests.support.fakes import FakeClock


def test_a_token_carries_the_user_and_every_required_claim() -> None:
    clock = FakeClock()
    user_id = uuid4()
    encoded, ttl = JwtTokenIssuer(JWT_SECRET, 3600, clock).issue(user_id, 0)
    token = decode_access_token(encoded, JWT_SECRET)
    assert ttl == 3600
    assert token.sub == str(user_id)
    assert token.iat == clock.now()
    assert (token.exp - token.iat).total_seconds() == 3600
    assert (token.iss, token.aud) == ("byom", "byom-api")


def test_a_token_for_another_audience_is_not_an_access_token() -> None:
    other = Token(
        sub=str(uuid4()), exp=FakeClock().now() + timedelta(hours=1), iss="byom", aud="elsewhere"
    )
    with pytest.raises(NotAuthorizedException):
        decode_access_token(other.encode(JWT_SECRET, ALGORITHM), JWT_SECRET)


def test_two_tokens_for_one_user_differ() -> None:
    issuer = JwtTokenIssuer(JWT_SECRET, 600, FakeClock())
    user_id = uuid4()
    assert issuer.issue(user_id, 0)[0] != issuer.issue(user_id, 0)[0]


def test_a_short_secret_is_refused_and_never_shown() -> None:
    short = "s" * (MIN_SECRET_BYTES - 1)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        JwtTokenIssuer(short, 600, FakeClock())
    assert JWT_SECRET not in repr(JwtTokenIssuer(JWT_SECRET, 600, FakeClock()))


def test_a_token_carries_the_revocation_stamp_it_was_issued_under() -> None:
    encoded, _ = JwtTokenIssuer(JWT_SECRET, 3600, FakeClock()).issue(uuid4(), 1234)
    assert decode_access_token(encoded, JWT_SECRET).rev == 1234


def test_a_verified_token_is_remembered_and_still_refused_once_it_expired() -> None:
    # exp is in whole seconds: this one ends within the next two.
    ends = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    clock = FakeClock(ends - timedelta(seconds=600))
    encoded, _ = JwtTokenIssuer(JWT_SECRET, 600, clock).issue(uuid4(), 0)

    first = decode_access_token(encoded, JWT_SECRET)
    assert decode_access_token(encoded, JWT_SECRET) is first  # not verified again

    time.sleep(max(0.0, ends.timestamp() - time.time()) + 0.05)
    with pytest.raises(NotAuthorizedException):
        decode_access_token(encoded, JWT_SECRET)


def test_a_remembered_token_altered_or_under_another_key_is_verified_again() -> None:
    encoded, _ = JwtTokenIssuer(JWT_SECRET, 3600, FakeClock()).issue(uuid4(), 0)
    decode_access_token(encoded, JWT_SECRET)
    header, claims, signature = encoded.split(".")
    forged = ".".join([header, claims, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])

    with pytest.raises(NotAuthorizedException):
        decode_access_token(forged, JWT_SECRET)
    with pytest.raises(NotAuthorizedException):
        decode_access_token(encoded, "another secret of at least thirty-two bytes")
