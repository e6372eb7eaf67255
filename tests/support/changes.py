"""Change feeds for tests: one whose ``live`` a test switches, and a store that hears of a
change while it is being read (the race a cache must lose)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

from adapters.changes import InProcessChangeFeed
from adapters.persistence.memory.database import MemoryDatabase
from domain.ports import UnitOfWork, UnitOfWorkFactory, UserStore
from domain.user import User


class SwitchableChangeFeed(InProcessChangeFeed):
    """In process, but a test takes it down (``live = False``) and brings it back (listeners
    then hear None first, as the port promises); it keeps what was published."""

    __slots__ = ("_live", "published")

    def __init__(self) -> None:
        super().__init__()
        self._live = True
        self.published: list[UUID] = []

    @property
    def live(self) -> bool:
        return self._live

    def go_down(self) -> None:
        self._live = False

    def come_back(self) -> None:
        self._live = True
        for listener in self._listeners:
            listener(None)

    async def publish(self, user_id: UUID) -> None:
        self.published.append(user_id)
        await super().publish(user_id)


DuringRead = Callable[[UUID], Awaitable[None]]


class UsersChangedMidRead(UserStore):
    """Reads a user, then runs ``during_read`` (another request changing the account and
    publishing) before the reader gets the row it read."""

    def __init__(self, inner: UserStore, during_read: DuringRead) -> None:
        self._inner = inner
        self._during_read = during_read

    async def add(self, user: User) -> None:
        await self._inner.add(user)

    async def get(self, user_id: UUID) -> User | None:
        user = await self._inner.get(user_id)
        await self._during_read(user_id)
        return user

    async def by_email(self, email: str) -> User | None:
        return await self._inner.by_email(email)

    async def save(self, user: User) -> None:
        await self._inner.save(user)

    async def record_failed_login(self, user_id: UUID, at: datetime, network: str) -> None:
        await self._inner.record_failed_login(user_id, at, network)

    async def lock(self, user_id: UUID) -> None:
        await self._inner.lock(user_id)


class ChangedMidRead(UnitOfWorkFactory):
    """Units of work on ``db`` whose user reads race with ``during_read``."""

    def __init__(self, db: MemoryDatabase, during_read: DuringRead) -> None:
        self._db = db
        self._during_read = during_read

    def __call__(self) -> UnitOfWork:
        uow = self._db.unit_of_work()
        uow.users = UsersChangedMidRead(uow.users, self._during_read)
        return uow
