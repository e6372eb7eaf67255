"""Spend control: caps on what a user's calls may cost, their periods, and the worst case a
call may cost before it is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidBudget
from domain.history import BYTES_PER_TOKEN, estimated_tokens, prompt_tokens
from domain.llm import CompletionRequest, Reply, Usage

# The most a cap may be, and its precision: a cent's hundredth is finer than any price list.
MAX_MONTHLY_USD = Decimal("1000000")
USD_PLACES = 4


class CapKind(StrEnum):
    """Which cap a call counts against; the values are the refusal's and the metric's names."""

    OWN_MONTHLY = "own_monthly_usd"
    SYSTEM_MONTHLY = "system_default_monthly_usd"
    SYSTEM_DAILY_TOKENS = "system_default_daily_tokens"
    TOKEN_MONTHLY = "gateway_token_monthly_usd"  # noqa: S105 (a name, not a secret)

    @property
    def in_tokens(self) -> bool:
        return self is CapKind.SYSTEM_DAILY_TOKENS

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CapKind.OWN_MONTHLY: "your monthly budget for calls on your own keys",
    CapKind.SYSTEM_MONTHLY: "the monthly budget per user on the platform's default key",
    CapKind.SYSTEM_DAILY_TOKENS: "the daily token budget per user on the platform's default key",
    CapKind.TOKEN_MONTHLY: "this gateway token's monthly budget",
}


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open UTC interval [start, end): a calendar month or a day."""

    start: datetime
    end: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, int((self.end - now).total_seconds() + 0.999))


def month_of(now: datetime) -> Period:
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end)


def day_of(now: datetime) -> Period:
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, now.day, tzinfo=UTC)
    return Period(start, start + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class UserBudget:
    """What a user allows their own keys to cost per month (None: no cap), and at what share of
    it the pages warn (None: never)."""

    monthly_usd: Decimal | None = None
    alert_percent: int | None = None

    def __post_init__(self) -> None:
        usd = self.monthly_usd
        if usd is not None:
            if not usd.is_finite() or usd < 0 or usd > MAX_MONTHLY_USD:
                raise InvalidBudget(
                    f"the monthly cap (monthly_usd) must be between 0 and {MAX_MONTHLY_USD} USD"
                )
            if usd != usd.quantize(Decimal(1).scaleb(-USD_PLACES)):
                raise InvalidBudget(
                    f"the monthly cap (monthly_usd) has at most {USD_PLACES} decimal places"
                )
        percent = self.alert_percent
        if percent is not None and not 1 <= percent <= 100:
            raise InvalidBudget("the alert (alert_percent) must be between 1 and 100")


@dataclass(frozen=True, slots=True)
class Cap:
    """One limit a call counts against, per ``period``: USD or tokens (``kind.in_tokens``).
    ``owner`` is the user (their own keys, their share of the platform's key) or the gateway
    token whose calls it counts."""

    kind: CapKind
    owner: UUID
    user_id: UUID
    limit: Decimal
    period: Period

    @property
    def scope(self) -> str:
        """The counter's name: the kind and whose (the user's id, or the gateway token's)."""
        return f"{self.kind.value}:{self.owner}"


@dataclass(frozen=True, slots=True)
class Hold:
    """A call's reservation: ``amounts`` held against each cap (same order) until it settles
    or ``expires_at`` passes (a worker that died mid-call holds nothing after it)."""

    id: UUID
    user_id: UUID
    caps: tuple[Cap, ...]
    amounts: tuple[Decimal, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Settlement:
    """What a call that held ``hold`` spent against each of its caps (``hold.caps`` order):
    written with the call's usage row, in its transaction."""

    hold: Hold
    spent: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class CapStatus:
    """A cap and where its period stands: ``spent`` settled, ``reserved`` by calls in flight."""

    cap: Cap
    spent: Decimal
    reserved: Decimal

    @property
    def left(self) -> Decimal:
        return max(Decimal(0), self.cap.limit - self.spent - self.reserved)


def request_tokens(request: CompletionRequest) -> int:
    """The prompt's tokens as ``domain.history`` estimates them (about 4 bytes a token)."""
    return sum(estimated_tokens(m) for m in request.messages) + prompt_tokens(
        request.system, request.tools
    )


def reply_tokens(reply: Reply) -> int:
    size = len(reply.text.encode()) + sum(
        len(c.name.encode()) + len(c.arguments.encode()) for c in reply.tool_calls
    )
    return -(-size // BYTES_PER_TOKEN)


def estimated_usage(request: CompletionRequest, reply: Reply) -> Usage:
    """What a call the provider did not count is taken to have used: never zero, a prompt is
    always sent."""
    return Usage(request_tokens(request), reply_tokens(reply), reported=False)
