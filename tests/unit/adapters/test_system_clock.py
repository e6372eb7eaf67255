"""SystemClock: the real time, always timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.clock import SystemClock


def test_now_is_timezone_aware_utc() -> None:
    now = SystemClock().now()

    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_now_is_the_current_time() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)

    assert before <= now <= after
