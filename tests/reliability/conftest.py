"""Reliability suite: the migrated SQLite and PostgreSQL fixtures of the contract suite, and a
sink for every log record at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.support.logs import LogSink


@pytest.fixture
def debug_logs() -> Iterator[LogSink]:
    """DEBUG for every logger there is (docs/security-tests.md, G: capture all sinks)."""
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
