"""Token usage and cost in SQL: totals and per-day sums are aggregated by the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Date, and_, cast, func, insert, or_, select

from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.tables import UsageRow, metadata
from domain.ports import UsageStore
from domain.usage import (
    DailyUsage,
    SourceUsage,
    TokenUsage,
    UsageCursor,
    UsageRecord,
    UsageSource,
    UsageTotal,
)

_INSERT = insert(metadata.tables[UsageRow.__tablename__])


USAGE_COLUMNS = (
    "id",
    "user_id",
    "provider",
    "model",
    "credential_id",
    "session_id",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "source",
    "created_at",
    "gateway_token_id",
    "tokens_estimated",
)


def usage_row(record: UsageRecord) -> tuple[Any, ...]:
    """A usage row's values, in ``USAGE_COLUMNS`` order."""
    return (
        record.id,
        record.user_id,
        record.provider,
        record.model,
        record.credential_id,
        record.session_id,
        record.input_tokens,
        record.output_tokens,
        record.cost_usd,
        record.source.value,
        record.created_at,
        record.gateway_token_id,
        record.estimated,
    )


def usage_values(record: UsageRecord) -> dict[str, Any]:
    return dict(zip(USAGE_COLUMNS, usage_row(record), strict=True))


class SqlAlchemyUsageStore(UsageStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, record: UsageRecord) -> None:
        await self.add_many([record])

    async def add_many(self, records: Sequence[UsageRecord]) -> None:
        # Core, not the ORM's unit of work: one INSERT for every row, nothing to track after.
        if records:
            await self._db.execute(_INSERT, [usage_values(record) for record in records])

    async def totals(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[UsageTotal]:
        result = await self._db.execute(
            select(UsageRow.provider, UsageRow.model, func.count(), *_sums())
            .where(*_filter(user_id, since, until))
            .group_by(UsageRow.provider, UsageRow.model)
        )
        totals = [
            UsageTotal(provider, model, calls, int(input_tokens), int(output_tokens), cost)
            for provider, model, calls, input_tokens, output_tokens, cost in result.all()
        ]
        # Sorted here, not by ORDER BY: database collations disagree about punctuation.
        return sorted(totals, key=lambda t: (t.provider, t.model))

    async def daily(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[DailyUsage]:
        day = self._utc_day()
        result = await self._db.execute(
            select(day, UsageRow.provider, UsageRow.model, *_sums())
            .where(*_filter(user_id, since, until))
            .group_by(day, UsageRow.provider, UsageRow.model)
        )
        days = [
            DailyUsage(_as_date(raw_day), provider, model, int(inputs), int(outputs), cost)
            for raw_day, provider, model, inputs, outputs, cost in result.all()
        ]
        return sorted(days, key=lambda d: (d.day, d.provider, d.model))

    async def by_source(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[SourceUsage]:
        result = await self._db.execute(
            select(UsageRow.source, func.count(), *_sums())
            .where(*_filter(user_id, since, until))
            .group_by(UsageRow.source)
        )
        sources = [
            SourceUsage(UsageSource(source), calls, int(inputs), int(outputs), cost)
            for source, calls, inputs, outputs, cost in result.all()
        ]
        return sorted(sources, key=lambda s: s.source.value)

    async def by_token(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[TokenUsage]:
        result = await self._db.execute(
            select(UsageRow.gateway_token_id, func.count(), *_sums())
            .where(*_filter(user_id, since, until))
            .group_by(UsageRow.gateway_token_id)
        )
        tokens = [
            TokenUsage(token, calls, int(inputs), int(outputs), cost)
            for token, calls, inputs, outputs, cost in result.all()
        ]
        return sorted(
            tokens, key=lambda t: (t.gateway_token_id is not None, t.gateway_token_id or 0)
        )

    async def records(
        self,
        user_id: UUID,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        after: UsageCursor | None = None,
        limit: int,
    ) -> list[UsageRecord]:
        where = _filter(user_id, since, until)
        if after is not None:
            at, last = after
            where.append(
                or_(
                    UsageRow.created_at > at,
                    and_(UsageRow.created_at == at, UsageRow.id > last),
                )
            )
        rows = await self._db.scalars(
            select(UsageRow).where(*where).order_by(UsageRow.created_at, UsageRow.id).limit(limit)
        )
        return [_record(row) for row in rows]

    def _utc_day(self) -> ColumnElement[Any]:
        if self._db.dialect == "postgresql":
            return cast(func.timezone("UTC", UsageRow.created_at), Date)
        # SQLite stores DateTimeUTC values as UTC text: date() takes the day part.
        return func.date(UsageRow.created_at)


def _sums() -> tuple[ColumnElement[Any], ...]:
    return (
        func.coalesce(func.sum(UsageRow.input_tokens), 0),
        func.coalesce(func.sum(UsageRow.output_tokens), 0),
        func.coalesce(func.sum(UsageRow.cost_usd), 0),
    )


def _filter(
    user_id: UUID, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    where = [UsageRow.user_id == user_id]
    if since is not None:
        where.append(UsageRow.created_at >= since)
    if until is not None:
        where.append(UsageRow.created_at < until)
    return where


def _record(row: UsageRow) -> UsageRecord:
    return UsageRecord(
        id=row.id,
        user_id=row.user_id,
        provider=row.provider,
        model=row.model,
        credential_id=row.credential_id,
        session_id=row.session_id,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cost_usd=row.cost_usd,
        source=UsageSource(row.source),
        created_at=row.created_at,
        gateway_token_id=row.gateway_token_id,
        estimated=row.tokens_estimated,
    )


def _as_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)
