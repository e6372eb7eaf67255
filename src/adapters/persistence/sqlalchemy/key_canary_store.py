"""``KeyCanaryStore`` on SQLAlchemy: table ``master_key_canaries``, one row per master key id.

Readiness calls it, outside any unit of work: each call is its own short transaction under a
timeout, and any database failure is ``StoreUnavailable`` (named by class only, as the health
probe does: driver messages can carry connection details)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.errors import StoreUnavailable
from adapters.persistence.sqlalchemy.tables import KeyCanaryRow
from domain.ports import KeyCanaryStore
from domain.sealing import WrappedKey

logger = logging.getLogger(__name__)


class SqlAlchemyKeyCanaryStore(KeyCanaryStore):
    def __init__(self, engine: AsyncEngine, *, timeout_s: float = 2.0) -> None:
        self._engine = engine
        self._timeout_s = timeout_s

    async def get(self, kek_id: str) -> WrappedKey | None:
        query = select(KeyCanaryRow.wrapped_key).where(KeyCanaryRow.kek_id == kek_id)
        try:
            async with asyncio.timeout(self._timeout_s), self._engine.connect() as connection:
                wrapped = (await connection.execute(query)).scalar_one_or_none()
        except Exception as error:
            raise _unavailable(error) from None
        return None if wrapped is None else WrappedKey(kek_id, wrapped)

    async def add(self, canary: WrappedKey) -> None:
        row = {"kek_id": canary.kek_id, "wrapped_key": canary.ciphertext}
        try:
            async with asyncio.timeout(self._timeout_s), self._engine.begin() as connection:
                await connection.execute(insert(KeyCanaryRow), [row])
        except IntegrityError:
            return  # another worker stored this key's canary first; that one stays
        except Exception as error:
            raise _unavailable(error) from None


def _unavailable(error: Exception) -> StoreUnavailable:
    logger.warning("master-key canary store failed: %s", type(error).__name__)
    return StoreUnavailable()
