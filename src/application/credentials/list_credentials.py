"""A user's credentials, default first, then newest. Never decrypts."""

from __future__ import annotations

from uuid import UUID

from domain.credential import LlmCredential
from domain.ports import UnitOfWorkFactory


class ListCredentials:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, user_id: UUID, *, include_inactive: bool = False
    ) -> list[LlmCredential]:
        async with self._uow() as uow:
            return await uow.credentials.list_for_user(user_id, include_inactive=include_inactive)
