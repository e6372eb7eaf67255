"""Wrapped per-user data keys in SQL. A partial unique index allows one live key per user."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import func, select

from adapters.persistence.errors import MissingRow
from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.tables import DataKeyRow
from domain.errors import DataKeyDestroyed
from domain.ports import DataKeyStore
from domain.sealing import DataKey, WrappedKey


class SqlAlchemyDataKeyStore(DataKeyStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, key: DataKey) -> None:
        async with self._db.savepoint() as session:
            row = DataKeyRow(id=key.id, user_id=key.user_id, created_at=key.created_at)
            _apply(row, key)
            session.add(row)

    async def get(self, user_id: UUID, key_id: UUID) -> DataKey | None:
        row = await self._db.scalar(
            select(DataKeyRow).where(DataKeyRow.id == key_id, DataKeyRow.user_id == user_id)
        )
        return None if row is None else _entity(row)

    async def live_for_user(self, user_id: UUID) -> DataKey | None:
        row = await self._db.scalar(
            select(DataKeyRow)
            .where(DataKeyRow.user_id == user_id, DataKeyRow.destroyed_at.is_(None))
            .limit(1)
        )
        return None if row is None else _entity(row)

    async def save(self, key: DataKey) -> None:
        # Locked, then checked: a destroy committed since the caller read its copy wins.
        row = await self._db.get(DataKeyRow, key.id, for_update=True)
        if row is None or row.user_id != key.user_id:
            raise MissingRow("user_data_keys")
        if row.destroyed_at is not None:
            raise DataKeyDestroyed()
        async with self._db.savepoint():
            _apply(row, key)

    async def live_not_wrapped_by(
        self, kek_id: str, limit: int, *, after: UUID | None = None
    ) -> list[DataKey]:
        statement = select(DataKeyRow).where(
            DataKeyRow.destroyed_at.is_(None), DataKeyRow.kek_id != kek_id
        )
        if after is not None:
            statement = statement.where(DataKeyRow.id > after)
        rows: Sequence[DataKeyRow] = await self._db.scalars(
            statement.order_by(DataKeyRow.id).limit(max(limit, 0))
        )
        return [_entity(row) for row in rows]

    async def count_by_kek(self) -> dict[str, int]:
        result = await self._db.execute(
            select(DataKeyRow.kek_id, func.count())
            .where(DataKeyRow.destroyed_at.is_(None))
            .group_by(DataKeyRow.kek_id)
        )
        return {str(row[0]): int(row[1]) for row in result.all()}


def _apply(row: DataKeyRow, key: DataKey) -> None:
    row.wrapped_key = key.wrapped.ciphertext
    row.kek_id = key.wrapped.kek_id
    row.seal_count = key.seal_count
    row.destroyed_at = key.destroyed_at


def _entity(row: DataKeyRow) -> DataKey:
    return DataKey(
        id=row.id,
        user_id=row.user_id,
        wrapped=WrappedKey(kek_id=row.kek_id, ciphertext=row.wrapped_key),
        created_at=row.created_at,
        destroyed_at=row.destroyed_at,
        seal_count=row.seal_count,
    )
