"""Soft-delete a credential."""

from __future__ import annotations

from uuid import UUID

from application.caching._changes import announce
from application.credentials._events import CredentialEvents
from domain.credential import LlmCredential
from domain.credential_event import CredentialEventKind
from domain.errors import CredentialNotFound
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory


class RevokeCredential:
    """- the row stays for audit, inactive, with its ciphertext erased;
    - revoking the default promotes nothing: the user falls back to the system default;
    - idempotent: revoking a revoked credential changes nothing and succeeds;
    - audit: ``revoked``, once; the credential's events stay."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        events: CredentialEvents,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._events = events
        self._uow = uow
        self._clock = clock

    async def execute(self, user_id: UUID, credential_id: UUID) -> LlmCredential:
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            credential = await uow.credentials.get(user_id, credential_id)
            if credential is None:
                raise CredentialNotFound()
            if credential.revoke(self._clock.now()):
                await uow.credentials.save(credential)
                await self._events.record(uow, CredentialEventKind.REVOKED, credential)
                await uow.commit()
                await announce(self._changes, user_id)
        return credential
