"""Usage: tokens and cost per day and per model, as SVG charts and tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.response import Template

from application.usage.get_usage import GetUsage
from domain.user import User
from entrypoints.http.deps import container_of, use_cases
from entrypoints.web.chart import SERIES_CLASSES, stacked_bars
from entrypoints.web.session import WEB_USER

DAYS = 30


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    css_class: str


class UsagePage(Controller):
    path = "/usage"
    dependencies = {**WEB_USER, **use_cases("get_usage")}

    @get("/", name="web-usage")
    async def show(
        self, user: NamedDependency[User], state: State, get_usage: NamedDependency[GetUsage]
    ) -> Template:
        today = container_of(state).clock.now().date()
        first = today - timedelta(days=DAYS - 1)
        report = await get_usage.execute(user.id, since=datetime.combine(first, time.min, UTC))
        daily, totals = report.daily, report.totals
        days = [first + timedelta(days=i) for i in range(DAYS)]
        names = sorted({_series_name(d.provider, d.model) for d in daily})
        tokens = {
            (d.day, _series_name(d.provider, d.model)): float(d.input_tokens + d.output_tokens)
            for d in daily
        }
        costs = {(d.day, _series_name(d.provider, d.model)): float(d.cost_usd) for d in daily}
        context = {
            "user": user,
            "active": "usage",
            "days": DAYS,
            "series": [Series(n, f"series-{i % SERIES_CLASSES}") for i, n in enumerate(names)],
            "token_chart": stacked_bars(days, names, tokens, tokens_text) if daily else None,
            "cost_chart": stacked_bars(days, names, costs, usd) if daily else None,
            "daily": sorted(daily, key=lambda d: (d.day, d.provider, d.model), reverse=True),
            "totals": totals,
            "total_tokens": report.input_tokens + report.output_tokens,
            "total_cost": report.cost_usd,
            "usd": usd,
            "tokens_text": tokens_text,
        }
        return Template(template_name="usage.html", context=context)


def _series_name(provider: str, model: str) -> str:
    return f"{provider} · {model}"


def usd(value: float | Decimal) -> str:
    amount = Decimal(str(value))
    if amount == 0:
        return "$0"
    if amount >= 1:
        return f"${amount:,.2f}"
    return "$" + f"{amount:.6f}".rstrip("0").rstrip(".")


def tokens_text(value: float | int) -> str:
    number = float(value)
    if number >= 1_000_000:
        return f"{number / 1_000_000:.1f}M".replace(".0M", "M")
    if number >= 10_000:
        return f"{number / 1000:.0f}k"
    return f"{round(number):,}"
