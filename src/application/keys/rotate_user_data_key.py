"""Replace one user's data key and re-seal their credentials (suspected leak of that user)."""

from __future__ import annotations

from uuid import UUID

from application.caching._changes import announce
from application.credentials._sealer import CredentialSealer
from domain.errors import UserNotFound
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory


class RotateUserDataKey:
    """- all in one transaction under the user lock: either every credential moves or none;
    - the old data key is destroyed, so old ciphertexts (in backups) stay unreadable to it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sealer: CredentialSealer,
        clock: Clock,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._uow = uow
        self._sealer = sealer
        self._clock = clock

    async def execute(self, user_id: UUID) -> int:
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            if await uow.users.get(user_id) is None:
                raise UserNotFound()
            credentials = await uow.credentials.list_for_user(user_id)
            keys = [(c, await self._sealer.open(uow, c)) for c in credentials]
            now = self._clock.now()
            old = await uow.data_keys.live_for_user(user_id)
            if old is not None and old.destroy(now):
                await uow.data_keys.save(old)
            await self._sealer.new_data_key(uow, user_id)
            for credential, key in keys:
                sealed, data_key_id = await self._sealer.seal(
                    uow,
                    user_id=user_id,
                    credential_id=credential.id,
                    provider=credential.provider,
                    base_url=credential.base_url,
                    key=key,
                )
                credential.reseal(sealed, data_key_id, now)
                await uow.credentials.save(credential)
            await uow.commit()
            await announce(self._changes, user_id)
        return len(keys)
