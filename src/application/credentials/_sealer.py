"""Seals and opens API keys with the owner's data key (docs/security.md, "Encryption at rest")."""

from __future__ import annotations

from uuid import UUID

from application.caching._remembered import Remembered, Ticket
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
    - the caller holds the user lock when sealing, so two first credentials share one data key;
    - an unwrapped data key may be remembered for a short while (``data_keys``, by owner and
      data key id; wiped when dropped), so opening a key again costs no statement: the change
      feed drops it when the key is rotated, rewrapped or destroyed.
    """

    def __init__(
        self,
        wrapper: KeyWrapper,
        cipher: Cipher,
        ids: IdGenerator,
        clock: Clock,
        data_keys: Remembered[tuple[UUID, UUID], bytearray] | None = None,
    ) -> None:
        self._wrapper = wrapper
        self._cipher = cipher
        self._ids = ids
        self._clock = clock
        self._deks = data_keys

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

    def ticket(self) -> Ticket | None:
        """Taken before the transaction that calls ``open``: on SQLite a transaction reads
        from the snapshot of its first statement, so a ticket taken later could outlive a
        notice that the data key read does not see."""
        return None if self._deks is None else self._deks.ticket()

    async def open(
        self, uow: UnitOfWork, credential: LlmCredential, *, since: Ticket | None = None
    ) -> ApiKey:
        """The plaintext key; the data key it unwrapped is remembered only ``since`` a
        ticket (none: not remembered)."""
        known = self.open_remembered(credential)
        if known is not None:
            return known
        user_id, data_key_id, deks = credential.user_id, _data_key_id(credential), self._deks
        data_key = await uow.data_keys.get(user_id, data_key_id)
        if data_key is None or not data_key.is_live:
            raise DataKeyDestroyed()
        dek = bytearray(await self._wrapper.unwrap(data_key.wrapped, user_id))
        kept = (
            deks is not None
            and since is not None
            and deks.keep(user_id, (user_id, data_key_id), dek, since)
        )
        try:
            return self._open_with(dek, credential)
        finally:
            if not kept:
                wipe(dek)

    def open_remembered(self, credential: LlmCredential) -> ApiKey | None:
        """Opened with a remembered data key, no statement; None when none is remembered."""
        _ensure_openable(credential)
        if self._deks is None:
            return None
        dek = self._deks.recall((credential.user_id, _data_key_id(credential)))
        return None if dek is None else self._open_with(dek, credential)

    def _open_with(self, dek: bytearray, credential: LlmCredential) -> ApiKey:
        sealed = credential.encrypted_api_key
        if sealed is None:
            raise CredentialRevoked()
        context = SealContext(
            credential.user_id, credential.id, credential.provider.value, credential.base_url
        )
        return ApiKey(self._cipher.open(dek, sealed, context).decode())

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


def wipe(secret: bytearray) -> None:
    """Overwrite a secret that is no longer needed (best effort: copies made by libraries on
    the way are out of reach)."""
    secret[:] = bytes(len(secret))


def _ensure_openable(credential: LlmCredential) -> None:
    if not credential.is_active or credential.encrypted_api_key is None:
        raise CredentialRevoked()


def _data_key_id(credential: LlmCredential) -> UUID:
    _ensure_openable(credential)
    try:
        return UUID(credential.encryption_key_id)
    except ValueError:
        # Not a data key id (the column's server default 'default', from the original
        # design): nothing can open this row. A key that cannot be opened, not a crash.
        raise DecryptionFailed() from None
