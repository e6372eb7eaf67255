"""The usage chart geometry and the page's number formats."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from entrypoints.web.chart import HEIGHT, LEFT, TOP, WIDTH, extent, stacked_bars
from entrypoints.web.usage import tokens_text, usd

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(5)]


def test_segments_of_one_day_stack_from_the_baseline_in_series_order() -> None:
    values = {(DAYS[0], "a"): 30.0, (DAYS[0], "b"): 10.0, (DAYS[3], "b"): 20.0}
    chart = stacked_bars(DAYS, ["a", "b"], values, tokens_text)

    first_a, first_b, later_b = chart.bars
    assert (first_a.series, first_b.series, later_b.series) == (0, 1, 1)
    assert first_a.y + first_a.height == pytest.approx(chart.bottom)
    assert first_b.y + first_b.height == pytest.approx(first_a.y)
    assert first_a.height == pytest.approx(3 * first_b.height)
    assert later_b.height == pytest.approx(2 * first_b.height)
    assert later_b.x > first_a.x
    assert first_a.label == "2026-11-01 · a: 30"


def test_the_axis_ends_on_a_round_number_above_the_tallest_day() -> None:
    chart = stacked_bars(DAYS, ["a"], {(DAYS[1], "a"): 17.0}, tokens_text)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10", "15", "20"]
    assert chart.y_ticks[0].position == pytest.approx(chart.bottom)
    assert chart.y_ticks[-1].position == pytest.approx(TOP)
    (bar,) = chart.bars
    assert bar.height == pytest.approx((chart.bottom - TOP) * 17 / 20)


def test_bars_stay_inside_the_drawing() -> None:
    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(30)]
    values = {(d, s): float(i * 7 + len(s)) for i, d in enumerate(days) for s in ("x", "yy")}
    chart = stacked_bars(days, ["x", "yy"], values, usd)
    for bar in chart.bars:
        assert bar.x >= LEFT
        assert bar.x + bar.width <= chart.right
        assert bar.y >= TOP - 0.01
        assert bar.y + bar.height <= HEIGHT
    assert 1 < len(chart.x_ticks) <= 8


def test_zero_values_draw_no_bar() -> None:
    chart = stacked_bars(DAYS, ["a"], {(DAYS[0], "a"): 0.0}, tokens_text)
    assert chart.bars == ()


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "$0"), (0.00016, "$0.00016"), (0.01, "$0.01"), (1234.5, "$1,234.50")],
)
def test_costs_read_like_money_even_when_tiny(amount: float, text: str) -> None:
    assert usd(amount) == text


@pytest.mark.parametrize(
    ("count", "text"), [(34, "34"), (2515, "2,515"), (45_000, "45k"), (2_000_000, "2M")]
)
def test_token_counts_are_compact(count: int, text: str) -> None:
    assert tokens_text(count) == text


def test_the_first_and_last_day_are_labelled_and_labels_do_not_crowd() -> None:
    for length in range(1, 93):  # every period the page charts
        days = [date(2026, 10, 1) + timedelta(days=i) for i in range(length)]
        ticks = stacked_bars(days, ["a"], {(days[0], "a"): 1.0}, tokens_text).x_ticks
        last = days[-1]
        assert ticks[0].label == "Oct 1"
        assert ticks[-1].label == f"{last:%b} {last.day}", length
        assert len(ticks) >= min(length, 3)
        spans = [extent(t) for t in ticks]
        for (_, right), (left, _) in pairwise(spans):
            assert right < left, (length, ticks)
        assert spans[-1][1] <= WIDTH, length  # nothing runs past the right edge
