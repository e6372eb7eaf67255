"""The account behind an access token. Deactivated accounts are treated as gone."""

from __future__ import annotations

from uuid import UUID

from domain.errors import UserNotFound
from domain.ports import UnitOfWorkFactory
from domain.user import User


class GetUser:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, user_id: UUID) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None or not user.is_active:
            raise UserNotFound()
        return user
