"""Driver errors translated once, by constraint name, into domain or adapter errors.

Nothing raised from here carries the driver's message: PostgreSQL's DETAIL line and SQLite's
messages can quote the offending values, and those values may be secrets. Errors are raised
``from None`` so a logged traceback cannot show them either.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy import exc as sa_exc

from adapters.persistence.errors import ConstraintViolation, DatabaseError, StoreUnavailable
from adapters.persistence.sqlalchemy.tables import (
    UQ_ONE_DEFAULT_PER_USER,
    UQ_USERS_EMAIL,
    metadata,
)
from domain.errors import DomainError, DuplicateDefaultCredential, EmailTaken

logger = logging.getLogger(__name__)

# Constraint name -> domain error. Any other violation is a bug in the caller: ConstraintViolation.
# (The one-active-credential index needs the existing row's id: the credential store handles it.)
DOMAIN_ERRORS: dict[str, Callable[[], DomainError]] = {
    UQ_USERS_EMAIL: EmailTaken,
    UQ_ONE_DEFAULT_PER_USER: DuplicateDefaultCredential,
}

# SQLite names the columns of a violated unique index, not the index: map them back to names.
_SQLITE_UNIQUE: dict[str, str] = {}
for _table in metadata.tables.values():
    for _item in (*_table.indexes, *_table.constraints):
        if (isinstance(_item, Index) and _item.unique) or isinstance(_item, UniqueConstraint):
            _columns = ", ".join(f"{_table.name}.{c.name}" for c in _item.columns)
            _SQLITE_UNIQUE[_columns] = str(_item.name)
    _pk = ", ".join(f"{_table.name}.{c.name}" for c in _table.primary_key.columns)
    _SQLITE_UNIQUE.setdefault(_pk, str(_table.primary_key.name))

_PG_CONSTRAINT = re.compile(r'constraint "([^"]+)"')
_SQLITE_FAILED = re.compile(r"^(UNIQUE|FOREIGN KEY|NOT NULL|CHECK) constraint failed(?:: (.*))?$")

# SQLSTATE classes that mean "cannot reach or use the server right now": connection exception,
# invalid authorization, insufficient resources, operator intervention (57014 query_canceled:
# statement_timeout), and invalid catalog name (the database does not exist).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "28", "53", "57", "3D")
# And single codes of other classes: 55P03 lock_not_available (lock_timeout, NOWAIT).
_UNAVAILABLE_SQLSTATES = ("55P03",)


def constraint_name(error: sa_exc.IntegrityError) -> str:
    """The violated constraint's name, from the driver error (never its values)."""
    orig = error.orig
    cause = getattr(orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None) or getattr(orig, "constraint_name", None)
    if isinstance(name, str) and name:
        return name
    message = str(orig.args[0]) if orig is not None and orig.args else ""
    found = _PG_CONSTRAINT.search(message)
    if found:
        return found.group(1)
    sqlite = _SQLITE_FAILED.match(message.splitlines()[0] if message else "")
    if sqlite:
        kind, columns = sqlite.groups()
        if kind == "UNIQUE" and columns:
            return _SQLITE_UNIQUE.get(columns, "unique")
        return kind.lower().replace(" ", "_")
    return "unknown"


def integrity_error(error: sa_exc.IntegrityError) -> Exception:
    name = constraint_name(error)
    make = DOMAIN_ERRORS.get(name)
    return make() if make is not None else ConstraintViolation(name)


def is_unavailable(error: BaseException) -> bool:
    if isinstance(error, OSError | TimeoutError | sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return True
        orig = error.orig
        sqlstate = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
        return isinstance(sqlstate, str) and (
            sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES
        )
    return False


def translate(error: Exception) -> Exception | None:
    """The error to raise instead of a driver error, or None when it is not one."""
    if isinstance(error, sa_exc.IntegrityError):
        return integrity_error(error)
    if is_unavailable(error):
        logger.warning("database unavailable: %s", type(error).__name__)
        return StoreUnavailable()
    if isinstance(error, sa_exc.DBAPIError):
        orig = error.orig
        return DatabaseError(type(orig).__name__ if orig is not None else type(error).__name__)
    return None
