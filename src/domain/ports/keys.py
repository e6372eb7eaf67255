"""Keys at rest: users' data keys, the master keyring that wraps them, the cipher that seals
API keys under them."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from domain.sealing import DataKey, SealContext, WrappedKey


class DataKeyStore(Protocol):
    async def add(self, key: DataKey) -> None: ...

    async def get(self, user_id: UUID, key_id: UUID) -> DataKey | None: ...

    async def live_for_user(self, user_id: UUID) -> DataKey | None:
        """The user's one data key that is not destroyed, if any."""
        ...

    async def save(self, key: DataKey) -> None:
        """Persist changes. A destroyed key is final: saving onto one (from a stale read) changes
        nothing and raises ``DataKeyDestroyed``."""
        ...

    async def live_not_wrapped_by(
        self, kek_id: str, limit: int, *, after: UUID | None = None
    ) -> list[DataKey]:
        """A page of live data keys wrapped by another master key, by id, after ``after``."""
        ...

    async def count_by_kek(self) -> dict[str, int]:
        """Live data keys per master key id."""
        ...


class KeyCanaryStore(Protocol):
    """One canary per master key id: a data key it wrapped, which readiness unwraps."""

    async def get(self, kek_id: str) -> WrappedKey | None: ...

    async def add(self, canary: WrappedKey) -> None:
        """Keeps ``canary`` unless its master key id has one already (that one stays)."""
        ...


class KeyWrapper(Protocol):
    """Wraps users' data keys with the master keyring (a KMS could implement this later)."""

    __slots__ = ()  # so implementations that declare __slots__ stay without a __dict__

    @property
    def primary_key_id(self) -> str: ...

    def key_ids(self) -> tuple[str, ...]: ...

    async def wrap(self, dek: bytes, user_id: UUID) -> WrappedKey: ...

    async def unwrap(self, wrapped: WrappedKey, user_id: UUID) -> bytes:
        """Raises ``UnknownMasterKey`` or ``DecryptionFailed``."""
        ...


class Cipher(Protocol):
    """Authenticated encryption of API keys under a data key; ``context`` is the associated data."""

    __slots__ = ()  # so implementations that declare __slots__ stay without a __dict__

    def new_data_key(self) -> bytes: ...

    def seal(self, dek: bytes, plaintext: bytes, context: SealContext) -> bytes: ...

    def open(self, dek: bytes | bytearray, sealed: bytes, context: SealContext) -> bytes:
        """Raises ``DecryptionFailed`` for any tampering or a context that does not match.
        ``dek`` may be a bytearray: a remembered data key, wiped when it is dropped."""
        ...
