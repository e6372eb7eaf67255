"""Time and identity."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    __slots__ = ()  # so implementations that declare __slots__ stay without a __dict__

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    __slots__ = ()  # so implementations that declare __slots__ stay without a __dict__

    def new_id(self) -> UUID:
        """A new unique id (UUIDv7 in production: time-ordered ids index well)."""
        ...
