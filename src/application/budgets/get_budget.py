"""A user's budget and where this period stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from application.budgets._spend_guard import OperatorCaps
from domain.budget import Cap, CapKind, CapStatus, Period, UserBudget, day_of, month_of
from domain.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class BudgetView:
    """``own``: calls on the user's own keys this month (its ``cap.limit`` is the user's cap,
    or 0 without one: see ``budget``); ``system_monthly``/``system_daily``: the operator's caps
    on the platform's key as they apply to this user (None: no such cap)."""

    budget: UserBudget
    period: Period
    own: CapStatus
    system_monthly: CapStatus | None
    system_daily: CapStatus | None

    @property
    def alert(self) -> bool:
        """Spend and reservations reached the user's ``alert_percent`` of their cap."""
        usd, percent = self.budget.monthly_usd, self.budget.alert_percent
        if usd is None or percent is None:
            return False
        return (self.own.spent + self.own.reserved) * 100 >= usd * percent


class GetBudget:
    """- the period is the UTC calendar month (the daily token cap's: the UTC day);
    - spend is counted from the usage rows, reservations from the calls in flight (expired
      ones not counted)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, caps: OperatorCaps) -> None:
        self._uow = uow
        self._clock = clock
        self._caps = caps

    async def execute(self, user_id: UUID) -> BudgetView:
        async with self._uow() as uow:
            return await view(uow, user_id, self._clock.now(), self._caps)


async def view(uow: UnitOfWork, user_id: UUID, now: datetime, caps: OperatorCaps) -> BudgetView:
    month = month_of(now)
    budget = await uow.budgets.get(user_id)
    own = Cap(CapKind.OWN_MONTHLY, user_id, user_id, budget.monthly_usd or Decimal(0), month)
    system_monthly = system_daily = None
    if caps.system_monthly_usd is not None:
        cap = Cap(CapKind.SYSTEM_MONTHLY, user_id, user_id, caps.system_monthly_usd, month)
        system_monthly = await uow.spend.status(cap, now)
    if caps.system_daily_tokens is not None:
        limit = Decimal(caps.system_daily_tokens)
        cap = Cap(CapKind.SYSTEM_DAILY_TOKENS, user_id, user_id, limit, day_of(now))
        system_daily = await uow.spend.status(cap, now)
    own_status = await uow.spend.status(own, now)
    return BudgetView(budget, month, own_status, system_monthly, system_daily)
