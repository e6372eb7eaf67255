"""Limits on what one user may hold at once."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class CallSlot(Protocol):
    """One provider call's place among its user's calls in flight."""

    def release(self) -> None:
        """Gives the place back; releasing again does nothing."""
        ...


class ProviderCallSlots(Protocol):
    """How many provider calls each user may have in flight at once. ``take`` raises
    ``TooManyProviderCalls`` when the user holds every place; otherwise the call holds the slot
    it returns until it ends (a stream: until it is closed)."""

    def take(self, user_id: UUID) -> CallSlot: ...
