"""Make one credential the user's default."""

from __future__ import annotations

from uuid import UUID

from application.caching._changes import announce
from application.credentials._events import CredentialEvents
from domain.credential import LlmCredential
from domain.credential_event import CredentialEventKind
from domain.errors import CredentialNotFound
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory


class SetDefaultCredential:
    """- the previous default is unset in the same transaction (one default per user);
    - a revoked credential cannot become the default;
    - concurrent calls for one user are serialised by the user lock: the last one wins;
    - audit: ``default_set`` when the default moved."""

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
            credential.ensure_active()
            now = self._clock.now()
            current = await uow.credentials.default_for_user(user_id)
            if current is not None and current.id != credential.id:
                current.unset_default(now)
                await uow.credentials.save(current)
            if not credential.is_default:
                credential.make_default(now)
                await uow.credentials.save(credential)
                await self._events.record(uow, CredentialEventKind.DEFAULT_SET, credential)
            await uow.commit()
            await announce(self._changes, user_id)
        return credential
