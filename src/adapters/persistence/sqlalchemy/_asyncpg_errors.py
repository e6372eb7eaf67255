"""Statements sent on asyncpg's connection itself (``raw_driver``), their errors translated like
the SQLAlchemy ones (``_errors``): by constraint name or SQLSTATE, never with their message."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.errors import ConstraintViolation, DatabaseError, StoreUnavailable
from adapters.persistence.sqlalchemy._errors import (
    _UNAVAILABLE_SQLSTATE_CLASSES,
    _UNAVAILABLE_SQLSTATES,
    DOMAIN_ERRORS,
    translate,
)
from adapters.persistence.sqlalchemy._lent import lent_connections

logger = logging.getLogger(__name__)
# asyncpg's client-side DataError (bad query argument), not ``asyncpg.DataError`` (SQLSTATE 22).
_ClientDataError = asyncpg.exceptions._base.DataError


def translate_asyncpg(error: Exception) -> Exception | None:
    """The error to raise instead, or None when it is no database error."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        name = error.constraint_name or "unknown"
        make = DOMAIN_ERRORS.get(name)
        return make() if make is not None else ConstraintViolation(name)
    if isinstance(error, asyncpg.PostgresError):
        sqlstate = str(error.sqlstate or "")
        if sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES:
            return _unavailable(error)
        return DatabaseError(type(error).__name__)
    if isinstance(error, _ClientDataError):
        # A value the driver could not encode (an InterfaceError too): that row's fault, not
        # the database's; its message quotes the value.
        return DatabaseError(type(error).__name__)
    if isinstance(error, OSError | TimeoutError | asyncpg.InterfaceError):
        return _unavailable(error)
    return translate(error)  # the engine's own (checking a connection out of its pool)


def _unavailable(error: Exception) -> StoreUnavailable:
    logger.warning("database unavailable: %s", type(error).__name__)
    return StoreUnavailable()


@contextmanager
def translated() -> Iterator[None]:
    """Driver errors leave as domain or adapter errors, ``from None`` (their text may quote
    values)."""
    try:
        yield
    except Exception as error:
        replacement = translate_asyncpg(error)
        if replacement is None:
            raise
        raise replacement from None


@asynccontextmanager
async def raw_driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """asyncpg's connection from ``engine``'s pool, its errors translated (``translated``).
    Without SQLAlchemy's Connection around it (a quarter of the cost): nothing here begins a
    transaction SQLAlchemy would have to end. Handed back in good order, it is kept for the
    next caller (``LentConnections``); else it goes back to the pool, whose checkout hook
    replaces a closed one."""
    lender = lent_connections(engine)
    with translated():
        loan = await lender.take(engine)
        clean = False
        try:
            yield loan.driver
            clean = True
        finally:
            await lender.give_back(engine, loan, clean=clean)
