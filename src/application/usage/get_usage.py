"""The caller's token usage and cost, per provider and model, and per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from domain.ports import UnitOfWorkFactory
from domain.usage import DailyUsage, UsageTotal


@dataclass(frozen=True, slots=True)
class UsageReport:
    since: datetime | None
    totals: list[UsageTotal]
    daily: list[DailyUsage]

    @property
    def cost_usd(self) -> Decimal:
        return sum((t.cost_usd for t in self.totals), Decimal(0))

    @property
    def input_tokens(self) -> int:
        return sum(t.input_tokens for t in self.totals)

    @property
    def output_tokens(self) -> int:
        return sum(t.output_tokens for t in self.totals)


class GetUsage:
    """- only the caller's calls count (agent sessions and the gateway alike);
    - ``since`` keeps calls made at or after it; a time without a zone is taken as UTC;
    - calls to models the catalog does not price count their tokens and add no cost."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, user_id: UUID, *, since: datetime | None = None) -> UsageReport:
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        async with self._uow() as uow:
            totals = await uow.usage.totals(user_id, since=since)
            daily = await uow.usage.daily(user_id, since=since)
        return UsageReport(since, totals, daily)
