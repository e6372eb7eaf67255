"""Readiness of the keyring: the primary master key unwraps what it wrapped."""

from __future__ import annotations

from uuid import UUID

from domain.ports import Cipher, KeyCanaryStore, KeyWrapper

# The owner bound into every canary's associated data: no user has it (UUIDv7 ids have version
# 7; this one has version 0), so a canary never unwraps as a user's data key, nor one as a canary.
CANARY_OWNER = UUID("00000000-0000-0000-0000-00000000ca7a")


class ProveKeyring:
    """Proves the primary master key is the one that wrapped the stored data keys.

    - each master key id gets one canary, a random data key wrapped by it, stored the first time
      that key is the primary when this runs (so again after the primary changes);
    - the canary must unwrap: a primary with the right id and the wrong bytes raises
      ``DecryptionFailed``, which readiness reports as not ready;
    - returns the primary key id.
    """

    def __init__(self, canaries: KeyCanaryStore, wrapper: KeyWrapper, cipher: Cipher) -> None:
        self._canaries = canaries
        self._wrapper = wrapper
        self._cipher = cipher

    async def execute(self) -> str:
        primary = self._wrapper.primary_key_id
        canary = await self._canaries.get(primary)
        if canary is None:
            made = await self._wrapper.wrap(self._cipher.new_data_key(), CANARY_OWNER)
            await self._canaries.add(made)
            # Another worker may have stored its canary first: unwrap the one that was kept.
            canary = await self._canaries.get(primary) or made
        await self._wrapper.unwrap(canary, CANARY_OWNER)
        return primary
