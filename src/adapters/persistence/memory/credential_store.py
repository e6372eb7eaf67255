"""LLM credentials in memory, with the same partial unique rules as the database indexes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.persistence.errors import ConstraintViolation, MissingRow
from adapters.persistence.memory._table import Table, copies
from domain.credential import LlmCredential
from domain.errors import CredentialRevoked, DuplicateActiveCredential, DuplicateDefaultCredential
from domain.ports import CredentialStore
from domain.provider import Provider
from domain.user import User


class MemoryCredentialStore(CredentialStore):
    def __init__(self, credentials: Table[LlmCredential], users: Table[User]) -> None:
        self._credentials = credentials
        self._users = users

    async def add(self, credential: LlmCredential) -> None:
        if credential.id in self._credentials:
            raise ConstraintViolation("pk_user_llm_credentials")
        if credential.user_id not in self._users:
            raise ConstraintViolation("fk_user_llm_credentials_user_id_users")
        self._check(credential)
        self._credentials.put(credential.id, credential)

    async def get(self, user_id: UUID, credential_id: UUID) -> LlmCredential | None:
        found = self._credentials.get(credential_id)
        return found if found is not None and found.user_id == user_id else None

    async def list_for_user(
        self, user_id: UUID, *, include_inactive: bool = False
    ) -> list[LlmCredential]:
        rows = [
            c
            for c in self._credentials.rows()
            if c.user_id == user_id and (include_inactive or c.is_active)
        ]
        rows.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        rows.sort(key=lambda c: not c.is_default)
        return copies(rows)

    async def active_for_provider(self, user_id: UUID, provider: Provider) -> LlmCredential | None:
        return self._first(
            lambda c: c.user_id == user_id and c.provider == provider and c.is_active
        )

    async def default_for_user(self, user_id: UUID) -> LlmCredential | None:
        return self._first(lambda c: c.user_id == user_id and c.is_default and c.is_active)

    async def save(self, credential: LlmCredential) -> None:
        current = self._credentials.get(credential.id)
        if current is None or current.user_id != credential.user_id:
            raise MissingRow("user_llm_credentials")
        if not current.is_active:
            raise CredentialRevoked()
        self._check(credential)
        # Only record_expiry marks an expiry recorded; a new expiry re-arms it.
        recorded = current.expiry_recorded_at
        if credential.expires_at != current.expires_at:
            recorded = None
        self._credentials.put(credential.id, replace(credential, expiry_recorded_at=recorded))

    async def record_expiry(
        self, user_id: UUID, credential_id: UUID, expires_at: datetime, at: datetime
    ) -> bool:
        current = self._credentials.get(credential_id)
        if (
            current is None
            or current.user_id != user_id
            or not current.is_active
            or current.expires_at != expires_at
            or current.expiry_recorded_at is not None
        ):
            return False
        self._credentials.put(credential_id, replace(current, expiry_recorded_at=at))
        return True

    def verify(self) -> None:
        for credential in self._credentials.pending():
            # Revoked by another unit of work since this one saved it: the revoke stands (on
            # PostgreSQL the revoke would have waited for this write instead).
            committed = self._credentials.committed(credential.id)
            if committed is not None and not committed.is_active and committed != credential:
                raise CredentialRevoked()
            self._check(credential)

    def _first(self, match: Callable[[LlmCredential], bool]) -> LlmCredential | None:
        found = next((c for c in self._credentials.rows() if match(c)), None)
        return None if found is None else self._credentials.get(found.id)

    def _check(self, new: LlmCredential) -> None:
        if not new.is_active:
            return
        others = [
            c
            for c in self._credentials.rows()
            if c.user_id == new.user_id and c.is_active and c.id != new.id
        ]
        for other in others:
            if other.provider == new.provider:
                raise DuplicateActiveCredential(new.provider.value, other.id)
        if new.is_default and any(other.is_default for other in others):
            raise DuplicateDefaultCredential()
