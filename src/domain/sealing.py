"""Values of the two-level envelope (see SECURITY.md): wrapped data keys and sealing context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A user's data key encrypted under one master key of the keyring."""

    kek_id: str
    ciphertext: bytes


@dataclass(slots=True)
class DataKey:
    """The stored row of a user's data key. Only ever holds the wrapped form."""

    id: UUID
    user_id: UUID
    wrapped: WrappedKey
    created_at: datetime
    destroyed_at: datetime | None = None
    seal_count: int = 0

    @property
    def is_live(self) -> bool:
        return self.destroyed_at is None


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
