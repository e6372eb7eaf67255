"""Settings of spend control: the operator's caps on the platform's key, and prices for models
the catalog does not price."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.llm import ModelPrice
from entrypoints.settings._parsers import SettingsError, positive
from entrypoints.settings._variables import setting


def usd(name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SettingsError(f"{name} must be an amount in USD, like 5.00") from None
    if not value.is_finite() or value < 0:
        raise SettingsError(f"{name} must be a non-negative amount in USD")
    return value


def prices(name: str, raw: str) -> Mapping[str, ModelPrice]:
    """``provider/model=input:output`` entries (USD per million tokens), comma-separated."""
    found: dict[str, ModelPrice] = {}
    for entry in filter(None, (e.strip() for e in raw.split(","))):
        model, _, price = entry.partition("=")
        provider, slash, _name = model.strip().partition("/")
        parts = price.split(":")
        if not slash or not provider or not _name or len(parts) != 2:
            raise SettingsError(f"{name}: each entry is provider/model=input:output")
        found[model.strip()] = ModelPrice(usd(name, parts[0].strip()), usd(name, parts[1].strip()))
    return found


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    system_default_monthly_usd: Decimal | None = setting(
        "BYOM_SYSTEM_DEFAULT_MONTHLY_USD",
        None,
        usd,
        "what one user's calls on the system default may cost per UTC calendar month "
        "(unset: no cap; 429 `budget-exceeded` past it)",
    )
    system_default_daily_tokens: int | None = setting(
        "BYOM_SYSTEM_DEFAULT_DAILY_TOKENS",
        None,
        positive,
        "tokens (input plus output) one user's calls on the system default may use per UTC day "
        "(unset: no cap)",
    )
    model_prices: Mapping[str, ModelPrice] | None = setting(
        "BYOM_MODEL_PRICES",
        None,
        prices,
        "prices for models the catalog does not price (or overrides), "
        "`provider/model=input:output` in USD per million tokens, comma-separated "
        "(e.g. `openai_compatible/llama3=0.2:0.2`); a call under a USD cap on an unpriced "
        "model is refused",
    )
