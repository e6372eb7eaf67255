"""Prices and records what one LLM call cost a user."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from uuid import UUID

from domain.llm import ModelPrice, Usage
from domain.ports import Clock, IdGenerator, ModelCatalog
from domain.provider import Provider
from domain.resolution import LlmChoice
from domain.usage import UsageRecord, UsageSource

DEFAULT_MAX_OUTPUT_TOKENS = 8192


class UsageMeter:
    """- cost = tokens x the price per million: the operator's (``prices``, by
      ``provider/model``) else the catalog's; an unpriced model records its tokens and a null
      cost (providers release models faster than any list);
    - the default ``max_tokens`` of a call is the catalog's maximum output for the model."""

    def __init__(
        self,
        catalog: ModelCatalog,
        ids: IdGenerator,
        clock: Clock,
        prices: Mapping[str, ModelPrice] | None = None,
    ) -> None:
        self._catalog = catalog
        self._ids = ids
        self._clock = clock
        self._prices = prices or {}

    def price(self, provider: Provider, model: str) -> ModelPrice | None:
        operator = self._prices.get(f"{provider.value}/{model}")
        if operator is not None:
            return operator
        known = self._catalog.model(provider, model)
        return None if known is None else known.price

    def cost(self, provider: Provider, model: str, usage: Usage) -> Decimal | None:
        price = self.price(provider, model)
        return None if price is None else price.cost(usage)

    def max_output_tokens(self, provider: Provider, model: str) -> int | None:
        """The default reply budget: the model's maximum, capped so that a long conversation
        plus the budget still fits the context window of today's models (a caller who wants
        more asks for it with ``max_tokens``)."""
        known = self._catalog.model(provider, model)
        if known is None or known.max_output_tokens is None:
            return None
        return min(known.max_output_tokens, DEFAULT_MAX_OUTPUT_TOKENS)

    def context_window(self, provider: Provider, model: str) -> int | None:
        """The model's context window in tokens, None when the catalog does not know it."""
        known = self._catalog.model(provider, model)
        return None if known is None else known.context_window

    def record(
        self,
        user_id: UUID,
        choice: LlmChoice,
        usage: Usage,
        *,
        source: UsageSource,
        session_id: UUID | None = None,
        gateway_token_id: UUID | None = None,
        estimated: bool = False,
    ) -> UsageRecord:
        return UsageRecord(
            id=self._ids.new_id(),
            user_id=user_id,
            provider=choice.provider.value,
            model=choice.model,
            credential_id=choice.credential_id,
            session_id=session_id,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=self.cost(choice.provider, choice.model, usage),
            source=source,
            created_at=self._clock.now(),
            gateway_token_id=gateway_token_id,
            estimated=estimated,
        )
