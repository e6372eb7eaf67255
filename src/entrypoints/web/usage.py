"""Usage: tokens and cost per day and per model (SVG charts and tables), per source and per
gateway token, over a chosen period, and its CSV download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from application.usage.export_usage import ExportUsage
from application.usage.get_usage import GetUsage
from domain.usage import UsageSource
from domain.user import User
from entrypoints.http.deps import container_of, use_cases
from entrypoints.http.usage import parse_time
from entrypoints.http.usage_csv import csv_response
from entrypoints.web.chart import SERIES_CLASSES, stacked_bars
from entrypoints.web.errors import Friendly
from entrypoints.web.session import WEB_USER

DAYS = 30
# What each source is, in the words of the pages (UsageSource values are wire names).
SOURCE_NAMES = {
    UsageSource.SESSION: ("Agent sessions", "chats run through BYOM's sessions API"),
    UsageSource.GATEWAY: ("Gateway", "OpenAI-compatible calls to /v1 with a gateway token"),
    UsageSource.IN_PROCESS: ("In-process", "the Python facade and LangChain in your own process"),
}
MAX_CHART_DAYS = 92  # a bar a day stays readable up to a quarter


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    css_class: str


@dataclass(frozen=True, slots=True)
class Period:
    """Whole UTC days, ``first`` to ``last`` inclusive, as the filter form shows them."""

    first: date
    last: date
    chosen: bool = False

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time.min, UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, UTC)

    @property
    def span_days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.span_days)]

    @property
    def text(self) -> str:
        if not self.chosen:
            return f"in the last {DAYS} days"
        return f"from {self.first.isoformat()} to {self.last.isoformat()}"

    @property
    def csv_url(self) -> str:
        query = {"since": self.since.isoformat(), "until": self.until.isoformat()}
        return f"/usage/export.csv?{urlencode(query)}"


class UsagePage(Controller):
    path = "/usage"
    dependencies = {**WEB_USER, **use_cases("get_usage", "export_usage")}

    @get("/", name="web-usage")
    async def show(
        self,
        user: NamedDependency[User],
        state: State,
        get_usage: NamedDependency[GetUsage],
        since: Annotated[str | None, QueryParameter(max_length=64)] = None,
        until: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> Template:
        """``since`` and ``until`` are what the form sends: days (``2026-11-30``, ``until``
        inclusive) or the CSV link's times (``until`` exclusive), so either URL can be shared."""
        today = container_of(state).clock.now().date()
        period, error = _period(today, since, until)
        report = await get_usage.execute(user.id, since=period.since, until=period.until)
        daily, totals = report.daily, report.totals
        # A day list only for a period a chart can show: a URL may ask for ten thousand years.
        days = period.days if period.span_days <= MAX_CHART_DAYS else []
        names = sorted({_series_name(d.provider, d.model) for d in daily})
        tokens = {
            (d.day, _series_name(d.provider, d.model)): float(d.input_tokens + d.output_tokens)
            for d in daily
        }
        costs = {(d.day, _series_name(d.provider, d.model)): float(d.cost_usd) for d in daily}
        charted = bool(daily) and bool(days)
        context = {
            "user": user,
            "active": "usage",
            "period": period,
            "error": error,
            "max_chart_days": MAX_CHART_DAYS,
            "series": [Series(n, f"series-{i % SERIES_CLASSES}") for i, n in enumerate(names)],
            "token_chart": stacked_bars(days, names, tokens, tokens_text) if charted else None,
            "cost_chart": stacked_bars(days, names, costs, usd) if charted else None,
            "daily": sorted(daily, key=lambda d: (d.day, d.provider, d.model), reverse=True),
            "totals": totals,
            "by_source": report.by_source,
            "source_names": SOURCE_NAMES,
            "by_token": report.by_token,
            "total_tokens": report.input_tokens + report.output_tokens,
            "total_cost": report.cost_usd,
            "usd": usd,
            "tokens_text": tokens_text,
        }
        status = error.status if error else 200
        return Template(template_name="usage.html", context=context, status_code=status)

    @get("/export.csv", name="web-usage-csv")
    async def export(
        self,
        user: NamedDependency[User],
        state: State,
        export_usage: NamedDependency[ExportUsage],
        since: Annotated[str | None, QueryParameter(max_length=64)] = None,
        until: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> Stream:
        export = await export_usage.execute(
            user.id, since=parse_time("since", since), until=parse_time("until", until)
        )
        return csv_response(export, container_of(state).clock.now())


def _period(today: date, since: str | None, until: str | None) -> tuple[Period, Friendly | None]:
    default = Period(today - timedelta(days=DAYS - 1), today)
    if not (since or until):
        return default, None
    try:
        chosen = Period(
            _day(since, end=False) if since else default.first,
            _day(until, end=True) if until else today,
            chosen=True,
        )
        chosen.until  # noqa: B018 (the day after the last must exist: 9999-12-31 has none)
    except (ValueError, OverflowError):
        return default, Friendly(422, "The period is not valid", "Dates look like 2025-01-31.")
    if chosen.last < chosen.first:
        return default, Friendly(
            422, "The period is not valid", "The last day must not come before the first."
        )
    return chosen, None


def _day(text: str, *, end: bool) -> date:
    """A day as the form sends it, or a time as the API and the CSV link take it (UTC when
    it names no zone). As an end, a time is exclusive: midnight ends the day before."""
    text = text.strip()
    if len(text) == len("2026-11-30"):
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return (moment - timedelta(microseconds=1)).date() if end else moment.date()


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
