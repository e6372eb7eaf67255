"""Values of the two-level envelope (docs/security.md, "Encryption at rest"): wrapped data keys
and sealing context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.errors import DataKeyDestroyed


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A user's data key encrypted under one master key of the keyring."""

    kek_id: str
    ciphertext: bytes


@dataclass(slots=True)
class DataKey:
    """The stored row of a user's data key. Only ever holds the wrapped form.

    - destroying it is final (crypto-shredding): a destroyed key is never rewrapped, never seals
      again and never comes back;
    - every seal under it is counted (docs/security-tests.md, A18).
    """

    id: UUID
    user_id: UUID
    wrapped: WrappedKey
    created_at: datetime
    destroyed_at: datetime | None = None
    seal_count: int = 0

    @property
    def is_live(self) -> bool:
        return self.destroyed_at is None

    def ensure_live(self) -> None:
        if not self.is_live:
            raise DataKeyDestroyed()

    def destroy(self, now: datetime) -> bool:
        """Crypto-shred. False when it already was destroyed (destroying is idempotent)."""
        if not self.is_live:
            return False
        self.destroyed_at = now
        return True

    def rewrap(self, wrapped: WrappedKey) -> None:
        """The same data key under another master key (master key rotation)."""
        self.ensure_live()
        self.wrapped = wrapped

    def count_seal(self) -> None:
        self.ensure_live()
        self.seal_count += 1


@dataclass(frozen=True, slots=True)
class SealContext:
    """What a sealed API key is bound to: it opens only in the row it was sealed for."""

    user_id: UUID
    credential_id: UUID
    provider: str
    base_url: str | None

    def associated_data(self, header: bytes) -> bytes:
        # Length-prefixed fields make the encoding canonical: ("a:b", "c") != ("a", "b:c").
        parts = [
            str(self.user_id).encode(),
            str(self.credential_id).encode(),
            self.provider.encode(),
            (self.base_url or "").encode(),
        ]
        return header + b"".join(len(p).to_bytes(4, "big") + p for p in parts)
