"""Rows as the one JSON array PostgreSQL reads with a table's row type: exactly the table's
columns, times in UTC to the microsecond."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from adapters.persistence.sqlalchemy._json_rows import json_rows

ID = UUID("0b0f7c2e-7d6b-4a8b-9a53-1d6f5e8e9c11")


def test_each_row_holds_exactly_the_columns_with_values_postgresql_reads_back() -> None:
    row = {"id": ID, "cost": Decimal("0.0000123456"), "ok": True, "parts": [{"a": "\\\"é"}],
           "none": None, "extra": "not a column"}  # fmt: skip

    [sent] = json.loads(json_rows([row], ("id", "cost", "ok", "parts", "none")))

    assert sent == {"id": str(ID), "cost": "0.0000123456", "ok": True,
                    "parts": [{"a": "\\\"é"}], "none": None}  # fmt: skip


def test_a_column_missing_from_a_row_is_an_error_not_a_null() -> None:
    with pytest.raises(KeyError, match="tool_name"):
        json_rows([{"id": ID}], ("id", "tool_name"))


def test_times_leave_in_utc_to_the_microsecond_whatever_their_offset() -> None:
    # msgspec would write +05:00:07 as +05:00, seven seconds off.
    odd = timezone(timedelta(hours=5, seconds=7))
    at = datetime(2026, 12, 4, 10, 30, 8, 123456, tzinfo=odd)

    [sent] = json.loads(json_rows([{"at": at}], ("at",), times=("at",)))

    assert sent["at"] == "2026-12-04T05:30:01.123456Z"
    assert datetime.fromisoformat(sent["at"]) == at


def test_a_time_without_an_offset_is_refused() -> None:
    with pytest.raises(TypeError, match="tzinfo is required"):
        json_rows([{"at": datetime(2026, 12, 4, 5, 30)}], ("at",), times=("at",))


def test_times_already_in_utc_are_sent_as_they_are() -> None:
    at = datetime(2026, 12, 4, 5, 30, 1, 7, tzinfo=UTC)

    assert (
        json_rows([{"at": at}], ("at",), times=("at",)) == '[{"at":"2026-12-04T05:30:01.000007Z"}]'
    )
