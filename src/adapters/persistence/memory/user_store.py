"""Users in memory."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.persistence.errors import ConstraintViolation, MissingRow
from adapters.persistence.memory._table import Table
from domain.errors import EmailTaken, UserNotFound
from domain.login_failures import LoginFailures
from domain.ports import UserStore
from domain.user import User


class MemoryUserStore(UserStore):
    def __init__(self, users: Table[User], locks: dict[UUID, asyncio.Lock]) -> None:
        self._users = users
        self._locks = locks
        self._held: dict[UUID, asyncio.Lock] = {}

    async def add(self, user: User) -> None:
        if user.id in self._users:
            raise ConstraintViolation("pk_users")
        self._check(user)
        self._users.put(user.id, user)

    async def get(self, user_id: UUID) -> User | None:
        return self._users.get(user_id)

    async def by_email(self, email: str) -> User | None:
        found = next((u for u in self._users.rows() if u.email == email), None)
        return None if found is None else self._users.get(found.id)

    async def save(self, user: User) -> None:
        current = self._users.get(user.id)
        if current is None:
            raise MissingRow("users")
        if not current.is_active:
            raise UserNotFound()
        self._check(user)
        self._users.put(user.id, user)

    async def record_failed_login(self, user_id: UUID, at: datetime, network: str) -> None:
        user = self._users.get(user_id)
        if user is None or not user.is_active:
            return
        count = 1 if user.login_failures is None else user.login_failures.count + 1
        self._users.put(user_id, replace(user, login_failures=LoginFailures(count, at, network)))

    async def lock(self, user_id: UUID) -> None:
        if user_id in self._held:
            return
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        await lock.acquire()
        self._held[user_id] = lock

    def release_locks(self) -> None:
        """The transaction ended (commit, rollback or exit): a row lock would be gone too."""
        for lock in self._held.values():
            lock.release()
        self._held.clear()

    def verify(self) -> None:
        """Re-check pending rows against rows other units of work committed meanwhile."""
        for user in self._users.pending():
            committed = self._users.committed(user.id)
            if committed is not None and not committed.is_active and committed != user:
                raise UserNotFound()
            self._check(user)

    def _check(self, user: User) -> None:
        if any(u.email == user.email and u.id != user.id for u in self._users.rows()):
            raise EmailTaken()
