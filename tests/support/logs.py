"""A log handler that keeps every record, for tests that look for leaks in the logs."""

from __future__ import annotations

import logging


class LogSink(logging.Handler):
    """Every record of every logger, formatted with its traceback, as an operator would see it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + repr(record.args))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
