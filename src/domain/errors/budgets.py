"""Errors of spend control."""

from __future__ import annotations

from domain.errors._base import DomainError


class InvalidBudget(DomainError):
    code = "invalid-budget"


class BudgetExceeded(DomainError):
    """The call's worst case would pass a cap; ``cap`` names it (a ``CapKind`` value) and
    ``retry_after`` is the seconds until its period resets."""

    code = "budget-exceeded"

    def __init__(self, cap: str, label: str, retry_after: int) -> None:
        super().__init__(
            f"this call could pass {label} ({cap}); nothing was sent to the provider. "
            f"The budget resets in {retry_after} seconds"
        )
        self.cap = cap
        self.retry_after = retry_after


class ModelNotPriced(DomainError):
    """A budget in USD applies but the catalog has no price for the model."""

    code = "model-not-priced"

    def __init__(self, provider: str, model: str) -> None:
        super().__init__(
            f"a budget applies to this call but {provider}/{model} has no known price, so its "
            "cost cannot be bounded; use a priced model, or ask the operator to price it "
            f"(BYOM_MODEL_PRICES, e.g. {provider}/{model}=0.15:0.60 in USD per million input "
            "and output tokens)"
        )
        self.model = model
