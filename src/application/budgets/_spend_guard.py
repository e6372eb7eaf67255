"""Holds a call's worst case against the caps that apply to it, and settles it to what the
call used."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from application.caching._remembered import Remembered
from application.usage._meter import DEFAULT_MAX_OUTPUT_TOKENS, UsageMeter
from domain.budget import Cap, CapKind, Hold, Settlement, day_of, month_of, request_tokens
from domain.errors import BudgetExceeded, ModelNotPriced
from domain.gateway_token import GatewayToken
from domain.llm import CompletionRequest, Usage
from domain.ports import Clock, IdGenerator, SpendMetrics, UnitOfWorkFactory
from domain.resolution import LlmChoice
from domain.usage import UsageRecord

# A hold outlives the longest call (a stream's 600 s deadline, adapters.llm._policy) by a
# margin: after it, a worker that died mid-call holds nothing.
HOLD_TTL = timedelta(minutes=15)

# A user's own monthly cap (in a tuple: None is a cap too, "no cap"), read before every call
# on their keys; the change feed drops it when the budget is set.
KnownCaps = Remembered[UUID, tuple[Decimal | None]]


@dataclass(frozen=True, slots=True)
class OperatorCaps:
    """The operator's caps per user on the platform's key (None: no cap)."""

    system_monthly_usd: Decimal | None = None
    system_daily_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Held:
    """A call about to be sent: its ``request`` (``max_tokens`` set to what was reserved when
    a cap applies) and its ``hold`` (None: no cap applies, nothing was reserved)."""

    request: CompletionRequest
    hold: Hold | None = None


class SpendGuard:
    """- the caps of a call: on the platform's key the operator's (monthly USD, daily tokens);
      on the user's own keys their own monthly budget; with a gateway token its monthly_usd;
    - its worst case: the prompt's estimate plus ``max_tokens`` (else the default reply
      budget, which is then asked of the provider), at the model's price; a USD cap on a
      model without a price is ``ModelNotPriced``;
    - a cap it would pass is ``BudgetExceeded`` (the provider is never called); no cap, no
      reservation work at all;
    - settling moves the hold to what the call used, with its usage row (``settlement``, for
      the store that writes the row)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        meter: UsageMeter,
        clock: Clock,
        ids: IdGenerator,
        caps: OperatorCaps,
        metrics: SpendMetrics,
        source: str,
        known_caps: KnownCaps,
    ) -> None:
        self._known_caps = known_caps
        self._uow = uow
        self._meter = meter
        self._clock = clock
        self._ids = ids
        self._caps = caps
        self._metrics = metrics
        self._source = source

    async def reserve(
        self,
        user_id: UUID,
        choice: LlmChoice,
        request: CompletionRequest,
        token: GatewayToken | None = None,
    ) -> Held:
        now = self._clock.now()
        own = await self._own_cap(user_id, choice)
        caps = self.caps(user_id, choice, token, own, now)
        if not caps:
            return Held(request)
        out = request.max_tokens or (
            self._meter.max_output_tokens(choice.provider, choice.model)
            or DEFAULT_MAX_OUTPUT_TOKENS
        )
        request = replace(request, max_tokens=out)
        worst = Usage(request_tokens(request), out)
        amounts = tuple(self._amount(cap, choice, worst) for cap in caps)
        hold = Hold(self._ids.new_id(), user_id, caps, amounts, now + HOLD_TTL)
        async with self._uow() as uow:
            refused = await uow.spend.reserve(hold, now)
            await uow.commit()
        if refused is not None:
            self._metrics.refused(refused.kind)
            raise BudgetExceeded(
                refused.kind.value, refused.kind.label, refused.period.seconds_left(now)
            )
        self._metrics.held(self._source, _usd(hold))
        return Held(request, hold)

    def caps(
        self,
        user_id: UUID,
        choice: LlmChoice,
        token: GatewayToken | None,
        own: Decimal | None,
        now: datetime,
    ) -> tuple[Cap, ...]:
        """In one order for every call (the counters are locked in it: no deadlock)."""
        month = month_of(now)
        caps: list[Cap] = []
        if choice.credential_id is None:
            if (usd := self._caps.system_monthly_usd) is not None:
                caps.append(Cap(CapKind.SYSTEM_MONTHLY, user_id, user_id, usd, month))
            if (tokens := self._caps.system_daily_tokens) is not None:
                caps.append(
                    Cap(CapKind.SYSTEM_DAILY_TOKENS, user_id, user_id, Decimal(tokens), day_of(now))
                )
        elif own is not None:
            caps.append(Cap(CapKind.OWN_MONTHLY, user_id, user_id, own, month))
        if token is not None and token.monthly_usd is not None:
            caps.append(Cap(CapKind.TOKEN_MONTHLY, token.id, user_id, token.monthly_usd, month))
        return tuple(caps)

    async def _own_cap(self, user_id: UUID, choice: LlmChoice) -> Decimal | None:
        """For a call on the user's own key: remembered, else read in a transaction of its own,
        begun after the ticket (a budget announced meanwhile is not kept stale)."""
        if choice.credential_id is None:
            return None
        known = self._known_caps.recall(user_id)
        if known is not None:
            return known[0]
        ticket = self._known_caps.ticket()
        async with self._uow() as uow:
            cap = (await uow.budgets.get(user_id)).monthly_usd
        self._known_caps.keep(user_id, user_id, (cap,), ticket)
        return cap

    def _amount(self, cap: Cap, choice: LlmChoice, usage: Usage) -> Decimal:
        if cap.kind.in_tokens:
            return Decimal(usage.total_tokens)
        cost = self._meter.cost(choice.provider, choice.model, usage)
        if cost is None:
            raise ModelNotPriced(choice.provider.value, choice.model)
        return cost

    async def release(self, hold: Hold | None) -> None:
        """The call reached no provider (or failed before any reply): nothing was spent."""
        if hold is None:
            return
        async with self._uow() as uow:
            await uow.spend.settle(hold, [Decimal(0)] * len(hold.caps))
            await uow.commit()
        self._metrics.held(self._source, -_usd(hold))

    def settlement(self, hold: Hold | None, record: UsageRecord) -> Settlement | None:
        """What ``record`` settles of ``hold``, for a ``UsageJournal`` to write with it (None:
        no cap applied, nothing to settle)."""
        if hold is None:
            return None
        spent = tuple(
            Decimal(record.input_tokens + record.output_tokens)
            if cap.kind.in_tokens
            else record.cost_usd or Decimal(0)
            for cap in hold.caps
        )
        return Settlement(hold, spent)

    def settled(self, hold: Hold | None, record: UsageRecord) -> None:
        """After the commit: the metrics."""
        if hold is not None:
            self._metrics.held(self._source, -_usd(hold))
        if record.cost_usd:
            self._metrics.spent(self._source, record.cost_usd)


def _usd(hold: Hold) -> Decimal:
    """The most the hold reserves in USD (caps in tokens say nothing of money)."""
    return max(
        (a for c, a in zip(hold.caps, hold.amounts, strict=True) if not c.kind.in_tokens),
        default=Decimal(0),
    )


@dataclass(frozen=True, slots=True)
class Spend:
    """What a call that reached the provider used: ``usage`` as reported, or, when the provider
    reported none (a stream cut short, a server that omits it), ``estimated`` from the text;
    ``hold`` is what it reserved (see ``SpendGuard.settlement``)."""

    usage: Usage
    estimated: bool
    hold: Hold | None
