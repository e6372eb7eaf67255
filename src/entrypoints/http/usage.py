"""The caller's token usage and cost."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from application.usage.get_usage import GetUsage, UsageReport
from domain.usage import DailyUsage, UsageTotal
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.money import usd
from entrypoints.http.openapi import problem_responses


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


class UsageReportOut(msgspec.Struct):
    since: datetime | None
    input_tokens: int
    output_tokens: int
    cost_usd: str
    totals: list[UsageTotalOut]
    daily: list[DailyUsageOut]

    @classmethod
    def of(cls, r: UsageReport) -> UsageReportOut:
        return cls(
            r.since,
            r.input_tokens,
            r.output_tokens,
            usd(r.cost_usd),
            [UsageTotalOut.of(t) for t in r.totals],
            [DailyUsageOut.of(d) for d in r.daily],
        )


class UsageController(Controller):
    path = "/api/v1/users/me/usage"
    tags = ["Usage"]
    dependencies = {**CURRENT_USER, **use_cases("get_usage")}

    @get(
        "/",
        operation_id="GetUsage",
        summary="Token and cost totals per provider and model, and per UTC day",
        description="Models the catalog does not price count their tokens and add no cost.",
        responses=problem_responses(422),
    )
    async def usage(
        self,
        user_id: NamedDependency[UUID],
        get_usage: NamedDependency[GetUsage],
        since: Annotated[
            str | None,
            QueryParameter(
                max_length=64,
                description="ISO 8601 date or time; without a zone it is UTC",
            ),
        ] = None,
    ) -> UsageReportOut:
        return UsageReportOut.of(await get_usage.execute(user_id, since=parse_since(since)))


def parse_since(raw: str | None) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    try:
        since = datetime.fromisoformat(raw.strip())
        # Naive means UTC; converting here also catches dates that overflow once in UTC.
        return since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationException(
            detail="since is not an ISO 8601 date or time",
            extra=[{"key": "since", "message": "expected e.g. 2025-01-31 or 2025-01-31T09:00:00Z"}],
        ) from None
