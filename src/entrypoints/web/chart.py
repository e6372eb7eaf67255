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
    every = max(1, math.ceil(len(days) / 4))
    x_ticks = tuple(
        Tick(round(LEFT + i * slot + slot / 2, 2), f"{d:%b} {d.day}")
        for i, d in enumerate(days)
        if i % every == 0
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


def _scale(maximum: float) -> tuple[float, float]:
    """A round axis top and step (1, 2 or 5 times a power of ten), four steps or so."""
    if maximum <= 0:
        return 1.0, 0.25
    raw = maximum / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(maximum / step), step
