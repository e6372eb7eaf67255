"""Token usage and cost in SQL: totals and per-day sums are aggregated by the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Date, cast, func, select

from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.tables import UsageRow
from domain.ports import UsageStore
from domain.usage import DailyUsage, UsageRecord, UsageTotal


class SqlAlchemyUsageStore(UsageStore):
    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, record: UsageRecord) -> None:
        await self._db.add(
            UsageRow(
                id=record.id,
                user_id=record.user_id,
                provider=record.provider,
                model=record.model,
                credential_id=record.credential_id,
                session_id=record.session_id,
                input_tokens=record.input_tokens,
                output_tokens=record.output_tokens,
                cost_usd=record.cost_usd,
                source=record.source.value,
                created_at=record.created_at,
                gateway_token_id=record.gateway_token_id,
                tokens_estimated=record.estimated,
            )
        )

    async def totals(self, user_id: UUID, *, since: datetime | None = None) -> list[UsageTotal]:
        result = await self._db.execute(
            select(
                UsageRow.provider,
                UsageRow.model,
                func.count(),
                *_sums(),
            )
            .where(*_filter(user_id, since))
            .group_by(UsageRow.provider, UsageRow.model)
        )
        totals = [
            UsageTotal(
                provider=provider,
                model=model,
                calls=calls,
                input_tokens=int(input_tokens),
                output_tokens=int(output_tokens),
                cost_usd=cost,
            )
            for provider, model, calls, input_tokens, output_tokens, cost in result.all()
        ]
        # Sorted here, not by ORDER BY: database collations disagree about punctuation.
        return sorted(totals, key=lambda t: (t.provider, t.model))

    async def daily(self, user_id: UUID, *, since: datetime | None = None) -> list[DailyUsage]:
        day = self._utc_day()
        result = await self._db.execute(
            select(day, UsageRow.provider, UsageRow.model, *_sums())
            .where(*_filter(user_id, since))
            .group_by(day, UsageRow.provider, UsageRow.model)
        )
        days = [
            DailyUsage(
                day=_as_date(raw_day),
                provider=provider,
                model=model,
                input_tokens=int(input_tokens),
                output_tokens=int(output_tokens),
                cost_usd=cost,
            )
            for raw_day, provider, model, input_tokens, output_tokens, cost in result.all()
        ]
        return sorted(days, key=lambda d: (d.day, d.provider, d.model))

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


def _filter(user_id: UUID, since: datetime | None) -> list[ColumnElement[bool]]:
    where = [UsageRow.user_id == user_id]
    if since is not None:
        where.append(UsageRow.created_at >= since)
    return where


def _as_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)
