"""Users in SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select, update

from adapters.persistence.errors import MissingRow
from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.tables import UserRow
from domain.errors import UserNotFound
from domain.login_failures import LoginFailures
from domain.ports import UserStore
from domain.user import User


class SqlAlchemyUserStore(UserStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, user: User) -> None:
        async with self._db.savepoint() as session:
            session.add(
                UserRow(
                    id=user.id,
                    email=user.email,
                    password_hash=user.password_hash,
                    is_active=user.is_active,
                    created_at=user.created_at,
                    updated_at=user.created_at,
                )
            )

    async def get(self, user_id: UUID) -> User | None:
        row = await self._db.get(UserRow, user_id)
        return None if row is None else _entity(row)

    async def by_email(self, email: str) -> User | None:
        row = await self._db.scalar(select(UserRow).where(UserRow.email == email))
        return None if row is None else _entity(row)

    async def save(self, user: User) -> None:
        # Locked, then checked: a deactivation committed since the caller read its copy wins.
        row = await self._db.get(UserRow, user.id, for_update=True)
        if row is None:
            raise MissingRow("users")
        if not row.is_active:
            raise UserNotFound()
        async with self._db.savepoint():
            row.email = user.email
            row.password_hash = user.password_hash
            row.is_active = user.is_active
            row.updated_at = datetime.now(UTC)

    async def record_failed_login(self, user_id: UUID, at: datetime, network: str) -> None:
        # One statement: concurrent failures each add one (no read-modify-write).
        await self._db.execute(
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.is_active.is_(True))
            .values(
                failed_logins=UserRow.failed_logins + 1,
                last_failed_login_at=at,
                last_failed_login_from=network,
            )
            .execution_options(synchronize_session=False)
        )

    async def lock(self, user_id: UUID) -> None:
        if self._db.dialect == "postgresql":
            await self._db.execute(
                select(UserRow.id).where(UserRow.id == user_id).with_for_update()
            )
        else:
            # SQLite has one writer: take the write lock now, as the first statement, rather
            # than upgrade a read lock later (which fails with SQLITE_BUSY instead of waiting).
            await self._db.execute(
                update(UserRow)
                .where(UserRow.id == user_id)
                .values(id=UserRow.id)
                .execution_options(synchronize_session=False)
            )


def _entity(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        created_at=row.created_at,
        is_active=row.is_active,
        login_failures=_failures(row),
    )


def _failures(row: UserRow) -> LoginFailures | None:
    if not row.failed_logins or row.last_failed_login_at is None:
        return None
    return LoginFailures(
        row.failed_logins, row.last_failed_login_at, row.last_failed_login_from or "unknown"
    )
