"""Seals and opens API keys with the owner's data key (docs/security.md, "Encryption at rest")."""

from __future__ import annotations

from uuid import UUID

from domain.api_key import ApiKey
from domain.credential import LlmCredential
from domain.errors import CredentialRevoked, DataKeyDestroyed, DecryptionFailed
from domain.ports import Cipher, Clock, IdGenerator, KeyWrapper, UnitOfWork
from domain.provider import Provider
from domain.sealing import DataKey, SealContext


class CredentialSealer:
    """Gets or creates the user's data key through ``uow.data_keys``, then calls the ``Cipher``.

    - a user's data key is created with their first credential, stored only wrapped;
    - plaintext keys are opened only when they are about to be sent to their provider;
    - a credential naming no data key (not a data key id) cannot be opened: ``DecryptionFailed``;
    - the caller holds the user lock when sealing, so two first credentials share one data key.
    """

    def __init__(self, wrapper: KeyWrapper, cipher: Cipher, ids: IdGenerator, clock: Clock) -> None:
        self._wrapper = wrapper
        self._cipher = cipher
        self._ids = ids
        self._clock = clock

    async def seal(
        self,
        uow: UnitOfWork,
        *,
        user_id: UUID,
        credential_id: UUID,
        provider: Provider,
        base_url: str | None,
        key: ApiKey,
    ) -> tuple[bytes, str]:
        """Returns the envelope and the id of the data key that sealed it."""
        data_key, dek = await self._live_data_key(uow, user_id)
        context = SealContext(user_id, credential_id, provider.value, base_url)
        sealed = self._cipher.seal(dek, key.reveal().encode(), context)
        data_key.count_seal()
        await uow.data_keys.save(data_key)
        return sealed, str(data_key.id)

    async def open(self, uow: UnitOfWork, credential: LlmCredential) -> ApiKey:
        if not credential.is_active or credential.encrypted_api_key is None:
            raise CredentialRevoked()
        try:
            data_key_id = UUID(credential.encryption_key_id)
        except ValueError:
            # Not a data key id (the column's server default 'default', from the original
            # design): nothing can open this row. A key that cannot be opened, not a crash.
            raise DecryptionFailed() from None
        data_key = await uow.data_keys.get(credential.user_id, data_key_id)
        if data_key is None or not data_key.is_live:
            raise DataKeyDestroyed()
        dek = await self._wrapper.unwrap(data_key.wrapped, credential.user_id)
        context = SealContext(
            credential.user_id, credential.id, credential.provider.value, credential.base_url
        )
        return ApiKey(self._cipher.open(dek, credential.encrypted_api_key, context).decode())

    async def new_data_key(self, uow: UnitOfWork, user_id: UUID) -> tuple[DataKey, bytes]:
        dek = self._cipher.new_data_key()
        data_key = DataKey(
            id=self._ids.new_id(),
            user_id=user_id,
            wrapped=await self._wrapper.wrap(dek, user_id),
            created_at=self._clock.now(),
        )
        await uow.data_keys.add(data_key)
        return data_key, dek

    async def _live_data_key(self, uow: UnitOfWork, user_id: UUID) -> tuple[DataKey, bytes]:
        data_key = await uow.data_keys.live_for_user(user_id)
        if data_key is None:
            return await self.new_data_key(uow, user_id)
        return data_key, await self._wrapper.unwrap(data_key.wrapped, user_id)
