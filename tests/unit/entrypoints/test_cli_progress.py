"""The progress printer of long commands: a bar on a terminal, periodic plain lines elsewhere."""

from __future__ import annotations

import io

from entrypoints.cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_one_line_is_redrawn_with_counts_and_rate() -> None:
    screen, clock = Terminal(), Clock()
    progress = Progress("rewrapping", 200, stream=screen, clock=clock)
    clock.now += 2
    progress.advance(50)
    clock.now += 2
    progress.advance(50)
    progress.finish()
    frames = screen.getvalue().split("\r")[1:]
    assert frames[0] == "[######..................] rewrapping: 50/200 (25/s)"
    assert frames[1] == "[############............] rewrapping: 100/200 (25/s)\n"


def test_elsewhere_plain_lines_at_most_every_interval() -> None:
    log, clock = io.StringIO(), Clock()
    progress = Progress("rewrapping", 1000, stream=log, clock=clock, every_s=2.0)
    for _ in range(10):
        clock.now += 0.5
        progress.advance(100)
    progress.finish()
    assert "\r" not in log.getvalue()
    assert log.getvalue().splitlines() == [
        "rewrapping: 400/1000 (200/s)",
        "rewrapping: 800/1000 (200/s)",
    ]


def test_nothing_to_do_prints_nothing() -> None:
    screen = Terminal()
    progress = Progress("rewrapping", 0, stream=screen)
    progress.finish()
    assert screen.getvalue() == ""
    assert progress.rate == 0.0
