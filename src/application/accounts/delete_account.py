"""Close an account and crypto-shred its keys."""

from __future__ import annotations

from uuid import UUID

from application.caching._changes import announce
from domain.errors import UserNotFound
from domain.ports import ChangeFeed, Clock, SessionRevocations, UnitOfWorkFactory


class DeleteAccount:
    """- every credential is revoked (ciphertext erased, rows kept for audit);
    - the credential events go with the account (they name its addresses and key hints);
    - the user's data key is destroyed, so any copy of their ciphertexts (backups included)
      can no longer be opened;
    - the account is deactivated and its access tokens revoked: they stop working on the next
      request."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        revocations: SessionRevocations,
        clock: Clock,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._uow = uow
        self._revocations = revocations
        self._clock = clock

    async def execute(self, user_id: UUID) -> None:
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            user = await uow.users.get(user_id)
            if user is None or not user.is_active:
                raise UserNotFound()
            now = self._clock.now()
            for credential in await uow.credentials.list_for_user(user_id):
                if credential.revoke(now):
                    await uow.credentials.save(credential)
            await uow.credential_events.erase_for_user(user_id)
            data_key = await uow.data_keys.live_for_user(user_id)
            if data_key is not None and data_key.destroy(now):
                await uow.data_keys.save(data_key)
            user.deactivate()
            await uow.users.save(user)
            await uow.commit()
            await announce(self._changes, user_id)
        await self._revocations.revoke(user_id)
