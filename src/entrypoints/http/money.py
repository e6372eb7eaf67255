"""Amounts of money in responses."""

from __future__ import annotations

from decimal import Decimal


def usd(amount: Decimal) -> str:
    """Exact and fixed-point, without trailing zeros, whatever scale the database kept
    (``0.0048``, never ``0.0048000000`` or ``4.8E-3``); a JSON string keeps every digit."""
    return format(amount.normalize(), "f")


def usd_or_none(amount: Decimal | None) -> str | None:
    return None if amount is None else usd(amount)
