"""The caller's budget: their cap on calls on their own keys, and the caps that apply to them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.budgets.get_budget import BudgetView, GetBudget
from application.budgets.set_budget import SetBudget
from domain.budget import CapStatus, UserBudget
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.money import usd
from entrypoints.http.openapi import problem_responses

# A plain decimal in a string, like every amount of the API; the domain checks its range and
# precision (and says which).
Amount = Annotated[str, msgspec.Meta(max_length=32, pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,12})?$")]


class BudgetIn(msgspec.Struct, forbid_unknown_fields=True):
    monthly_usd: Amount | None = None
    alert_percent: int | None = None


class CapOut(msgspec.Struct):
    """A cap in USD (``limit`` a decimal string) or tokens (``unit`` says which)."""

    cap: str
    unit: str
    limit: str
    spent: str
    reserved: str
    left: str
    resets_at: datetime

    @classmethod
    def of(cls, s: CapStatus) -> CapOut:
        unit = "tokens" if s.cap.kind.in_tokens else "usd"
        return cls(
            s.cap.kind.value,
            unit,
            usd(s.cap.limit),
            usd(s.spent),
            usd(s.reserved),
            usd(s.left),
            s.cap.period.end,
        )


class BudgetOut(msgspec.Struct):
    monthly_usd: str | None
    alert_percent: int | None
    alert: bool
    period_start: datetime
    resets_at: datetime
    spent_usd: str
    reserved_usd: str
    system_default: list[CapOut]

    @classmethod
    def of(cls, v: BudgetView) -> BudgetOut:
        system = [CapOut.of(s) for s in (v.system_monthly, v.system_daily) if s is not None]
        usd_cap = v.budget.monthly_usd
        return cls(
            None if usd_cap is None else usd(usd_cap),
            v.budget.alert_percent,
            v.alert,
            v.period.start,
            v.period.end,
            usd(v.own.spent),
            usd(v.own.reserved),
            system,
        )


class BudgetController(Controller):
    path = "/api/v1/users/me/budget"
    tags = ["Budget"]
    dependencies = {**CURRENT_USER, **use_cases("get_budget", "set_budget")}

    @get(
        "/",
        operation_id="GetBudget",
        summary="Your cap on your own keys, this month's spend and reservations, and the "
        "operator's caps on the system default as they apply to you",
        description="Months and days are UTC; `resets_at` is when the period ends.",
    )
    async def get_budget(
        self, user_id: NamedDependency[UUID], get_budget: NamedDependency[GetBudget]
    ) -> BudgetOut:
        return BudgetOut.of(await get_budget.execute(user_id))

    @put(
        "/",
        operation_id="SetBudget",
        summary="Set or clear (`null`) your monthly cap on calls on your own keys",
        description="`monthly_usd`: a decimal string, 0 to 1000000, at most 4 decimal places; "
        "`alert_percent`: 1 to 100. A call whose worst case would pass the cap is refused with "
        "429 `budget-exceeded` before it reaches the provider.",
        responses=problem_responses(422),
    )
    async def set_budget(
        self,
        user_id: NamedDependency[UUID],
        set_budget: NamedDependency[SetBudget],
        data: JSONBody[BudgetIn],
    ) -> BudgetOut:
        budget = UserBudget(
            None if data.monthly_usd is None else Decimal(data.monthly_usd), data.alert_percent
        )
        return BudgetOut.of(await set_budget.execute(user_id, budget))
