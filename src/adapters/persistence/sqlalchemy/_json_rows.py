"""Rows sent to PostgreSQL as one JSON array, read there with the table's row type
(``json_populate_recordset``): one parameter however many rows. Sent as one array per column,
asyncpg checked every element against abstract base classes before encoding it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec


def json_rows(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *, times: Sequence[str] = ()
) -> str:
    """``rows`` with exactly ``columns`` each: a column missing from a row raises KeyError
    (``json_populate_recordset`` would store NULL for it without a word). PostgreSQL reads each
    value back into its column's type: a UUID, a Decimal and a timestamp from their strings, a
    JSON column's value as it is. The ``times`` columns are sent in UTC: msgspec writes an
    offset in whole minutes, and a time without one would be read in the session's zone."""
    out = []
    for row in rows:
        item = {column: row[column] for column in columns}
        for column in times:
            item[column] = utc(item[column])
        out.append(item)
    return msgspec.json.encode(out).decode()


def utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise TypeError("tzinfo is required")  # as DateTimeUTC refuses it
    return value.astimezone(UTC)
