"""argon2id password hashing (argon2-cffi), off the event loop."""

from __future__ import annotations

import os

import anyio
import anyio.to_thread
from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.ports import PasswordHasher

_DUMMY_PASSWORD = "byom dummy password for unknown accounts"  # noqa: S105 (nobody's)
# Unknown emails verify this, so that they cost what a wrong password does. Made once, with the
# default parameters: hashing it in each worker as it started took 0.25 s of CPU (issue 15). A
# hasher with other parameters makes its own, at the same cost as its real hashes.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$m2qsxN0UyNZU0RTqlVRohQ$"
    "TY0br2zjERANago5fi/NbtVJl0GF8S635x8ec7hDjQo"
)


class Argon2PasswordHasher(PasswordHasher):
    """Defaults are argon2-cffi's RFC 9106 low-memory profile (m=64 MiB, t=3, p=4), above
    OWASP's argon2id minimum (m=19 MiB, t=2, p=1). Hashing runs in a worker thread."""

    def __init__(
        self, *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4
    ) -> None:
        # At most one hash per core at a time: each takes 64 MiB, and a burst of sign-ups or
        # logins must queue rather than take the process's memory (docs/security-tests.md, H14).
        self._slots = anyio.CapacityLimiter(os.cpu_count() or 1)
        self._argon2 = _Argon2(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._dummy = (
            self._argon2.hash(_DUMMY_PASSWORD)
            if self._argon2.check_needs_rehash(DUMMY_HASH)
            else DUMMY_HASH
        )

    @classmethod
    def fast_for_tests(cls) -> Argon2PasswordHasher:
        """Still argon2id, with the smallest parameters: tests sign up hundreds of users."""
        return cls(time_cost=1, memory_cost=1024, parallelism=1)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._slots)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(
            self._verify, password_hash, password, limiter=self._slots
        )

    async def verify_dummy(self, password: str) -> None:
        await anyio.to_thread.run_sync(self._verify, self._dummy, password, limiter=self._slots)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
