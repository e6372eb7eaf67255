"""A user's stored LLM credential and the rules that protect it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.api_key import mask
from domain.errors import CredentialRevoked, InvalidExpiry
from domain.provider import Provider


@dataclass(slots=True)
class LlmCredential:
    """One provider key of one user.

    - at most one active credential per (user, provider); at most one default per user;
    - a revoked credential keeps its row for audit but loses its ciphertext and never comes back;
    - revoking the default promotes nothing: the user falls back to the system default;
    - past its ``expires_at`` a key is never resolved; ``expiry_recorded_at`` says the
      ``expired`` event was written (once per expiry: a new expiry or a new key re-arms it).
    """

    id: UUID
    user_id: UUID
    provider: Provider
    model_name: str | None
    encrypted_api_key: bytes | None
    encryption_key_id: str
    key_hint: str
    base_url: str | None
    is_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    last_validated_at: datetime | None = None
    last_error: str | None = None
    revoked_at: datetime | None = None
    expires_at: datetime | None = None
    expiry_recorded_at: datetime | None = None

    @property
    def masked_key(self) -> str:
        return mask(self.key_hint, self.provider)

    def ensure_active(self) -> None:
        if not self.is_active:
            raise CredentialRevoked()

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def expiry_unrecorded(self) -> bool:
        return self.expiry_recorded_at is None

    def set_expiry(self, expires_at: datetime | None, now: datetime) -> None:
        self.ensure_active()
        check_expiry(expires_at, now)
        if expires_at != self.expires_at:
            self.expires_at = expires_at
            self.expiry_recorded_at = None
        self.updated_at = now

    def make_default(self, now: datetime) -> None:
        self.ensure_active()
        self.is_default = True
        self.updated_at = now

    def unset_default(self, now: datetime) -> None:
        self.is_default = False
        self.updated_at = now

    def rotate_key(self, sealed: bytes, data_key_id: str, hint: str, now: datetime) -> None:
        self.ensure_active()
        self.encrypted_api_key = sealed
        self.encryption_key_id = data_key_id
        self.key_hint = hint
        # The expiry belonged to the old key.
        self.expires_at = None
        self.expiry_recorded_at = None
        self.last_validated_at = now
        self.last_error = None
        self.updated_at = now

    def reseal(self, sealed: bytes, data_key_id: str, now: datetime) -> None:
        """The same key under a new data key (data key rotation): nothing about validity changes."""
        self.ensure_active()
        self.encrypted_api_key = sealed
        self.encryption_key_id = data_key_id
        self.updated_at = now

    def change_model(self, model_name: str | None, now: datetime) -> None:
        self.ensure_active()
        self.model_name = model_name
        self.updated_at = now

    def mark_validated(self, now: datetime) -> None:
        self.ensure_active()
        self.last_validated_at = now
        self.last_error = None
        self.updated_at = now

    def mark_rejected(self, reason: str, now: datetime) -> None:
        """The provider refused the key in use: it is no longer known to be valid."""
        self.ensure_active()
        self.last_validated_at = None
        self.last_error = reason[:500]
        self.updated_at = now

    def revoke(self, now: datetime) -> bool:
        """Soft delete. Returns False when it was already revoked (revoking is idempotent)."""
        if not self.is_active:
            return False
        self.is_active = False
        self.is_default = False
        self.encrypted_api_key = None
        self.revoked_at = now
        self.updated_at = now
        return True


def check_expiry(expires_at: datetime | None, now: datetime) -> None:
    """A key cannot be given an expiry already past (nor one without a time zone)."""
    if expires_at is None:
        return
    if expires_at.tzinfo is None:
        raise InvalidExpiry("expires_at needs a time zone (e.g. 2027-01-31T00:00:00Z)")
    if expires_at <= now:
        raise InvalidExpiry(f"expires_at must be in the future (it is now {now.isoformat()})")
