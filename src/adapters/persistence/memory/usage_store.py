"""Token usage and cost rows in memory, aggregated like the SQL queries do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from adapters.persistence.errors import ConstraintViolation
from adapters.persistence.memory._table import Table
from domain.ports import UsageStore
from domain.usage import DailyUsage, UsageRecord, UsageTotal
from domain.user import User

_ZERO = Decimal(0)


class MemoryUsageStore(UsageStore):
    def __init__(self, usage: Table[UsageRecord], users: Table[User]) -> None:
        self._usage = usage
        self._users = users

    async def add(self, record: UsageRecord) -> None:
        if record.id in self._usage:
            raise ConstraintViolation("pk_llm_usage")
        if record.user_id not in self._users:
            raise ConstraintViolation("fk_llm_usage_user_id_users")
        self._usage.put(record.id, record)

    async def totals(self, user_id: UUID, *, since: datetime | None = None) -> list[UsageTotal]:
        groups: dict[tuple[str, str], list[UsageRecord]] = {}
        for record in self._rows(user_id, since):
            groups.setdefault((record.provider, record.model), []).append(record)
        return [
            UsageTotal(
                provider=provider,
                model=model,
                calls=len(records),
                input_tokens=sum(r.input_tokens for r in records),
                output_tokens=sum(r.output_tokens for r in records),
                cost_usd=sum((r.cost_usd or _ZERO for r in records), _ZERO),
            )
            for (provider, model), records in sorted(groups.items())
        ]

    async def daily(self, user_id: UUID, *, since: datetime | None = None) -> list[DailyUsage]:
        groups: dict[tuple[date, str, str], list[UsageRecord]] = {}
        for record in self._rows(user_id, since):
            day = record.created_at.astimezone(UTC).date()
            groups.setdefault((day, record.provider, record.model), []).append(record)
        return [
            DailyUsage(
                day=day,
                provider=provider,
                model=model,
                input_tokens=sum(r.input_tokens for r in records),
                output_tokens=sum(r.output_tokens for r in records),
                cost_usd=sum((r.cost_usd or _ZERO for r in records), _ZERO),
            )
            for (day, provider, model), records in sorted(groups.items())
        ]

    def _rows(self, user_id: UUID, since: datetime | None) -> Iterator[UsageRecord]:
        for record in self._usage.rows():
            if record.user_id == user_id and (since is None or record.created_at >= since):
                yield record
