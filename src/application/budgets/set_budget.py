"""Set (or clear) the cap a user puts on calls on their own keys."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from application.budgets._spend_guard import OperatorCaps
from application.budgets.get_budget import BudgetView, view
from application.caching._changes import announce
from domain.budget import Cap, CapKind, UserBudget, month_of
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory


class SetBudget:
    """- ``monthly_usd`` None clears the cap, ``alert_percent`` None the alert (``UserBudget``
      checks both);
    - the month's spend is counted afresh from the usage rows (calls made while no cap applied
      moved no counter), so a cap set below it refuses the next call at once."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        caps: OperatorCaps,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._uow = uow
        self._clock = clock
        self._caps = caps

    async def execute(self, user_id: UUID, budget: UserBudget) -> BudgetView:
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.budgets.put(user_id, budget)
            if budget.monthly_usd is not None:
                cap = Cap(CapKind.OWN_MONTHLY, user_id, user_id, Decimal(0), month_of(now))
                await uow.spend.recount(cap)
            await uow.commit()
            await announce(self._changes, user_id)
        async with self._uow() as uow:
            return await view(uow, user_id, now, self._caps)
