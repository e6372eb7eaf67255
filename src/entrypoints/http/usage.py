"""The caller's token usage and cost: the report and its CSV export."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.response import Stream

from application.usage.export_usage import ExportUsage
from application.usage.get_usage import GetUsage, NamedTokenUsage, UsageReport
from domain.usage import DailyUsage, SourceUsage, UsageTotal
from entrypoints.http.deps import CURRENT_USER, container_of, use_cases
from entrypoints.http.money import usd
from entrypoints.http.openapi import problem_responses
from entrypoints.http.usage_csv import CSV_MEDIA_TYPE, HEADER, csv_response


class UsageTotalOut(msgspec.Struct):
    provider: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: str

    @classmethod
    def of(cls, t: UsageTotal) -> UsageTotalOut:
        return cls(t.provider, t.model, t.calls, t.input_tokens, t.output_tokens, usd(t.cost_usd))


class DailyUsageOut(msgspec.Struct):
    day: date
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: str

    @classmethod
    def of(cls, d: DailyUsage) -> DailyUsageOut:
        return cls(d.day, d.provider, d.model, d.input_tokens, d.output_tokens, usd(d.cost_usd))


class SourceUsageOut(msgspec.Struct):
    source: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: str

    @classmethod
    def of(cls, s: SourceUsage) -> SourceUsageOut:
        return cls(s.source.value, s.calls, s.input_tokens, s.output_tokens, usd(s.cost_usd))


class TokenUsageOut(msgspec.Struct):
    """``gateway_token_id`` null: calls made without a gateway token (sessions, in-process)."""

    gateway_token_id: UUID | None
    name: str | None
    hint: str | None
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: str

    @classmethod
    def of(cls, named: NamedTokenUsage) -> TokenUsageOut:
        t = named.usage
        # Shown as the tokens API shows it (gateway/tokens.py): the prefix, then the tail.
        hint = None if named.hint is None else f"byom_…{named.hint}"
        return cls(
            t.gateway_token_id,
            named.name,
            hint,
            t.calls,
            t.input_tokens,
            t.output_tokens,
            usd(t.cost_usd),
        )


class UsageReportOut(msgspec.Struct):
    since: datetime | None
    until: datetime | None
    input_tokens: int
    output_tokens: int
    cost_usd: str
    totals: list[UsageTotalOut]
    daily: list[DailyUsageOut]
    by_source: list[SourceUsageOut]
    by_token: list[TokenUsageOut]

    @classmethod
    def of(cls, r: UsageReport) -> UsageReportOut:
        return cls(
            r.since,
            r.until,
            r.input_tokens,
            r.output_tokens,
            usd(r.cost_usd),
            [UsageTotalOut.of(t) for t in r.totals],
            [DailyUsageOut.of(d) for d in r.daily],
            [SourceUsageOut.of(s) for s in r.by_source],
            [TokenUsageOut.of(t) for t in r.by_token],
        )


_TIME = "ISO 8601 date or time; without a zone it is UTC"
Since = Annotated[
    str | None, QueryParameter(max_length=64, description=f"calls at or after it ({_TIME})")
]
Until = Annotated[
    str | None, QueryParameter(max_length=64, description=f"calls before it ({_TIME})")
]


class UsageController(Controller):
    path = "/api/v1/users/me"
    tags = ["Usage"]
    dependencies = {**CURRENT_USER, **use_cases("get_usage", "export_usage")}

    @get(
        "/usage",
        operation_id="GetUsage",
        summary="Token and cost totals per provider and model, per UTC day, per source and "
        "per gateway token",
        description=(
            "`since` and `until` bound the period (until after since, else 422). "
            "`by_token` has one entry per gateway token (name and hint included) and one with "
            "a null `gateway_token_id` for calls made without one. Models the catalog does "
            "not price count their tokens and add no cost."
        ),
        responses=problem_responses(422),
    )
    async def usage(
        self,
        user_id: NamedDependency[UUID],
        get_usage: NamedDependency[GetUsage],
        since: Since = None,
        until: Until = None,
    ) -> UsageReportOut:
        report = await get_usage.execute(
            user_id, since=parse_time("since", since), until=parse_time("until", until)
        )
        return UsageReportOut.of(report)

    @get(
        "/usage.csv",
        operation_id="ExportUsage",
        summary="Every call of the period as CSV, one row each, oldest first",
        description=(
            f"Columns: {', '.join(HEADER)}. Same `since` and `until` as the report; `cost_usd` "
            "is empty for unpriced models. Text a spreadsheet would run as a formula starts "
            "with `'`."
        ),
        media_type=CSV_MEDIA_TYPE,
        responses=problem_responses(422),
    )
    async def export(
        self,
        user_id: NamedDependency[UUID],
        export_usage: NamedDependency[ExportUsage],
        state: State,
        since: Since = None,
        until: Until = None,
    ) -> Stream:
        export = await export_usage.execute(
            user_id, since=parse_time("since", since), until=parse_time("until", until)
        )
        return csv_response(export, container_of(state).clock.now())


def parse_time(name: str, raw: str | None) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
        # Naive means UTC; converting here also catches dates that overflow once in UTC.
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationException(
            detail=f"{name} is not an ISO 8601 date or time",
            extra=[{"key": name, "message": "expected e.g. 2025-01-31 or 2025-01-31T09:00:00Z"}],
        ) from None
