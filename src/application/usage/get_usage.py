"""The caller's token usage and cost: per provider and model, per day, per source and per
gateway token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from application.usage._period import UsagePeriod
from domain.gateway_token import GatewayToken
from domain.ports import UnitOfWorkFactory
from domain.usage import DailyUsage, SourceUsage, TokenUsage, UsageTotal


@dataclass(frozen=True, slots=True)
class NamedTokenUsage:
    """A gateway token's calls with the token's ``name`` and ``hint`` (None: calls made
    without a token, or by a token no longer on record)."""

    usage: TokenUsage
    name: str | None = None
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class UsageReport:
    since: datetime | None
    totals: list[UsageTotal]
    daily: list[DailyUsage]
    until: datetime | None = None
    by_source: tuple[SourceUsage, ...] = ()
    by_token: tuple[NamedTokenUsage, ...] = ()

    @property
    def cost_usd(self) -> Decimal:
        return sum((t.cost_usd for t in self.totals), Decimal(0))

    @property
    def input_tokens(self) -> int:
        return sum(t.input_tokens for t in self.totals)

    @property
    def output_tokens(self) -> int:
        return sum(t.output_tokens for t in self.totals)


class GetUsage:
    """- only the caller's calls count (agent sessions, the gateway and the in-process facade);
    - ``since`` keeps calls made at or after it, ``until`` those made before it; a time
      without a zone is UTC; ``until`` must come after ``since`` (``InvalidUsagePeriod``);
    - broken down per provider and model, per UTC day, per source and per gateway token
      (revoked tokens keep their name; calls without a token are one group);
    - calls to models the catalog does not price count their tokens and add no cost."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, user_id: UUID, *, since: datetime | None = None, until: datetime | None = None
    ) -> UsageReport:
        period = UsagePeriod.of(since, until)
        window = {"since": period.since, "until": period.until}
        async with self._uow() as uow:
            totals = await uow.usage.totals(user_id, **window)
            daily = await uow.usage.daily(user_id, **window)
            by_source = await uow.usage.by_source(user_id, **window)
            by_token = await uow.usage.by_token(user_id, **window)
            tokens = await uow.gateway_tokens.list_for_user(user_id) if by_token else []
        return UsageReport(
            period.since,
            totals,
            daily,
            period.until,
            tuple(by_source),
            tuple(_named(usage, tokens) for usage in by_token),
        )


def _named(usage: TokenUsage, tokens: list[GatewayToken]) -> NamedTokenUsage:
    for token in tokens:
        if token.id == usage.gateway_token_id:
            return NamedTokenUsage(usage, token.name, token.hint)
    return NamedTokenUsage(usage)
