"""Readiness: can the database answer ``SELECT 1``?"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.errors import StoreUnavailable
from domain.ports import HealthProbe

logger = logging.getLogger(__name__)


class SqlAlchemyHealthProbe(HealthProbe):
    def __init__(self, engine: AsyncEngine, *, timeout_s: float = 2.0) -> None:
        self._engine = engine
        self._timeout_s = timeout_s

    async def check(self) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as error:
            # The class name only: driver messages can carry connection details.
            logger.warning("database health check failed: %s", type(error).__name__)
            raise StoreUnavailable() from None
