"""The two column types the schema needs beyond SQLAlchemy's own: a UUID that is native on
PostgreSQL and 16 bytes on SQLite, and a timestamp that is timezone-aware UTC on both.

They store exactly what advanced-alchemy's ``GUID`` and ``DateTimeUTC`` stored (the schema was
created with those): ours because importing advanced-alchemy loads its whole package (service
layer, file storage, pydantic and numpy when installed), about 10 MB and 0.4 s a worker, and
Litestar imports it at start whenever it is installed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.types import BINARY, TypeDecorator, TypeEngine


class GUID(TypeDecorator[UUID]):
    """PostgreSQL's ``uuid``; elsewhere (SQLite) ``BINARY(16)``, the UUID's bytes."""

    impl = BINARY(16)
    cache_ok = True

    @property
    def python_type(self) -> type[UUID]:
        return UUID

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PG_UUID())
        return dialect.type_descriptor(BINARY(16))

    def process_bind_param(self, value: UUID | str | bytes | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return str(value)
        return _uuid(value).bytes

    def process_result_value(self, value: Any, dialect: Dialect) -> UUID | None:
        if value is None or isinstance(value, UUID):
            return value  # asyncpg's UUID is a subclass of uuid.UUID
        return UUID(bytes=bytes(value))


def _uuid(value: UUID | str | bytes) -> UUID:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        return UUID(hex=value)
    return UUID(bytes=bytes(value))


class DateTimeUTC(TypeDecorator[datetime]):
    """``timestamp with time zone``; a naive datetime is refused, not guessed at, and what is
    read back is always aware (SQLite keeps no zone: it stores UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise TypeError("tzinfo is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)
