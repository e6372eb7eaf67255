"""Tokens and cost, per call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.budget import Settlement
from domain.usage import DailyUsage, SourceUsage, TokenUsage, UsageCursor, UsageRecord, UsageTotal


class UsageStore(Protocol):
    """Every read keeps the user's calls made at or after ``since`` and before ``until``."""

    async def add(self, record: UsageRecord) -> None: ...

    async def add_many(self, records: Sequence[UsageRecord]) -> None:
        """All of them, in the caller's transaction (one statement where the store can)."""
        ...

    async def totals(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[UsageTotal]:
        """Per (provider, model), sorted by provider then model."""
        ...

    async def daily(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[DailyUsage]:
        """Per (UTC day, provider, model), oldest day first."""
        ...

    async def by_source(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[SourceUsage]:
        """Per source, sorted by its name."""
        ...

    async def by_token(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[TokenUsage]:
        """Per gateway token: calls without one first (``None``), then by token id."""
        ...

    async def records(
        self,
        user_id: UUID,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        after: UsageCursor | None = None,
        limit: int,
    ) -> list[UsageRecord]:
        """At most ``limit`` calls, oldest first (by time, then id), those after ``after``:
        a whole history is read a bounded page at a time."""
        ...


class UsageJournal(Protocol):
    """Where the usage row of each completed call is written, with its hold's settlement.
    Concurrent writes may share one transaction (at most a bounded number wait at once: past
    it, writers wait for room); none is ever held only in memory once ``write`` returned, and
    ``aclose`` waits for those only ``queue``d."""

    async def write(self, record: UsageRecord, settlement: Settlement | None = None) -> None:
        """Returns once the row and the settlement are committed, together; raises what the
        store raised, and then neither was stored. A writer cancelled while it waits does not
        cancel its write."""
        ...

    async def queue(
        self,
        record: UsageRecord,
        settlement: Settlement | None = None,
        *,
        on_done: Callable[[asyncio.Future[None]], object] | None = None,
    ) -> asyncio.Future[None]:
        """Returns once the row and the settlement are queued (past the bound, once there is
        room), with the future of their commit: done once they are committed, together, or
        failed with what the store raised. They are written whether or not it is awaited, and
        even if this call is cancelled while it waits for room (the call was billed): then
        only ``on_done`` hears of the outcome. They count against the bound until then. Await
        the future shielded (``asyncio.shield``)."""
        ...

    async def aclose(self) -> None:
        """The process is stopping: returns once every write under way or queued has ended."""
        ...
