"""One table as one unit of work sees it: committed rows overlaid with its pending writes."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


class Table(Generic[T]):
    """Usable only while its unit of work is open, like a database session."""

    def __init__(self, name: str, committed: dict[UUID, T]) -> None:
        self.name = name
        self.open = False
        self._committed = committed
        self._pending: dict[UUID, T] = {}

    def _ensure_open(self) -> None:
        if not self.open:
            raise RuntimeError("use the stores inside `async with unit_of_work:` only")

    def get(self, key: UUID) -> T | None:
        self._ensure_open()
        row = self._pending.get(key, self._committed.get(key))
        return None if row is None else copy.copy(row)

    def __contains__(self, key: UUID) -> bool:
        self._ensure_open()
        return key in self._pending or key in self._committed

    def rows(self) -> Iterator[T]:
        """Every visible row, uncopied: callers must copy what they return."""
        self._ensure_open()
        for key, row in self._committed.items():
            if key not in self._pending:
                yield row
        yield from self._pending.values()

    def pending(self) -> Iterator[T]:
        yield from self._pending.values()

    def put(self, key: UUID, row: T) -> None:
        self._ensure_open()
        self._pending[key] = copy.copy(row)

    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    def publish(self) -> None:
        self._committed.update(self._pending)
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()


def copies(rows: Iterable[T]) -> list[T]:
    return [copy.copy(row) for row in rows]
