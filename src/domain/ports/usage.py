"""Tokens and cost, per call."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.usage import DailyUsage, UsageRecord, UsageTotal


class UsageStore(Protocol):
    async def add(self, record: UsageRecord) -> None: ...

    async def totals(self, user_id: UUID, *, since: datetime | None = None) -> list[UsageTotal]:
        """Per (provider, model), sorted by provider then model."""
        ...

    async def daily(self, user_id: UUID, *, since: datetime | None = None) -> list[DailyUsage]:
        """Per (UTC day, provider, model), oldest day first."""
        ...
