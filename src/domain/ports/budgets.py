"""Budgets: what users allow, and what their calls spent and hold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from domain.budget import Cap, CapKind, CapStatus, Hold, UserBudget


class BudgetStore(Protocol):
    async def get(self, user_id: UUID) -> UserBudget:
        """The user's budget; ``UserBudget()`` (no cap) when they never set one."""
        ...

    async def put(self, user_id: UUID, budget: UserBudget) -> None: ...


class SpendLedger(Protocol):
    """Spend and reservations per cap and period. A cap counts the period's usage rows of its
    scope (USD: their cost; tokens: input plus output) and the holds not expired."""

    async def reserve(self, hold: Hold, now: datetime) -> Cap | None:
        """Hold each amount against its cap, all or none: the first cap it would pass is
        returned and nothing is held. Serialized per cap in the store itself (across workers);
        holds expired at ``now`` are not counted."""
        ...

    async def settle(self, hold: Hold, spent: Sequence[Decimal]) -> None:
        """Drop the hold and count what the call spent (per cap, in ``hold.caps`` order), in
        the caller's transaction: with the usage row, or nothing. A hold already expired adds
        the spend only."""
        ...

    async def status(self, cap: Cap, now: datetime) -> CapStatus: ...

    async def recount(self, cap: Cap) -> None:
        """Count the period's spend afresh from the usage rows (a cap set again after a time
        without it: calls made meanwhile held nothing and moved no counter)."""
        ...


class SpendMetrics(Protocol):
    """Spend control as an operator watches it: labels are a call's source and a cap's kind,
    never whose call it was."""

    def refused(self, cap: CapKind) -> None: ...

    def held(self, source: str, usd: Decimal) -> None:
        """A call reserved ``usd`` (negative: its hold ended)."""
        ...

    def spent(self, source: str, usd: Decimal) -> None: ...
