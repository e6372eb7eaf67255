"""Wrapped per-user data keys in memory: at most one live key per user."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from adapters.persistence.errors import ConstraintViolation, MissingRow
from adapters.persistence.memory._table import Table, copies
from domain.errors import DataKeyDestroyed
from domain.ports import DataKeyStore
from domain.sealing import DataKey
from domain.user import User


class MemoryDataKeyStore(DataKeyStore):
    def __init__(self, keys: Table[DataKey], users: Table[User]) -> None:
        self._keys = keys
        self._users = users

    async def add(self, key: DataKey) -> None:
        if key.id in self._keys:
            raise ConstraintViolation("pk_user_data_keys")
        if key.user_id not in self._users:
            raise ConstraintViolation("fk_user_data_keys_user_id_users")
        self._check(key)
        self._keys.put(key.id, key)

    async def get(self, user_id: UUID, key_id: UUID) -> DataKey | None:
        found = self._keys.get(key_id)
        return found if found is not None and found.user_id == user_id else None

    async def live_for_user(self, user_id: UUID) -> DataKey | None:
        found = next((k for k in self._keys.rows() if k.user_id == user_id and k.is_live), None)
        return None if found is None else self._keys.get(found.id)

    async def save(self, key: DataKey) -> None:
        current = self._keys.get(key.id)
        if current is None or current.user_id != key.user_id:
            raise MissingRow("user_data_keys")
        if not current.is_live:
            raise DataKeyDestroyed()
        self._check(key)
        self._keys.put(key.id, key)

    async def live_not_wrapped_by(
        self, kek_id: str, limit: int, *, after: UUID | None = None
    ) -> list[DataKey]:
        rows = [
            k
            for k in self._keys.rows()
            if k.is_live and k.wrapped.kek_id != kek_id and (after is None or k.id > after)
        ]
        rows.sort(key=lambda k: k.id)
        return copies(rows[: max(limit, 0)])

    async def count_by_kek(self) -> dict[str, int]:
        return dict(Counter(k.wrapped.kek_id for k in self._keys.rows() if k.is_live))

    def verify(self) -> None:
        for key in self._keys.pending():
            committed = self._keys.committed(key.id)
            if committed is not None and not committed.is_live and committed != key:
                raise DataKeyDestroyed()
            self._check(key)

    def _check(self, new: DataKey) -> None:
        if new.is_live and any(
            k.user_id == new.user_id and k.is_live and k.id != new.id for k in self._keys.rows()
        ):
            raise ConstraintViolation("uq_user_data_keys_one_live_per_user")
