"""The schema's UUID and UTC timestamp columns store what advanced-alchemy's stored (the
databases were made with those): 16 bytes of the UUID on SQLite, the text form to PostgreSQL;
UTC always, a naive time refused, and what is read back always aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from adapters.persistence.sqlalchemy.column_types import GUID, DateTimeUTC

PG: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
AN_ID = UUID("0190f5a2-7c3e-7a1b-8c2d-3e4f5a6b7c8d")


def test_a_uuid_is_its_bytes_on_sqlite_and_its_text_on_postgresql() -> None:
    guid = GUID()

    assert guid.process_bind_param(AN_ID, sqlite.dialect()) == AN_ID.bytes
    assert guid.process_bind_param(str(AN_ID), sqlite.dialect()) == AN_ID.bytes
    assert guid.process_bind_param(AN_ID, PG) == str(AN_ID)
    assert guid.process_result_value(AN_ID.bytes, sqlite.dialect()) == AN_ID
    assert guid.process_result_value(AN_ID, PG) == AN_ID
    assert guid.process_bind_param(None, sqlite.dialect()) is None
    assert str(guid.load_dialect_impl(sqlite.dialect()).compile(sqlite.dialect())) == "BINARY(16)"
    assert str(guid.load_dialect_impl(PG).compile(PG)) == "UUID"


def test_a_time_is_stored_in_utc_and_read_back_aware() -> None:
    column = DateTimeUTC()
    paris = datetime(2026, 12, 3, 11, 0, tzinfo=timezone(timedelta(hours=1)))

    stored = column.process_bind_param(paris, sqlite.dialect())
    read = column.process_result_value(datetime(2026, 12, 3, 10, 0), sqlite.dialect())

    assert stored == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert stored is not None
    assert stored.tzinfo == UTC
    assert read == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    with pytest.raises(TypeError, match="tzinfo is required"):
        column.process_bind_param(datetime(2026, 12, 3, 10, 0), sqlite.dialect())
