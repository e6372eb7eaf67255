"""Password hashing: argon2id with at least OWASP's parameters (docs/security-tests.md, D10)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from argon2 import extract_parameters
from argon2.low_level import Type

from adapters.auth.argon2_hasher import DUMMY_HASH, Argon2PasswordHasher


async def test_the_default_hash_is_argon2id_above_the_owasp_minimum() -> None:
    hashed = await Argon2PasswordHasher().hash("a long enough password")
    params = extract_parameters(hashed)
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert params.parallelism >= 1


async def test_verification_accepts_only_the_password() -> None:
    hasher = Argon2PasswordHasher.fast_for_tests()
    hashed = await hasher.hash("p" * 72 + "tail")
    assert await hasher.verify(hashed, "p" * 72 + "tail")
    assert not await hasher.verify(hashed, "p" * 72)
    assert not await hasher.verify("not a hash at all", "p")


async def test_weaker_hashes_need_a_rehash() -> None:
    weak = await Argon2PasswordHasher.fast_for_tests().hash("pw-pw-pw-pw")
    assert Argon2PasswordHasher().needs_rehash(weak)
    assert not Argon2PasswordHasher.fast_for_tests().needs_rehash(weak)


async def test_the_dummy_verification_does_the_same_work_and_returns_nothing() -> None:
    # Seen as returning an object, so the test can check what the signature promises.
    verify_dummy: Callable[[str], Awaitable[object]] = (
        Argon2PasswordHasher.fast_for_tests().verify_dummy
    )
    assert await verify_dummy("anything") is None


def test_the_stored_dummy_hash_is_the_default_hasher_s_own() -> None:
    # Same parameters, same work as an account's hash; and a default hasher, as every worker
    # builds one, need not make one at start.
    assert not Argon2PasswordHasher().needs_rehash(DUMMY_HASH)
