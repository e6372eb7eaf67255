"""Revocation stamps per user in a Litestar store (in memory, or Redis when shared), read on
every authenticated request instead of the database; beside the login throttle, for the same
reason: the store lives with the framework."""

from __future__ import annotations

from uuid import UUID

from litestar.stores.base import Store

from domain.ports import Clock, SessionRevocations


class StoreSessionRevocations(SessionRevocations):
    """- a stamp is the revocation time in milliseconds, and always above the one before, so a
      frozen or coarse clock still revokes;
    - it lives as long as an access token does: once it expires, every token it refused has
      expired too, and the next stamp (from the clock) is above any issued before;
    - keys are user ids: no email or token is stored."""

    def __init__(self, store: Store, clock: Clock, *, token_ttl_s: int) -> None:
        self._store = store
        self._clock = clock
        # A minute of leeway for clocks between instances.
        self._ttl = token_ttl_s + 60

    async def stamp(self, user_id: UUID) -> int:
        raw = await self._store.get(self._key(user_id))
        return 0 if raw is None else int(raw)

    async def revoke(self, user_id: UUID) -> int:
        now_ms = int(self._clock.now().timestamp() * 1000)
        stamp = max(now_ms, await self.stamp(user_id) + 1)
        await self._store.set(self._key(user_id), str(stamp), expires_in=self._ttl)
        return stamp

    @staticmethod
    def _key(user_id: UUID) -> str:
        return f"revoked:{user_id.hex}"
