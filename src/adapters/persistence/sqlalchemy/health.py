"""Readiness: can the database answer, and is its schema the one this code was written for?"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.errors import SchemaNotCurrent, StoreUnavailable
from adapters.persistence.sqlalchemy.schema_version import current_revision
from domain.ports import HealthProbe

logger = logging.getLogger(__name__)


class SqlAlchemyHealthProbe(HealthProbe):
    """With ``head`` (the code's newest migration, asked for once), a database whose
    ``alembic_version`` differs is ``SchemaNotCurrent``: an instance started before its
    migration ran (or while another instance runs it) is not ready. Once seen at head the
    schema is not read again: a running instance never sees it go back."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        timeout_s: float = 2.0,
        head: Callable[[], str | None] | None = None,
    ) -> None:
        self._engine = engine
        self._timeout_s = timeout_s
        self._head = head
        self._schema_current = head is None

    async def check(self) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                    if not self._schema_current:
                        self._schema_current = await self._at_head(connection)
        except SchemaNotCurrent:
            raise
        except Exception as error:
            # The class name only: driver messages can carry connection details.
            logger.warning("database health check failed: %s", type(error).__name__)
            raise StoreUnavailable() from None
        if not self._schema_current:
            raise SchemaNotCurrent()

    async def _at_head(self, connection: AsyncConnection) -> bool:
        found = await connection.run_sync(current_revision)
        return self._head is not None and found == self._head()
