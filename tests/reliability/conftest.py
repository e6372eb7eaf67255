"""Reliability suite: the migrated SQLite and PostgreSQL fixtures of the contract suite, and a
sink for every log record at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.contract.conftest import (  # noqa: F401 (fixtures)
    pg_migrated_url,
    postgres_url,
    sqlite_template,
    sqlite_url,
)


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


@pytest.fixture
def debug_logs() -> Iterator[LogSink]:
    """DEBUG for every logger there is (SECURITY-TESTS G: capture all sinks)."""
    sink = LogSink()
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)]
    levels = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    root.addHandler(sink)
    try:
        yield sink
    finally:
        root.removeHandler(sink)
        for lg, level in levels:
            lg.setLevel(level)
