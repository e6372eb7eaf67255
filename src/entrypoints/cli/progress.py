"""Progress of a long command: a bar redrawn in place on a terminal, plain lines elsewhere.

Lines, not carriage returns, when stderr is a file or a pipe (CI, ``kubectl logs``): one at
most every ``every_s`` seconds. No dependency: rich would add more start-up time than the
commands that use this take to parse their arguments.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 24


class Progress:
    def __init__(
        self,
        what: str,
        total: int | None,
        *,
        stream: TextIO | None = None,
        every_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.total = total
        self.done = 0
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._every_s = every_s
        self._clock = clock
        self._started = self._last = clock()

    @property
    def elapsed_s(self) -> float:
        return self._clock() - self._started

    @property
    def rate(self) -> float:
        """Items per second since the start."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = self._clock()
        if self._tty:
            self._stream.write(f"\r{self.line()}")
        elif now - self._last >= self._every_s:
            self._stream.write(f"{self.line()}\n")
        else:
            return
        self._last = now
        self._stream.flush()

    def finish(self) -> None:
        """Ends the redrawn line (on a terminal); the caller prints its summary after."""
        if self._tty and self.done:
            self._stream.write("\n")
            self._stream.flush()

    def line(self) -> str:
        counts = f"{self.done}/{self.total}" if self.total else str(self.done)
        text = f"{self.what}: {counts} ({self.rate:.0f}/s)"
        if not self._tty or not self.total:
            return text
        filled = min(WIDTH, WIDTH * self.done // self.total)
        return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {text}"
