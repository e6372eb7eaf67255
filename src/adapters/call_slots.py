"""Provider calls in flight per user, counted in this process.

Per process on purpose: a call in flight holds this process's connection and memory, so this
process is where it is counted; a shared counter (Redis) would leak the places of a worker that
died mid-call until some lease expired, locking its users out meanwhile. With N workers a user
may hold N times the cap at most, which is what each worker's pool can bear.
"""

from __future__ import annotations

from uuid import UUID

from domain.errors import TooManyProviderCalls
from domain.ports import CallSlot, ProviderCallSlots


class InProcessCallSlots(ProviderCallSlots):
    """``ProviderCallSlots`` in a dict of counts; users with nothing in flight take no room."""

    def __init__(self, per_user: int) -> None:
        if per_user < 1:
            raise ValueError("per_user must be at least 1")
        self._per_user = per_user
        self._held: dict[UUID, int] = {}

    def take(self, user_id: UUID) -> CallSlot:
        held = self._held.get(user_id, 0)
        if held >= self._per_user:
            raise TooManyProviderCalls(self._per_user)
        self._held[user_id] = held + 1
        return _Slot(self, user_id)

    def in_flight(self, user_id: UUID) -> int:
        """How many calls ``user_id`` has in flight now."""
        return self._held.get(user_id, 0)

    def _give_back(self, user_id: UUID) -> None:
        left = self._held.get(user_id, 0) - 1
        if left > 0:
            self._held[user_id] = left
        else:
            self._held.pop(user_id, None)


class _Slot(CallSlot):
    __slots__ = ("_owner", "_user_id")

    def __init__(self, owner: InProcessCallSlots, user_id: UUID) -> None:
        self._owner: InProcessCallSlots | None = owner
        self._user_id = user_id

    def release(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner._give_back(self._user_id)

    def __del__(self) -> None:
        # A last resort: a call dropped without being closed must not keep its place for ever.
        self.release()
