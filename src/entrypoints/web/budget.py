"""Budget: the user's cap on their own keys, this month's spend and reservations, the
operator's caps on the system default; a form to set or clear the cap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Response, Template

from application.budgets.get_budget import BudgetView, GetBudget
from application.budgets.set_budget import SetBudget
from domain.budget import CapStatus, UserBudget
from domain.errors import DomainError, InvalidBudget
from domain.user import User
from entrypoints.http.deps import use_cases
from entrypoints.web.errors import Friendly, friendly
from entrypoints.web.session import WEB_USER
from entrypoints.web.usage import tokens_text, usd
from entrypoints.web.views import notice_for


@dataclass(frozen=True, slots=True)
class BudgetForm:
    monthly_usd: str = ""
    alert_percent: str = ""


@dataclass(frozen=True, slots=True)
class Gauge:
    """One cap as the page shows it: a ``<meter>`` (no inline style: the CSP allows none)."""

    label: str
    limit: str
    used: str
    reserved: str
    left: str
    maximum: float
    value: float


class BudgetPage(Controller):
    path = "/budget"
    dependencies = {**WEB_USER, **use_cases("get_budget", "set_budget")}

    @get("/", name="web-budget")
    async def show(
        self,
        user: NamedDependency[User],
        get_budget: NamedDependency[GetBudget],
        done: FromQuery[str] = "",
    ) -> Template:
        return _page(user, await get_budget.execute(user.id), notice=done)

    @post("/", name="web-budget-set")
    async def set_(
        self,
        data: URLEncodedBody[BudgetForm],
        user: NamedDependency[User],
        get_budget: NamedDependency[GetBudget],
        set_budget: NamedDependency[SetBudget],
    ) -> Response[Any]:
        try:
            await set_budget.execute(user.id, _budget(data))
        except DomainError as exc:
            view = await get_budget.execute(user.id)
            return _page(user, view, error=friendly(exc), form=data)
        return Redirect("/budget?done=budget", status_code=303)


def _budget(form: BudgetForm) -> UserBudget:
    """Empty fields clear; anything else must be a plain amount and a whole percent."""
    try:
        usd_cap = Decimal(form.monthly_usd.strip()) if form.monthly_usd.strip() else None
        percent = int(form.alert_percent.strip()) if form.alert_percent.strip() else None
    except (InvalidOperation, ValueError):
        raise InvalidBudget(
            "the cap is an amount in USD like 20.00, the alert a whole percent"
        ) from None
    return UserBudget(usd_cap, percent)


def _gauge(label: str, s: CapStatus) -> Gauge:
    def text(amount: Decimal) -> str:
        return tokens_text(float(amount)) if s.cap.kind.in_tokens else usd(amount)

    used = s.spent + s.reserved
    return Gauge(
        label,
        text(s.cap.limit),
        text(s.spent),
        text(s.reserved),
        text(s.left),
        float(s.cap.limit) or 1.0,
        float(min(used, s.cap.limit)) if s.cap.limit else 1.0,
    )


def _page(
    user: User,
    view: BudgetView,
    *,
    error: Friendly | None = None,
    notice: str = "",
    form: BudgetForm | None = None,
) -> Template:
    budget = view.budget
    gauges = []
    if budget.monthly_usd is not None:
        gauges.append(_gauge("Your keys, this month", view.own))
    if view.system_monthly is not None:
        gauges.append(_gauge("Platform key, this month", view.system_monthly))
    if view.system_daily is not None:
        gauges.append(_gauge("Platform key, today (tokens)", view.system_daily))
    form = form or BudgetForm(
        "" if budget.monthly_usd is None else f"{budget.monthly_usd.normalize():f}",
        "" if budget.alert_percent is None else str(budget.alert_percent),
    )
    context = {
        "user": user,
        "active": "budget",
        "view": view,
        "gauges": gauges,
        "own_spent": usd(view.own.spent),
        "own_reserved": usd(view.own.reserved),
        "form": form,
        "error": error,
        "notice": notice_for(notice),
    }
    return Template(
        template_name="budget.html", context=context, status_code=error.status if error else 200
    )
