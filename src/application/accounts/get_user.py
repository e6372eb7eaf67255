"""The account behind an access token. Deactivated accounts are treated as gone."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from application.caching._remembered import Remembered
from domain.errors import UserNotFound
from domain.ports import UnitOfWorkFactory
from domain.user import User

KnownUsers = Remembered[UUID, User]


class GetUser:
    """- read on every request that carries an access token, so remembered briefly (``known``):
      the change feed drops a user when their account is closed, their password changes or a
      failed login is recorded, so a closed account is refused on its very next request;
    - returns a copy (callers may change theirs)."""

    def __init__(self, uow: UnitOfWorkFactory, known: KnownUsers) -> None:
        self._uow = uow
        self._known = known

    async def execute(self, user_id: UUID) -> User:
        user = self._known.recall(user_id)
        if user is None:
            ticket = self._known.ticket()
            async with self._uow() as uow:
                user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound()
            self._known.keep(user_id, user_id, user, ticket)
        if not user.is_active:
            raise UserNotFound()
        return replace(user)
