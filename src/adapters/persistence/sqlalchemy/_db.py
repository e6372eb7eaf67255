"""The session as the stores use it: every statement goes through here, so every driver error
is translated in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Delete, Executable, Insert, Result, Update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.sqlalchemy._errors import translate

T = TypeVar("T")
Params = dict[str, Any] | list[dict[str, Any]] | None

# Rows are read afresh even when this session loaded them before: another transaction may have
# committed since (READ COMMITTED), e.g. while this one waited for ``UserStore.lock``.
_FRESH = {"populate_existing": True}


class Db:
    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self.session = session
        self.dialect = dialect

    async def execute(
        self, statement: Executable, params: Params = None
    ) -> Result[*tuple[Any, ...]]:
        """``params``: a list runs the statement once per item (one executemany)."""
        return await self._execute(statement, params, {})

    async def rowcount(self, statement: Update | Insert | Delete, params: Params = None) -> int:
        """Run an UPDATE, a DELETE (or an INSERT ... SELECT); the number of rows it matched (or
        added)."""
        result = await self._execute(statement, params, {"synchronize_session": False})
        return int(cast("CursorResult[Any]", result).rowcount)

    async def scalar(self, statement: Executable) -> Any:
        return (await self._execute(statement, None, _FRESH)).scalar()

    async def scalars(self, statement: Executable) -> Sequence[Any]:
        return (await self._execute(statement, None, _FRESH)).scalars().all()

    async def _execute(
        self, statement: Executable, params: Params, options: dict[str, Any]
    ) -> Result[*tuple[Any, ...]]:
        with _translated_errors():
            return await self.session.execute(statement, params, execution_options=options)

    async def get(self, row_type: type[T], key: Any, *, for_update: bool = False) -> T | None:
        """``for_update`` locks the row until the transaction ends (PostgreSQL; SQLite has one
        writer at a time, and a transaction whose snapshot is stale cannot write at all)."""
        with _translated_errors():
            return await self.session.get(
                row_type, key, populate_existing=True, with_for_update=for_update or None
            )

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[AsyncSession]:
        """Writes inside run in a SAVEPOINT and are flushed at its end: a violated constraint
        rolls back to it, and the transaction stays usable (PostgreSQL would abort it)."""
        with _translated_errors():
            async with self.session.begin_nested():
                yield self.session

    async def add(self, row: object) -> None:
        """Insert without a savepoint: for rows whose only constraints are keys (a bug if hit)."""
        self.session.add(row)
        with _translated_errors():
            await self.session.flush()

    async def commit(self) -> None:
        with _translated_errors():
            await self.session.commit()

    async def rollback(self) -> None:
        with _translated_errors():
            await self.session.rollback()


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Driver errors leave as domain or adapter errors (``from None``: the driver's message may
    quote values); anything else passes through unchanged."""
    try:
        yield
    except Exception as error:
        translated = translate(error)
        if translated is None:
            raise
        raise translated from None
