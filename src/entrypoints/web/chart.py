"""Stacked bar charts as plain geometry, drawn by the usage template as SVG.

No inline styles (the CSP forbids them): colours come from ``series-N`` classes in the
stylesheet, and every bar carries a ``<title>`` so its value can be read without the axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

# Small enough that labels stay readable when a phone scales the chart down.
WIDTH = 480
HEIGHT = 250
LEFT = 78
RIGHT = 10
TOP = 14
BOTTOM = 34
SERIES_CLASSES = 8
LABEL_HALF_WIDTH = 28  # half of "Sep 30" at the chart's font size, in viewBox units
LABEL_GAP = 6


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"
    """SVG text-anchor: a label that would run past the right edge ends at its day instead."""


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    left: int
    top: int
    bottom: float
    right: float
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]


def stacked_bars(
    days: Sequence[date],
    series: Sequence[str],
    values: Mapping[tuple[date, str], float],
    fmt: Callable[[float], str],
) -> BarChart:
    """One column per day, one stacked segment per series with a value that day."""
    totals = [sum(values.get((d, s), 0.0) for s in series) for d in days]
    top_value, step = _scale(max(totals, default=0.0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_h
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1.0)
    bars: list[Bar] = []
    for i, day in enumerate(days):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = float(baseline)
        for index, name in enumerate(series):
            value = values.get((day, name), 0.0)
            if value <= 0:
                continue
            h = value / top_value * plot_h
            y -= h
            label = f"{day.isoformat()} · {name}: {fmt(value)}"
            bars.append(Bar(round(x, 2), round(y, 2), round(bar_w, 2), round(h, 2), index, label))
    y_ticks = tuple(
        Tick(round(baseline - k * step / top_value * plot_h, 2), fmt(k * step))
        for k in range(round(top_value / step) + 1)
    )
    x_ticks = _uncrowded(
        [_day_tick(LEFT + i * slot + slot / 2, days[i]) for i in _labelled(len(days))]
    )
    return BarChart(
        WIDTH,
        HEIGHT,
        LEFT,
        TOP,
        float(baseline),
        float(WIDTH - RIGHT),
        tuple(bars),
        y_ticks,
        x_ticks,
    )


def _day_tick(position: float, day: date) -> Tick:
    late = position + LABEL_HALF_WIDTH > WIDTH
    return Tick(round(position, 2), f"{day:%b} {day.day}", "end" if late else "middle")


def extent(tick: Tick) -> tuple[float, float]:
    """Where a day label's text starts and ends, roughly, in viewBox units."""
    if tick.anchor == "end":
        return tick.position - 2 * LABEL_HALF_WIDTH, tick.position
    return tick.position - LABEL_HALF_WIDTH, tick.position + LABEL_HALF_WIDTH


def _labelled(count: int) -> list[int]:
    """The first day, the last (where a period ends is what a reader looks for) and about
    every quarter between."""
    if count == 0:
        return []
    every = max(1, math.ceil(count / 4))
    return sorted({*range(0, count, every), count - 1})


def _uncrowded(ticks: list[Tick]) -> tuple[Tick, ...]:
    """Drops labels that would touch the next one kept, from the right: the last day stays."""
    kept: list[Tick] = []
    for tick in reversed(ticks):
        if not kept or extent(tick)[1] + LABEL_GAP <= extent(kept[-1])[0]:
            kept.append(tick)
    return tuple(reversed(kept))


def _scale(maximum: float) -> tuple[float, float]:
    """A round axis top and step (1, 2 or 5 times a power of ten), four steps or so."""
    if maximum <= 0:
        return 1.0, 0.25
    raw = maximum / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(maximum / step), step
