"""One of the caller's credentials. Another user's id is indistinguishable from a missing one."""

from __future__ import annotations

from uuid import UUID

from domain.credential import LlmCredential
from domain.errors import CredentialNotFound
from domain.ports import UnitOfWorkFactory


class GetCredential:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, user_id: UUID, credential_id: UUID) -> LlmCredential:
        async with self._uow() as uow:
            credential = await uow.credentials.get(user_id, credential_id)
        if credential is None:
            raise CredentialNotFound()
        return credential
