"""Spend and reservations in SQL: a counter row per cap and period, and a row per hold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.persistence.sqlalchemy._db import Db
from adapters.persistence.sqlalchemy.spend_tables import SpendCounterRow, SpendHoldRow
from adapters.persistence.sqlalchemy.tables import UsageRow
from domain.budget import Cap, CapKind, CapStatus, Hold
from domain.ports import SpendLedger

_ZERO = Decimal(0)


class SqlAlchemySpendLedger(SpendLedger):
    """- reserving is, per cap, one ``UPDATE ... SET reserved = reserved + x WHERE spent +
      reserved + x <= limit`` (the row lock serializes concurrent callers on every worker;
      PostgreSQL re-checks the condition on the row it waited for), then one INSERT of the
      holds; a counter is created on first use from the period's usage rows;
    - a refused cap first sweeps its expired holds off the counter, then tries once more: a
      worker that died mid-call holds nothing for longer than its hold's expiry;
    - settling deletes the holds and moves their amounts to ``spent`` in the caller's
      transaction (the one that adds the usage row)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def reserve(self, hold: Hold, now: datetime) -> Cap | None:
        for cap, amount in zip(hold.caps, hold.amounts, strict=True):
            if not await self._take(cap, amount, now):
                return cap
        await self._db.execute(
            insert(SpendHoldRow),
            [
                {
                    "hold_id": hold.id,
                    "scope": cap.scope,
                    "period_start": cap.period.start,
                    "user_id": hold.user_id,
                    "amount": amount,
                    "expires_at": hold.expires_at,
                }
                for cap, amount in zip(hold.caps, hold.amounts, strict=True)
            ],
        )
        return None

    async def _take(self, cap: Cap, amount: Decimal, now: datetime) -> bool:
        if await self._add(cap, amount):
            return True
        if await self._db.get(SpendCounterRow, (cap.scope, cap.period.start)) is None:
            await self._create(cap)
        elif not await self._sweep(cap, now):
            return False
        return await self._add(cap, amount)

    async def _add(self, cap: Cap, amount: Decimal) -> bool:
        row = SpendCounterRow
        return (
            await self._db.rowcount(
                update(row)
                .where(
                    *_counter(cap),
                    row.spent + row.reserved + amount <= cap.limit,
                )
                .values(reserved=row.reserved + amount)
            )
            == 1
        )

    async def _create(self, cap: Cap) -> None:
        spent = await self._db.scalar(select(_usage_sum(cap)).where(*_usage_of(cap)))
        insert_ = postgresql.insert if self._db.dialect == "postgresql" else sqlite.insert
        # Another worker may create it first (ON CONFLICT waits for it): theirs counts the
        # same rows.
        await self._db.execute(
            insert_(SpendCounterRow)
            .values(
                scope=cap.scope,
                period_start=cap.period.start,
                user_id=cap.user_id,
                spent=Decimal(spent or 0),
                reserved=_ZERO,
            )
            .on_conflict_do_nothing()
        )

    async def _sweep(self, cap: Cap, now: datetime) -> bool:
        """Expired holds off the counter; False when there were none (nothing changes)."""
        result = await self._db.execute(
            delete(SpendHoldRow)
            .where(
                SpendHoldRow.scope == cap.scope,
                SpendHoldRow.period_start == cap.period.start,
                SpendHoldRow.expires_at <= now,
            )
            .returning(SpendHoldRow.amount)
        )
        expired = sum((Decimal(a) for a in result.scalars().all()), _ZERO)
        if not expired:
            return False
        await self._db.execute(
            update(SpendCounterRow)
            .where(*_counter(cap))
            .values(reserved=SpendCounterRow.reserved - expired)
        )
        return True

    async def settle(self, hold: Hold, spent: Sequence[Decimal]) -> None:
        result = await self._db.execute(
            delete(SpendHoldRow)
            .where(SpendHoldRow.hold_id == hold.id)
            .returning(SpendHoldRow.scope, SpendHoldRow.amount)
        )
        held = {scope: Decimal(amount) for scope, amount in result.all()}
        for cap, amount in zip(hold.caps, spent, strict=True):
            await self._db.execute(
                update(SpendCounterRow)
                .where(*_counter(cap))
                .values(
                    reserved=SpendCounterRow.reserved - held.get(cap.scope, _ZERO),
                    spent=SpendCounterRow.spent + amount,
                )
            )

    async def recount(self, cap: Cap) -> None:
        await self._db.execute(
            update(SpendCounterRow)
            .where(*_counter(cap))
            .values(spent=select(_usage_sum(cap)).where(*_usage_of(cap)).scalar_subquery())
        )

    async def status(self, cap: Cap, now: datetime) -> CapStatus:
        spent = await self._db.scalar(select(_usage_sum(cap)).where(*_usage_of(cap)))
        reserved = await self._db.scalar(
            select(func.coalesce(func.sum(SpendHoldRow.amount), 0)).where(
                SpendHoldRow.scope == cap.scope,
                SpendHoldRow.period_start == cap.period.start,
                SpendHoldRow.expires_at > now,
            )
        )
        return CapStatus(cap, Decimal(spent or 0), Decimal(reserved or 0))


def _counter(cap: Cap) -> tuple[ColumnElement[bool], ...]:
    return (
        SpendCounterRow.scope == cap.scope,
        SpendCounterRow.period_start == cap.period.start,
    )


def _usage_sum(cap: Cap) -> ColumnElement[Any]:
    if cap.kind.in_tokens:
        return func.coalesce(func.sum(UsageRow.input_tokens + UsageRow.output_tokens), 0)
    return func.coalesce(func.sum(UsageRow.cost_usd), 0)


def _usage_of(cap: Cap) -> list[ColumnElement[bool]]:
    where = [
        UsageRow.created_at >= cap.period.start,
        UsageRow.created_at < cap.period.end,
    ]
    if cap.kind is CapKind.TOKEN_MONTHLY:
        where.append(UsageRow.gateway_token_id == cap.owner)
        return where
    where.append(UsageRow.user_id == cap.owner)
    if cap.kind is CapKind.OWN_MONTHLY:
        where.append(UsageRow.credential_id.is_not(None))
    else:
        where.append(UsageRow.credential_id.is_(None))
    return where
