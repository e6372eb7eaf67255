"""A change feed for one process alone: SQLite with one worker, tests and in-process use."""

from __future__ import annotations

from uuid import UUID

from domain.ports import ChangeFeed, ChangeListener


class InProcessChangeFeed(ChangeFeed):
    """Always live: there is no other process to miss a notice from."""

    __slots__ = ("_listeners",)

    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []

    @property
    def live(self) -> bool:
        return True

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    async def publish(self, user_id: UUID) -> None:
        for listener in self._listeners:
            listener(user_id)

    async def open(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
