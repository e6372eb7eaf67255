"""One table as one unit of work sees it: committed rows overlaid with its pending writes."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


class Table(Generic[T]):
    """Usable only while its unit of work is open, like a database session."""

    def __init__(self, name: str, committed: dict[UUID, T]) -> None:
        self.name = name
        self.open = False
        self._committed = committed
        self._pending: dict[UUID, T] = {}
        self._deleted: set[UUID] = set()

    def _ensure_open(self) -> None:
        if not self.open:
            raise RuntimeError("use the stores inside `async with unit_of_work:` only")

    def get(self, key: UUID) -> T | None:
        self._ensure_open()
        row = None if key in self._deleted else self._pending.get(key, self._committed.get(key))
        return None if row is None else copy.copy(row)

    def __contains__(self, key: UUID) -> bool:
        self._ensure_open()
        return key not in self._deleted and (key in self._pending or key in self._committed)

    def rows(self) -> Iterator[T]:
        """Every visible row, uncopied: callers must copy what they return."""
        self._ensure_open()
        for key, row in self._committed.items():
            if key not in self._pending and key not in self._deleted:
                yield row
        yield from self._pending.values()

    def pending(self) -> Iterator[T]:
        yield from self._pending.values()

    def committed(self, key: UUID) -> T | None:
        """The row as other units of work see it now (uncopied: do not mutate it)."""
        return self._committed.get(key)

    def put(self, key: UUID, row: T) -> None:
        self._ensure_open()
        self._pending[key] = _stored(row)
        self._deleted.discard(key)

    def delete(self, key: UUID) -> None:
        self._ensure_open()
        self._pending.pop(key, None)
        self._deleted.add(key)

    @property
    def dirty(self) -> bool:
        return bool(self._pending or self._deleted)

    def publish(self) -> None:
        self._committed.update(self._pending)
        for key in self._deleted:
            self._committed.pop(key, None)
        self._pending.clear()
        self._deleted.clear()

    def discard(self) -> None:
        self._pending.clear()
        self._deleted.clear()


def copies(rows: Iterable[T]) -> list[T]:
    return [copy.copy(row) for row in rows]


def _stored(row: T) -> T:
    """A copy with every timestamp in UTC, as the database returns them; naive ones refused."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(row):  # type: ignore[arg-type]
        value = getattr(row, field.name)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise TypeError(f"naive datetime in {type(row).__name__}.{field.name}")
            changes[field.name] = value.astimezone(UTC)
    return dataclasses.replace(row, **changes)  # type: ignore[type-var]
