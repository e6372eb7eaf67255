"""The real clock."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.ports import Clock


class SystemClock(Clock):
    """``Clock``: the system's current time, timezone-aware UTC."""

    __slots__ = ()

    def now(self) -> datetime:
        return datetime.now(UTC)
