"""Budgets and spend in memory: counters recomputed from the usage rows, holds kept apart."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from adapters.persistence.memory._table import Table
from domain.budget import Cap, CapKind, CapStatus, Hold, UserBudget
from domain.ports import BudgetStore, SpendLedger
from domain.usage import UsageRecord

_ZERO = Decimal(0)


@dataclass(slots=True)
class _Held:
    scope: str
    period_start: datetime
    amount: Decimal
    expires_at: datetime


@dataclass(slots=True)
class SpendState:
    """The committed holds (per hold id, one line per cap) and budgets."""

    holds: dict[UUID, list[_Held]] = field(default_factory=dict)
    budgets: dict[UUID, UserBudget] = field(default_factory=dict)


def counts(cap: Cap, record: UsageRecord) -> Decimal | None:
    """What a usage row counts against ``cap`` (None: nothing, not its scope or period)."""
    if not cap.period.start <= record.created_at < cap.period.end:
        return None
    if cap.kind is CapKind.TOKEN_MONTHLY:
        mine = record.gateway_token_id == cap.owner
    else:
        system = cap.kind in (CapKind.SYSTEM_MONTHLY, CapKind.SYSTEM_DAILY_TOKENS)
        mine = record.user_id == cap.owner and (record.credential_id is None) == system
    if not mine:
        return None
    if cap.kind.in_tokens:
        return Decimal(record.input_tokens + record.output_tokens)
    return record.cost_usd or _ZERO


class MemorySpendLedger(SpendLedger):
    """Writes apply at once and are undone when the unit of work ends without a commit; the
    event loop runs one reserve at a time (no await inside), which serializes them."""

    def __init__(self, state: SpendState, usage: Table[UsageRecord]) -> None:
        self._state = state
        self._usage = usage
        self._undo: list[Callable[[], None]] = []

    async def reserve(self, hold: Hold, now: datetime) -> Cap | None:
        for cap, amount in zip(hold.caps, hold.amounts, strict=True):
            status = self._status(cap, now)
            if status.spent + status.reserved + amount > cap.limit:
                return cap
        lines = [
            _Held(cap.scope, cap.period.start, amount, hold.expires_at)
            for cap, amount in zip(hold.caps, hold.amounts, strict=True)
        ]
        self._state.holds[hold.id] = lines

        def undo() -> None:
            self._state.holds.pop(hold.id, None)

        self._undo.append(undo)
        return None

    async def settle(self, hold: Hold, spent: Sequence[Decimal]) -> None:
        # The usage row carries the spend (counters are recomputed from the rows).
        lines = self._state.holds.pop(hold.id, None)
        if lines is not None:
            self._undo.append(lambda: self._state.holds.__setitem__(hold.id, lines))

    async def status(self, cap: Cap, now: datetime) -> CapStatus:
        return self._status(cap, now)

    async def recount(self, cap: Cap) -> None:
        return  # spend is always counted from the usage rows here

    def _status(self, cap: Cap, now: datetime) -> CapStatus:
        spent = sum(_counted(cap, self._usage.rows()), _ZERO)
        reserved = sum(
            (
                line.amount
                for lines in self._state.holds.values()
                for line in lines
                if line.scope == cap.scope
                and line.period_start == cap.period.start
                and line.expires_at > now
            ),
            _ZERO,
        )
        return CapStatus(cap, spent, reserved)

    def commit(self) -> None:
        self._undo.clear()

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()


def _counted(cap: Cap, records: Iterable[UsageRecord]) -> Iterable[Decimal]:
    for record in records:
        amount = counts(cap, record)
        if amount is not None:
            yield amount


class MemoryBudgetStore(BudgetStore):
    def __init__(self, state: SpendState) -> None:
        self._state = state
        self._undo: list[Callable[[], None]] = []

    async def get(self, user_id: UUID) -> UserBudget:
        return self._state.budgets.get(user_id, UserBudget())

    async def put(self, user_id: UUID, budget: UserBudget) -> None:
        before = self._state.budgets.get(user_id)
        self._state.budgets[user_id] = budget

        def undo() -> None:
            if before is None:
                self._state.budgets.pop(user_id, None)
            else:
                self._state.budgets[user_id] = before

        self._undo.append(undo)

    def commit(self) -> None:
        self._undo.clear()

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()
