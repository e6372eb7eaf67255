"""Token counts a provider reports are clamped to what the usage columns (int4) can hold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.llm import MAX_TOKEN_COUNT, ModelPrice, Usage


@pytest.mark.parametrize(
    ("reported", "kept"),
    [
        ((12, 5), (12, 5)),
        ((-1_000_000, -1), (0, 0)),
        ((2**31, 2**63), (MAX_TOKEN_COUNT, MAX_TOKEN_COUNT)),
        ((MAX_TOKEN_COUNT, 0), (MAX_TOKEN_COUNT, 0)),
    ],
)
def test_reported_counts_are_clamped_to_zero_and_the_int4_maximum(
    reported: tuple[int, int], kept: tuple[int, int]
) -> None:
    usage = Usage(*reported)
    assert (usage.input_tokens, usage.output_tokens) == kept


def test_a_negative_count_cannot_lower_the_cost_of_the_other() -> None:
    price = ModelPrice(Decimal("2.00"), Decimal("8.00"))
    assert price.cost(Usage(-5_000_000, 1_000_000)) == Decimal("8")


def test_a_sum_stays_within_the_maximum() -> None:
    assert Usage(MAX_TOKEN_COUNT, 1) + Usage(1, 1) == Usage(MAX_TOKEN_COUNT, 2)
