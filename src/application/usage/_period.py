"""The period a usage report covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.errors import InvalidUsagePeriod


@dataclass(frozen=True, slots=True)
class UsagePeriod:
    """Calls made at or after ``since`` and before ``until`` (None: unbounded), in UTC."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None) -> UsagePeriod:
        """A time without a zone is UTC; ``until`` must come after ``since``."""
        since, until = _utc(since), _utc(until)
        if since is not None and until is not None and until <= since:
            raise InvalidUsagePeriod("until must come after since")
        return cls(since, until)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
