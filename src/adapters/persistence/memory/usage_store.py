"""Token usage and cost rows in memory, aggregated like the SQL queries do."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from adapters.persistence.errors import ConstraintViolation
from adapters.persistence.memory._table import Table
from domain.ports import UsageStore
from domain.usage import (
    DailyUsage,
    SourceUsage,
    TokenUsage,
    UsageCursor,
    UsageRecord,
    UsageTotal,
)
from domain.user import User

_ZERO = Decimal(0)
K = TypeVar("K", bound=Hashable)


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

    async def add_many(self, records: Sequence[UsageRecord]) -> None:
        for record in records:
            await self.add(record)

    async def totals(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[UsageTotal]:
        groups = self._group(user_id, since, until, lambda r: (r.provider, r.model))
        return [
            UsageTotal(provider, model, len(rows), *_sums(rows))
            for (provider, model), rows in sorted(groups.items())
        ]

    async def daily(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[DailyUsage]:
        groups = self._group(
            user_id,
            since,
            until,
            lambda r: (r.created_at.astimezone(UTC).date(), r.provider, r.model),
        )
        return [
            DailyUsage(day, provider, model, *_sums(rows))
            for (day, provider, model), rows in sorted(groups.items(), key=_by_day)
        ]

    async def by_source(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[SourceUsage]:
        groups = self._group(user_id, since, until, lambda r: r.source)
        return [
            SourceUsage(source, len(rows), *_sums(rows))
            for source, rows in sorted(groups.items(), key=lambda item: item[0].value)
        ]

    async def by_token(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[TokenUsage]:
        groups = self._group(user_id, since, until, lambda r: r.gateway_token_id)
        ordered = sorted(groups.items(), key=lambda item: (item[0] is not None, item[0] or 0))
        return [TokenUsage(token, len(rows), *_sums(rows)) for token, rows in ordered]

    async def records(
        self,
        user_id: UUID,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        after: UsageCursor | None = None,
        limit: int,
    ) -> list[UsageRecord]:
        rows = sorted(self._rows(user_id, since, until), key=lambda r: (r.created_at, r.id))
        if after is not None:
            rows = [r for r in rows if (r.created_at, r.id) > after]
        return rows[:limit]

    def _group(
        self,
        user_id: UUID,
        since: datetime | None,
        until: datetime | None,
        key: Callable[[UsageRecord], K],
    ) -> dict[K, list[UsageRecord]]:
        groups: dict[K, list[UsageRecord]] = {}
        for record in self._rows(user_id, since, until):
            groups.setdefault(key(record), []).append(record)
        return groups

    def _rows(
        self, user_id: UUID, since: datetime | None, until: datetime | None
    ) -> Iterator[UsageRecord]:
        for record in self._usage.rows():
            if (
                record.user_id == user_id
                and (since is None or record.created_at >= since)
                and (until is None or record.created_at < until)
            ):
                yield record


def _sums(rows: list[UsageRecord]) -> tuple[int, int, Decimal]:
    return (
        sum(r.input_tokens for r in rows),
        sum(r.output_tokens for r in rows),
        sum((r.cost_usd or _ZERO for r in rows), _ZERO),
    )


def _by_day(
    item: tuple[tuple[date, str, str], list[UsageRecord]],
) -> tuple[date, str, str]:
    return item[0]
