"""LLM credentials in SQL. The partial unique indexes enforce the invariants; this store turns
their violations into the domain's errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NoReturn
from uuid import UUID

from sqlalchemy import ColumnElement, literal, select, update

from adapters.persistence.errors import ConstraintViolation, MissingRow
from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.tables import UQ_ONE_ACTIVE_PER_PROVIDER, CredentialRow
from domain.credential import LlmCredential
from domain.errors import CredentialRevoked, DuplicateActiveCredential, DuplicateDefaultCredential
from domain.ports import CredentialStore
from domain.provider import Provider


class SqlAlchemyCredentialStore(CredentialStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, credential: LlmCredential) -> None:
        try:
            async with self._db.savepoint() as session:
                row = CredentialRow(id=credential.id, user_id=credential.user_id)
                _apply(row, credential)
                session.add(row)
        except (ConstraintViolation, DuplicateDefaultCredential) as error:
            await self._raise_conflict(error, credential)

    async def get(self, user_id: UUID, credential_id: UUID) -> LlmCredential | None:
        return await self._one(CredentialRow.id == credential_id, CredentialRow.user_id == user_id)

    async def list_for_user(
        self, user_id: UUID, *, include_inactive: bool = False
    ) -> list[LlmCredential]:
        statement = (
            select(CredentialRow)
            .where(CredentialRow.user_id == user_id)
            .order_by(
                CredentialRow.is_default.desc(),
                CredentialRow.created_at.desc(),
                CredentialRow.id.desc(),
            )
        )
        if not include_inactive:
            statement = statement.where(CredentialRow.is_active.is_(True))
        rows: Sequence[CredentialRow] = await self._db.scalars(statement)
        return [_entity(row) for row in rows]

    async def active_for_provider(self, user_id: UUID, provider: Provider) -> LlmCredential | None:
        return await self._one(
            CredentialRow.user_id == user_id,
            CredentialRow.provider == provider.value,
            CredentialRow.is_active.is_(True),
        )

    async def default_for_user(self, user_id: UUID) -> LlmCredential | None:
        return await self._one(
            CredentialRow.user_id == user_id,
            CredentialRow.is_default.is_(True),
            CredentialRow.is_active.is_(True),
        )

    async def save(self, credential: LlmCredential) -> None:
        # Locked, then checked: a revoke committed since the caller read its copy wins.
        row = await self._db.get(CredentialRow, credential.id, for_update=True)
        if row is None or row.user_id != credential.user_id:
            raise MissingRow("user_llm_credentials")
        if not row.is_active:
            raise CredentialRevoked()
        try:
            async with self._db.savepoint():
                _apply(row, credential)
        except (ConstraintViolation, DuplicateDefaultCredential) as error:
            await self._raise_conflict(error, credential)

    async def record_expiry(
        self, user_id: UUID, credential_id: UUID, expires_at: datetime, at: datetime
    ) -> bool:
        # One UPDATE: of concurrent callers, PostgreSQL lets the first write and re-checks the
        # others' WHERE after it commits; SQLite has one writer at a time.
        matched = await self._db.rowcount(
            update(CredentialRow)
            .where(
                CredentialRow.id == credential_id,
                CredentialRow.user_id == user_id,
                CredentialRow.is_active.is_(True),
                CredentialRow.expires_at == literal(expires_at, CredentialRow.expires_at.type),
                CredentialRow.expiry_recorded_at.is_(None),
            )
            .values(expiry_recorded_at=at)
        )
        return matched == 1

    async def _one(self, *where: ColumnElement[bool]) -> LlmCredential | None:
        row = await self._db.scalar(select(CredentialRow).where(*where).limit(1))
        return None if row is None else _entity(row)

    async def _raise_conflict(
        self, error: ConstraintViolation | DuplicateDefaultCredential, credential: LlmCredential
    ) -> NoReturn:
        """Both indexes may be violated at once and engines check them in different orders:
        a second active credential for the provider is reported first, everywhere."""
        if (
            isinstance(error, ConstraintViolation)
            and error.constraint != UQ_ONE_ACTIVE_PER_PROVIDER
        ):
            raise error
        # The savepoint was rolled back, so the transaction can still tell which row won.
        existing = await self.active_for_provider(credential.user_id, credential.provider)
        if existing is not None and existing.id != credential.id:
            raise DuplicateActiveCredential(credential.provider.value, existing.id) from None
        if isinstance(error, DuplicateDefaultCredential):
            raise error
        # The other row was revoked since (committed concurrently): still a conflict.
        raise DuplicateActiveCredential(credential.provider.value, None) from None


def _apply(row: CredentialRow, credential: LlmCredential) -> None:
    row.provider = credential.provider.value
    row.model_name = credential.model_name
    row.encrypted_api_key = credential.encrypted_api_key
    row.encryption_key_id = credential.encryption_key_id
    row.key_hint = credential.key_hint
    row.base_url = credential.base_url
    row.is_default = credential.is_default
    row.is_active = credential.is_active
    row.created_at = credential.created_at
    row.updated_at = credential.updated_at
    row.last_validated_at = credential.last_validated_at
    row.last_error = credential.last_error
    row.revoked_at = credential.revoked_at
    if row.expires_at != credential.expires_at:
        # A new expiry re-arms its event; otherwise only record_expiry writes the mark, so a
        # stale copy never clears it.
        row.expires_at = credential.expires_at
        row.expiry_recorded_at = None


def _entity(row: CredentialRow) -> LlmCredential:
    return LlmCredential(
        id=row.id,
        user_id=row.user_id,
        provider=Provider(row.provider),
        model_name=row.model_name,
        encrypted_api_key=row.encrypted_api_key,
        encryption_key_id=row.encryption_key_id,
        key_hint=row.key_hint,
        base_url=row.base_url,
        is_default=row.is_default,
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_validated_at=row.last_validated_at,
        last_error=row.last_error,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        expiry_recorded_at=row.expiry_recorded_at,
    )
