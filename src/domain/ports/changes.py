"""What every process of the service must hear at once: a user's keys, tokens, budget or
account changed, so whatever it remembers of that user is stale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from uuid import UUID

# A listener gets the user whose state changed, or None: "anything may have changed" (the feed
# was down for a while and may have missed notices, so every remembered fact is suspect).
ChangeListener = Callable[[UUID | None], None]


class ChangeFeed(Protocol):
    """Notices that a user's state changed, from the process that changed it to every process
    that may remember it (its own workers, and other instances on the same database).

    - ``publish`` is called after the change is committed; it tells this process's listeners
      before it returns (so the next request here never sees the old state), then the others;
    - listeners are called on the event loop, for every notice, their own process's included;
    - ``live`` is False while notices from other processes may be missed (connection down, not
      opened yet): whoever remembers anything must then not trust it. When the feed comes back,
      listeners get None first."""

    @property
    def live(self) -> bool: ...

    def subscribe(self, listener: ChangeListener) -> None: ...

    async def publish(self, user_id: UUID) -> None: ...

    async def open(self) -> None:
        """Start listening (idempotent)."""
        ...

    async def aclose(self) -> None: ...
