"""Two key wrappers during a move between them (the local keyring to KMS): new wraps go to the
primary one, unwraps to whichever holds the data key's master key id (docs/security.md,
"Moving the keyring to KMS"). ``byom keys rewrap`` then moves every data key to the primary."""

from __future__ import annotations

from uuid import UUID

from domain.errors import UnknownMasterKey
from domain.ports import KeyWrapper
from domain.sealing import WrappedKey


class ChainedKeyWrapper(KeyWrapper):
    """``KeyWrapper`` over ``primary`` (wraps, and unwraps its own ids) and ``previous``
    (unwraps only). Their master key ids never clash: KMS ids start ``kms:``, local ids have no
    colon; should they, the primary's wins."""

    __slots__ = ("_previous", "_primary")

    def __init__(self, primary: KeyWrapper, previous: KeyWrapper) -> None:
        self._primary = primary
        self._previous = previous

    @property
    def primary_key_id(self) -> str:
        return self._primary.primary_key_id

    def key_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self._primary.key_ids(), *self._previous.key_ids())))

    async def wrap(self, dek: bytes, user_id: UUID) -> WrappedKey:
        return await self._primary.wrap(dek, user_id)

    async def unwrap(self, wrapped: WrappedKey, user_id: UUID) -> bytes:
        for wrapper in (self._primary, self._previous):
            if wrapped.kek_id in wrapper.key_ids():
                return await wrapper.unwrap(wrapped, user_id)
        raise UnknownMasterKey(wrapped.kek_id)

    def __repr__(self) -> str:
        return f"ChainedKeyWrapper({self._primary!r}, previous={self._previous!r})"
