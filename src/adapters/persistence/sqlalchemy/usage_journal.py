"""The usage journal on SQL: on PostgreSQL asyncpg itself, on a connection from the engine's
pool; on SQLite (one writer at a time) the unit of work's stores.

Measured (tests/bench/bench_usage_write.py): one usage row through the ORM session costs about
0.9 ms of CPU, through SQLAlchemy Core 0.6 ms, as one asyncpg statement 0.2 ms; a batch of 32
rows in one statement costs little more than one row. So on PostgreSQL a batch without holds is
one INSERT ... SELECT FROM json_populate_recordset(...) in autocommit (one round trip, atomic
as any single statement); with holds it is one transaction: that INSERT, one DELETE of the
holds, and the counters' UPDATEs pipelined, in the order every reservation locks them (no
deadlock)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.group_commit import MAX_BATCH, MAX_WAITING
from adapters.persistence.sqlalchemy._asyncpg_errors import raw_driver
from adapters.persistence.sqlalchemy._json_rows import json_rows
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory
from adapters.persistence.sqlalchemy.usage_store import USAGE_COLUMNS, usage_values
from adapters.persistence.usage_journal import (
    BatchedUsageJournal,
    Entry,
    UnitOfWorkUsageJournal,
)
from domain.budget import CapKind, Settlement
from domain.ports import UsageJournal

_ZERO = Decimal(0)
# A reservation locks one user's counters, in this order (SpendGuard.caps).
_LOCK_ORDER = {kind: rank for rank, kind in enumerate(CapKind)}


# Built once from the table's own column names, never from a value; the rows arrive as one JSON
# array (``json_rows``). A value too long for its column is refused, as an assignment would
# refuse it, not cut.
_COLUMNS = ", ".join(USAGE_COLUMNS)
_INSERT = (
    f"INSERT INTO llm_usage ({_COLUMNS}) SELECT {_COLUMNS} "  # noqa: S608
    "FROM json_populate_recordset(NULL::llm_usage, $1::json)"
)
# The ids as text[], cast here: asyncpg knows text[] already, and would look up uuid[] on each
# new connection first (three more statements).
_DELETE_HOLDS = (
    "DELETE FROM spend_holds WHERE hold_id = ANY($1::text[]::uuid[]) "
    "RETURNING hold_id, scope, amount"
)
_SETTLE_COUNTER = (
    "UPDATE spend_counters SET reserved = reserved - $3, spent = spent + $4 "
    "WHERE scope = $1 AND period_start = $2"
)


def usage_journal(engine: AsyncEngine) -> UsageJournal:
    """The journal for the engine's database."""
    if engine.dialect.name == "postgresql":
        return PostgresUsageJournal(engine)
    return UnitOfWorkUsageJournal(SqlAlchemyUnitOfWorkFactory(engine))


class PostgresUsageJournal(BatchedUsageJournal):
    """A batch in one statement on the driver's own connection; see the module's text."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_batch: int = MAX_BATCH,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        super().__init__(max_batch=max_batch, max_waiting=max_waiting)
        self._engine = engine

    async def _write(self, entries: Sequence[Entry]) -> None:
        records = (usage_values(entry.record) for entry in entries)
        rows = json_rows(records, USAGE_COLUMNS, times=("created_at",))
        settlements = [e.settlement for e in entries if e.settlement is not None]
        async with raw_driver(self._engine) as driver:
            if not settlements:
                await driver.execute(_INSERT, rows)
                return
            async with driver.transaction():
                await driver.execute(_INSERT, rows)
                held = await driver.fetch(_DELETE_HOLDS, [str(s.hold.id) for s in settlements])
                await driver.executemany(_SETTLE_COUNTER, _counter_moves(settlements, held))


def _counter_moves(
    settlements: Sequence[Settlement], held: Sequence[Any]
) -> list[tuple[str, Any, Decimal, Decimal]]:
    """Per counter: the holds it releases (those still there: an expired one was swept) and the
    spend it adds; in the order reservations lock counters."""
    still_held = {(row["hold_id"], row["scope"]): Decimal(row["amount"]) for row in held}
    moves: dict[tuple[str, Any], list[Decimal]] = {}
    order: dict[tuple[str, Any], tuple[str, int]] = {}
    for settlement in settlements:
        hold = settlement.hold
        for cap, spent in zip(hold.caps, settlement.spent, strict=True):
            key = (cap.scope, cap.period.start)
            move = moves.setdefault(key, [_ZERO, _ZERO])
            move[0] += still_held.get((hold.id, cap.scope), _ZERO)
            move[1] += spent
            order[key] = (str(cap.user_id), _LOCK_ORDER[cap.kind])
    return [
        (scope, start, released, spent)
        for (scope, start), (released, spent) in sorted(
            moves.items(), key=lambda item: (order[item[0]], item[0][0])
        )
    ]
